// The operator's requests as plain JSON over the connection pool, without client-node's
// generated clients: those load the model classes and request factories of every API
// group (about 70 MiB resident) and convert every object twice, where the operator makes
// seventeen kinds of request. Objects come back as the apiserver sends them, as the watches
// deliver them: timestamps are RFC 3339 text. A refusal is client-node's ApiException
// (its small module alone), so callers and tools judge errors one way.
import { ApiException } from '@kubernetes/client-node/dist/gen/apis/exception.js';
import { sendWithPolicy, type KubeTransport, type RequestPolicy } from './http-pool.ts';

export { ApiException };

/** Query values of one request; undefined ones are left out. */
export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

/** RestCall is one request. */
export interface RestCall {
  readonly query?: Query;
  readonly body?: unknown;
  /** The body's content type; JSON unless a patch says which kind it is. */
  readonly contentType?: string;
  /** Aborts the request beside the client's own timeout. */
  readonly signal?: AbortSignal | undefined;
}

/** RestOptions shape every request of one client. */
export interface RestOptions {
  /** Aborts any request not answered in time (the whole request, rate-limit wait included). */
  readonly requestTimeoutMs?: number | undefined;
  readonly userAgent: string;
}

/** KubeRest sends JSON requests of one identity, under its policy. */
export class KubeRest {
  readonly #transport: KubeTransport;
  readonly #policy: RequestPolicy;
  readonly #options: RestOptions;

  constructor(transport: KubeTransport, policy: RequestPolicy, options: RestOptions) {
    this.#transport = transport;
    this.#policy = policy;
    this.#options = options;
  }

  /** call sends one request and returns the parsed answer; a refusal throws ApiException. */
  async call<T>(method: string, path: string, call: RestCall = {}): Promise<T> {
    const signals = [call.signal];
    const timeoutMs = this.#options.requestTimeoutMs;
    if (timeoutMs !== undefined) signals.push(AbortSignal.timeout(timeoutMs));
    const present = signals.filter((signal) => signal !== undefined);
    const signal = present.length > 1 ? AbortSignal.any(present) : present[0];
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': this.#options.userAgent,
    };
    if (call.body !== undefined) headers['Content-Type'] = call.contentType ?? 'application/json';
    const response = await sendWithPolicy(this.#transport, this.#policy, withQuery(path, call), {
      method,
      headers,
      ...(call.body !== undefined && { body: JSON.stringify(call.body) }),
      ...(signal !== undefined && { signal }),
    });
    const text = await response.text();
    if (response.ok) return (text === '' ? undefined : JSON.parse(text)) as T;
    const answer: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      answer[name] = value;
    });
    throw new ApiException(response.status, statusMessage(text, response.statusText), text, answer);
  }
}

function withQuery(path: string, call: RestCall): string {
  const entries = Object.entries(call.query ?? {}).filter(
    (entry): entry is [string, string | number | boolean] => entry[1] !== undefined,
  );
  if (entries.length === 0) return path;
  const query = new URLSearchParams(
    entries.map(([name, value]): [string, string] => [name, String(value)]),
  );
  return `${path}?${query.toString()}`;
}

// statusMessage is the apiserver's own words from its Status answer, else the HTTP reason.
function statusMessage(text: string, statusText: string): string {
  try {
    const status = JSON.parse(text) as { message?: unknown };
    if (typeof status.message === 'string') return status.message;
  } catch {
    // Not JSON: the HTTP reason says what there is to say.
  }
  return statusText;
}
