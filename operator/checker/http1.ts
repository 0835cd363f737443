// An HTTP/1.1 request handler for SDK clients whose default is HTTP/2 (Kinesis). The
// checker's calls are plain request/answer calls, which every AWS endpoint, emulator and
// proxy serves over HTTP/1.1; HTTP/2 is only needed for event streams, which it never uses.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import type {
  HttpHandlerOptions,
  HttpRequest,
  HttpResponse,
  QueryParameterBag,
} from '@smithy/types';

// escape encodes like the SDK's signer (RFC 3986), so the signed query is the sent one.
function escape(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function queryString(query: QueryParameterBag = {}): string {
  const parts = Object.keys(query)
    .sort()
    .flatMap((key) => {
      const value = query[key];
      if (value === null || value === undefined) return [escape(key)];
      const values = Array.isArray(value) ? value : [value];
      return values.map((v) => `${escape(key)}=${escape(v)}`);
    });
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

function headersOf(message: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function isReadable(body: unknown): body is Readable {
  return (
    typeof body === 'object' && body !== null && 'pipe' in body && typeof body.pipe === 'function'
  );
}

/** Http1Handler sends each SDK request over HTTP/1.1 with a per-request timeout and abort signal. */
export class Http1Handler {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  readonly #timeoutMs: number;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  handle(
    request: HttpRequest,
    options: HttpHandlerOptions = {},
  ): Promise<{ response: HttpResponse }> {
    const send = request.protocol === 'https:' ? httpsRequest : httpRequest;
    const signal = options.abortSignal instanceof AbortSignal ? options.abortSignal : undefined;
    return new Promise((resolve, reject) => {
      const outgoing = send(
        {
          protocol: request.protocol,
          hostname: request.hostname,
          ...(request.port !== undefined && { port: request.port }),
          method: request.method,
          path: `${request.path}${queryString(request.query)}`,
          headers: request.headers,
          timeout: this.#timeoutMs,
          ...(signal && { signal }),
        },
        (answer) => {
          resolve({
            response: {
              statusCode: answer.statusCode ?? 0,
              headers: headersOf(answer),
              body: answer,
            },
          });
        },
      );
      outgoing.on('timeout', () => {
        outgoing.destroy(
          Object.assign(new Error(`no answer within ${this.#timeoutMs} ms`), {
            name: 'TimeoutError',
          }),
        );
      });
      outgoing.on('error', reject);
      const body: unknown = request.body;
      if (isReadable(body)) body.pipe(outgoing);
      else outgoing.end(body as string | Uint8Array | undefined);
    });
  }

  updateHttpClientConfig(): void {
    // Nothing to update: the handler's only setting is fixed at construction.
  }

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {
    // Requests use Node's global agent; there is nothing of its own to close.
  }
}
