// Refusing what is not an AWS answer. A captive portal, a proxy's sign-in page or a wrong
// AWS_ENDPOINT_URL can answer HTTP 200 with an HTML page; the SDK would parse it as an
// empty listing ("found 0") or an identity it never received. Every successful answer
// must look like AWS: a request id header, a body (except for HEAD), and a JSON or XML
// body that is not HTML. Checked once for every client, before the SDK parses anything.
import type { HttpResponse } from '@smithy/types';
import { CheckerError } from './errors.ts';

/** NOT_AWS_ANSWER is the error code of an answer that is not a well-formed AWS answer. */
export const NOT_AWS_ANSWER = 'NotAnAwsAnswer';

// The headers AWS carries its request id in (the SDK reads the same ones).
const REQUEST_ID_HEADERS = ['x-amzn-requestid', 'x-amz-request-id', 'x-amzn-request-id'];
const HTML = /^<(!doctype\s+html|html|head|body)\b/i;
const PREVIEW = 40;

function header(response: HttpResponse, name: string): string | undefined {
  const entry = Object.entries(response.headers).find(([key]) => key.toLowerCase() === name);
  return entry?.[1];
}

async function bodyBytes(body: unknown): Promise<Uint8Array> {
  if (body === undefined || body === null) return new Uint8Array();
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return new TextEncoder().encode(body);
  if (typeof body === 'object' && Symbol.asyncIterator in body) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
      chunks.push(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk);
    }
    return Buffer.concat(chunks);
  }
  throw new Error(`unexpected HTTP body type ${typeof body}`);
}

// bodyProblem judges a body by what it starts with, and its content type where that
// matters: moto labels some JSON answers text/html, so a JSON body is judged by the body.
function bodyProblem(start: string, type: string): string | undefined {
  if (start === '') return 'no body';
  if (HTML.test(start)) return `an HTML page (content type ${type || 'none'})`;
  if (start.startsWith('{') || start.startsWith('[')) return undefined;
  if (/html/i.test(type)) return `content type ${type}`;
  if (!start.startsWith('<')) return `neither JSON nor XML (content type ${type || 'none'})`;
  return undefined;
}

/**
 * answerProblem says why an HTTP answer is not a well-formed AWS answer, or undefined
 * when it is one. `text` is the whole body; `head` tells a HEAD request (no body).
 */
export function answerProblem(
  response: HttpResponse,
  text: string,
  head: boolean,
): string | undefined {
  if (!REQUEST_ID_HEADERS.some((name) => header(response, name))) return 'no request id';
  if (head || response.statusCode === 204) return undefined;
  return bodyProblem(text.trimStart(), header(response, 'content-type') ?? '');
}

/**
 * checkAnswer passes a successful answer on (with its body read into memory, which every
 * call the checker makes reads whole anyway) or throws ServiceError NotAnAwsAnswer.
 * Error answers (non-2xx) are left to the SDK: they never become a success.
 */
export async function checkAnswer(
  response: HttpResponse,
  head: boolean,
  operation: string,
): Promise<void> {
  if (response.statusCode < 200 || response.statusCode > 299) return;
  const bytes = await bodyBytes(response.body);
  response.body = bytes;
  const text = new TextDecoder().decode(bytes);
  const problem = answerProblem(response, text, head);
  if (problem === undefined) return;
  const preview = text.trim().slice(0, PREVIEW).replace(/\s+/g, ' ');
  throw new CheckerError({
    category: 'ServiceError',
    code: NOT_AWS_ANSWER,
    message: `the endpoint did not answer as AWS: HTTP ${response.statusCode} with ${problem}${preview ? `, starting "${preview}"` : ''}; check AWS_ENDPOINT_URL and any proxy between the checker and AWS`,
    operation,
    httpStatus: response.statusCode,
  });
}
