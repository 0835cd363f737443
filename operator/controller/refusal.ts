// Refusals: answers that no retry changes. The apiserver's 400, 403 and 422 (bad input, a
// forbidden write, an admission policy's no) and a name taken by an object that is not
// ours are reported in status (Stalled, the apiserver's own words), never retried in a
// tight loop; the resync looks again, so a fixed spec or cluster heals the object.
// One 403 is not final: a ResourceQuota's "exceeded quota" (Jobs, Pods, CPU or memory,
// whichever the quota names) frees itself as runs end, so it is retried with backoff.
import { ApiException } from '../runtime/kube-rest.ts';

/** REFUSAL_CODES are the HTTP statuses that say the request itself will not succeed. */
const REFUSAL_CODES = new Set([400, 403, 422]);

/** RefusedError is a write the operator itself declines, with the reason a person reads. */
export class RefusedError extends Error {
  override readonly name = 'RefusedError';
}

/** QUOTA_EXCEEDED is the Ready reason of a run a ResourceQuota holds back for now (kstatus Reconciling). */
export const QUOTA_EXCEEDED = 'QuotaExceeded';

/**
 * Refusal is a write the apiserver or the operator declined: for good (`final`, reported
 * as InvalidConfiguration, Stalled) or until a quota frees up (QuotaExceeded, retried).
 */
export interface Refusal {
  readonly reason: 'InvalidConfiguration' | typeof QUOTA_EXCEEDED;
  readonly message: string;
  readonly final: boolean;
}

/** refusalOf is the refusal an error is, or undefined for an error worth retrying at once. */
export function refusalOf(error: unknown, what: string): Refusal | undefined {
  if (error instanceof RefusedError)
    return { reason: 'InvalidConfiguration', message: error.message, final: true };
  if (!(error instanceof ApiException) || !REFUSAL_CODES.has(error.code)) return undefined;
  const words = apiMessage(error);
  const message = `the apiserver refused ${what} (HTTP ${String(error.code)}): ${words}`;
  if (isQuotaRefusal(error.code, words)) {
    const retry = `${message}; ${quotaWords(words)}, retrying with backoff`;
    return { reason: QUOTA_EXCEEDED, message: retry, final: false };
  }
  return { reason: 'InvalidConfiguration', message, final: true };
}

/**
 * isQuotaRefusal: the ResourceQuota admission plugin answers 403 with "exceeded quota", or
 * "status unknown for quota" before the quota controller has counted a new quota
 * (k8s.io/apiserver's quota admission); both free themselves. Any other 403 (RBAC,
 * another admission) is final.
 */
export function isQuotaRefusal(code: number, message: string): boolean {
  return (
    code === 403 &&
    (message.includes('exceeded quota') || message.includes('status unknown for quota'))
  );
}

/**
 * quotaWords says, in the quota admission's own terms, what holds a write back: the
 * ResourceQuota and each resource it limits that the write would exceed
 * ("exceeded quota: runs, requested: pods=1, used: pods=2, limited: pods=2"), or that the
 * quota is not counted yet. Unrecognised words are passed on as they are.
 */
export function quotaWords(words: string): string {
  const exceeded = /exceeded quota: ([^,]+), requested: (.+?), used: (.+?), limited: (.+)$/.exec(
    words,
  );
  if (exceeded !== null) {
    const [, quota = '', requested = '', used = '', limited = ''] = exceeded;
    return `ResourceQuota ${quota} is full (limited: ${limited}; used: ${used}; requested: ${requested})`;
  }
  const unknown = /status unknown for quota: ([^,]+)/.exec(words);
  if (unknown !== null) return `ResourceQuota ${unknown[1] ?? ''} is not counted yet`;
  return 'a ResourceQuota holds it back';
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
