// Refusals: answers that no retry changes. The apiserver's 400, 403 and 422 (bad input, a
// forbidden write, an admission policy's no) and a name taken by an object that is not
// ours are reported in status (Stalled, the apiserver's own words), never retried in a
// tight loop; the resync looks again, so a fixed spec or cluster heals the object.
import { ApiException } from '@kubernetes/client-node';

/** REFUSAL_CODES are the HTTP statuses that say the request itself will not succeed. */
const REFUSAL_CODES = new Set([400, 403, 422]);

/** RefusedError is a write the operator itself declines, with the reason a person reads. */
export class RefusedError extends Error {
  override readonly name = 'RefusedError';
}

/** refusalOf is the message of a refusal, or undefined for an error worth retrying. */
export function refusalOf(error: unknown, what: string): string | undefined {
  if (error instanceof RefusedError) return error.message;
  if (error instanceof ApiException && REFUSAL_CODES.has(error.code)) {
    return `the apiserver refused ${what} (HTTP ${String(error.code)}): ${apiMessage(error)}`;
  }
  return undefined;
}

/** apiMessage is the apiserver's own explanation of a refusal. */
export function apiMessage(error: ApiException<unknown>): string {
  const body = error.body;
  if (typeof body !== 'string') return error.message;
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : body;
  } catch {
    return body;
  }
}
