import type { Clock } from './clock.ts';
import { systemClock } from './clock.ts';

/**
 * BackoffPolicy bounds retries: per key base × 2^(failures−1), capped at max; and over all
 * keys a token bucket of `ratePerSecond` with `burst`, so many failing keys together cannot
 * flood the apiserver. A retry waits for the longer of the two.
 */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
  readonly ratePerSecond: number;
  readonly burst: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  baseMs: 100,
  maxMs: 300_000,
  ratePerSecond: 10,
  burst: 100,
};

// Delayed is a key's pending addAfter: when it comes due and how to cancel it.
interface Delayed {
  readonly at: number;
  readonly timer: AbortController;
}

/**
 * WorkQueue holds keys to reconcile. It keeps three rules of a controller's queue:
 * a key is queued at most once however often it is added; a key is never handed to two
 * workers at once (an add while it is processed is replayed after `done`); and a key that
 * keeps failing waits longer each time, until `forget` clears its count.
 */
export class WorkQueue {
  readonly #queue: string[] = [];
  readonly #queued = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #delayed = new Map<string, Delayed>();
  readonly #waiters: ((key: string | undefined) => void)[] = [];
  readonly #backoff: BackoffPolicy;
  readonly #clock: Clock;
  #shuttingDown = false;
  #tokens: number;
  #tokensAt: number;

  constructor(backoff: BackoffPolicy = DEFAULT_BACKOFF, clock: Clock = systemClock) {
    this.#backoff = backoff;
    this.#clock = clock;
    this.#tokens = backoff.burst;
    this.#tokensAt = clock.now().getTime();
  }

  /** depth is how many keys wait for a worker (for the queue-depth metric). */
  get depth(): number {
    return this.#queue.length;
  }

  /** add queues `key` now, unless it is already queued. */
  add(key: string): void {
    if (this.#shuttingDown || this.#queued.has(key)) return;
    if (this.#processing.has(key)) {
      this.#dirty.add(key);
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#processing.add(key);
      waiter(key);
      return;
    }
    this.#queued.add(key);
    this.#queue.push(key);
  }

  /**
   * addAfter queues `key` once `ms` have passed. A key waits for at most one delay, the
   * earliest asked for: a later addAfter that would come due sooner replaces the pending
   * one, one that would come due later is dropped. A plain `add` is never held back by a
   * pending delay (the delay still adds the key again when it comes due).
   */
  addAfter(key: string, ms: number): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.#clock.now().getTime() + ms;
    const pending = this.#delayed.get(key);
    if (pending !== undefined && pending.at <= at) return;
    pending?.timer.abort();
    const delayed = { at, timer: new AbortController() };
    this.#delayed.set(key, delayed);
    this.#clock.sleep(ms, delayed.timer.signal).then(
      () => {
        if (this.#delayed.get(key) === delayed) this.#delayed.delete(key);
        this.add(key);
      },
      () => undefined, // Replaced or shut down: the sooner timer or shutdown owns the key.
    );
  }

  /** addRateLimited requeues a failed key after its exponential backoff and returns the delay. */
  addRateLimited(key: string): number {
    const failures = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, failures);
    const perKey = Math.min(this.#backoff.baseMs * 2 ** (failures - 1), this.#backoff.maxMs);
    const delay = Math.max(perKey, this.#takeToken());
    this.addAfter(key, delay);
    return delay;
  }

  // takeToken reserves one retry from the overall bucket and returns how long it must wait.
  #takeToken(): number {
    const now = this.#clock.now().getTime();
    const { ratePerSecond, burst } = this.#backoff;
    this.#tokens = Math.min(burst, this.#tokens + ((now - this.#tokensAt) / 1000) * ratePerSecond);
    this.#tokensAt = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens / ratePerSecond) * 1000);
  }

  /** forget clears a key's failure count after it reconciled cleanly. */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  /** failures is how often a key has failed in a row. */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** get waits for the next key; undefined means the queue shut down (keys left are dropped). */
  async get(): Promise<string | undefined> {
    if (this.#shuttingDown) return undefined;
    const key = this.#queue.shift();
    if (key !== undefined) {
      this.#queued.delete(key);
      this.#processing.add(key);
      return key;
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** done releases a key; if it was added while processed, it is queued again. */
  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.delete(key)) this.add(key);
  }

  /**
   * shutDown stops handing out keys at once: queued, delayed and replayed keys are dropped
   * (the next leader lists everything anew), waiting workers receive undefined, and a key
   * being processed is only finished by its worker.
   */
  shutDown(): void {
    this.#shuttingDown = true;
    this.#queue.length = 0;
    this.#queued.clear();
    this.#dirty.clear();
    for (const { timer } of this.#delayed.values()) timer.abort();
    this.#delayed.clear();
    for (const waiter of this.#waiters.splice(0)) waiter(undefined);
  }
}
