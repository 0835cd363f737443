// Client-side limits toward the apiserver: a token bucket for request rate, and the wait a
// 429 Too Many Requests asks for. Pure apart from the injected clock, so tests control time.
import type { Clock } from './clock.ts';

/** TokenBucketOptions: `qps` tokens a second refill a bucket that holds at most `burst`. */
export interface TokenBucketOptions {
  readonly qps: number;
  readonly burst: number;
  readonly clock: Clock;
}

/**
 * TokenBucket hands out one token per request, like client-go's flowcontrol limiter: a
 * full bucket lets `burst` requests through at once, then they pass at `qps`. Waiters are
 * served in arrival order, because each reserves its token (the count goes negative) before
 * it sleeps; a waiter whose signal fires gives its reservation back.
 */
export class TokenBucket {
  readonly #qps: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #at: number;

  constructor(options: TokenBucketOptions) {
    if (!(options.qps > 0) || !(options.burst >= 1)) {
      throw new Error(
        `a token bucket needs qps > 0 and burst >= 1, got qps ${options.qps} and burst ${options.burst}`,
      );
    }
    this.#qps = options.qps;
    this.#burst = options.burst;
    this.#clock = options.clock;
    this.#tokens = options.burst;
    this.#at = options.clock.now().getTime();
  }

  /**
   * acquire takes one token, waiting for it if the bucket is empty, and resolves with the
   * milliseconds waited. When `signal` fires first it rejects with the signal's reason.
   */
  async acquire(signal?: AbortSignal): Promise<number> {
    signal?.throwIfAborted();
    const waitMs = this.reserve();
    if (waitMs === 0) return 0;
    try {
      await this.#clock.sleep(waitMs, signal);
    } catch (error) {
      this.#tokens += 1;
      throw error;
    }
    return waitMs;
  }

  /** reserve takes a token now and returns how long its holder must wait before using it. */
  reserve(): number {
    this.#refill();
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens * 1000) / this.#qps);
  }

  #refill(): void {
    const now = this.#clock.now().getTime();
    const elapsed = Math.max(0, now - this.#at);
    this.#at = now;
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#qps) / 1000);
  }
}

/** MIN_RETRY_AFTER_MS is the wait after a 429 without a usable Retry-After (client-go's 1 s). */
export const MIN_RETRY_AFTER_MS = 1_000;
/** MAX_RETRY_AFTER_MS caps what an apiserver may ask a request to wait. */
export const MAX_RETRY_AFTER_MS = 30_000;

/**
 * retryAfterMs is how long to wait before retrying a 429: the Retry-After header's seconds
 * (1 s when absent or not a number, at most 30 s), stretched by up to `jitter` (a fraction)
 * times `random` (in [0, 1)), so requests refused together do not return together.
 */
export function retryAfterMs(header: string | undefined, random: number, jitter = 0.5): number {
  const seconds = header === undefined ? Number.NaN : Number(header.trim());
  const base =
    Number.isFinite(seconds) && seconds > 0
      ? Math.min(seconds * 1000, MAX_RETRY_AFTER_MS)
      : MIN_RETRY_AFTER_MS;
  return Math.round(base * (1 + jitter * random));
}
