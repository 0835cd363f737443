import type { V1Lease } from '@kubernetes/client-node';
import type { Clock } from './clock.ts';
import { systemClock } from './clock.ts';
import { ApiException } from './kube-rest.ts';
// The small module of the MicroTime class alone: it renders six fractional digits.
import { V1MicroTime } from '@kubernetes/client-node/dist/types.js';

/** Per-request options: the signal that aborts it. */
export interface LeaseCallOptions {
  readonly signal?: AbortSignal;
}

/** LeaseApi is the three Lease requests of an election (kube.ts CoordinationApi). */
export interface LeaseApi {
  readNamespacedLease(
    params: { name: string; namespace: string },
    options?: LeaseCallOptions,
  ): Promise<V1Lease>;
  createNamespacedLease(
    params: { namespace: string; body: V1Lease },
    options?: LeaseCallOptions,
  ): Promise<V1Lease>;
  replaceNamespacedLease(
    params: { name: string; namespace: string; body: V1Lease },
    options?: LeaseCallOptions,
  ): Promise<V1Lease>;
}

/** LeaderElectionOptions name the Lease and the timing of the election. */
export interface LeaderElectionOptions {
  readonly api: LeaseApi;
  readonly namespace: string;
  readonly name: string;
  /** identity is unique per replica: the pod name plus a random suffix. */
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  /**
   * requestTimeoutMs bounds each request to the Lease; default half the renew deadline.
   * A renew is also cut off when the renew deadline comes, whichever is sooner.
   */
  readonly requestTimeoutMs?: number;
  readonly clock?: Clock;
  readonly onError?: (error: unknown) => void;
}

/** ElectionEnd says why `run` ended: `stopped` by its signal, or leadership `lost`. */
export type ElectionEnd = 'stopped' | 'lost';

/**
 * LeaderElector keeps the rules of Lease-based election: a replica takes the Lease only
 * when its holder has not renewed it for a whole lease duration, measured on the local
 * clock from when this replica last saw the record change (so clock skew between
 * replicas does not matter); the leader renews every retry period and gives up
 * leadership if it cannot renew within the renew deadline (every request is cut off by
 * its timeout and by that deadline, so a hanging apiserver cannot keep it leading); it
 * never releases on its own: its owner calls `release` after its leader-only work has
 * stopped, and `release` empties the holder only while the holder is still this replica
 * (by the resourceVersion read), so a standby takes over at once.
 */
export class LeaderElector {
  readonly #options: LeaderElectionOptions;
  readonly #clock: Clock;
  #observedRecord = '';
  #observedAt = 0;
  #leading = false;

  constructor(options: LeaderElectionOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  /**
   * run campaigns until it leads, then renews until the deadline is missed (`lost`) or
   * `signal` aborts (`stopped`). It resolves when leadership ends: the caller stops
   * leader-only work then, and on `stopped` may `release` once that work has drained.
   */
  async run(signal: AbortSignal, onStartedLeading: () => void): Promise<ElectionEnd> {
    // A getter, read afresh each time: the signal aborts while we await.
    const stopping = (): boolean => signal.aborted;
    while (!stopping() && !(await this.#attempt(this.#requestTimeoutMs))) {
      await this.#pause(signal);
    }
    if (stopping()) return 'stopped';
    this.#leading = true;
    onStartedLeading();
    const end = await this.#renew(stopping, signal);
    this.#leading = false;
    return end;
  }

  // renew keeps the Lease every retry period; an attempt may take no longer than the time
  // left before the renew deadline, so a hanging request ends in `lost` on time.
  async #renew(stopping: () => boolean, signal: AbortSignal): Promise<ElectionEnd> {
    const { renewDeadlineMs } = this.#options;
    let lastRenew = this.#now();
    while (!stopping()) {
      await this.#pause(signal);
      if (stopping()) break;
      const started = this.#now();
      const left = lastRenew + renewDeadlineMs - started;
      if (left <= 0) return 'lost';
      if (await this.#attempt(Math.min(this.#requestTimeoutMs, left))) lastRenew = started;
      else if (this.#now() - lastRenew >= renewDeadlineMs) return 'lost';
    }
    return 'stopped';
  }

  /**
   * release hands the Lease back if this replica still holds it: the write carries the
   * resourceVersion read, so a Lease taken over meanwhile is left alone (409).
   */
  async release(): Promise<void> {
    await this.#bounded(this.#requestTimeoutMs, async (options) => {
      const lease = await this.#read(options);
      if (lease?.spec?.holderIdentity !== this.#options.identity) return;
      const now = new V1MicroTime(this.#now());
      await this.#write(
        {
          ...lease,
          spec: { ...lease.spec, holderIdentity: '', renewTime: now, leaseDurationSeconds: 1 },
        },
        options,
      );
    });
  }

  get #requestTimeoutMs(): number {
    return this.#options.requestTimeoutMs ?? Math.max(1, this.#options.renewDeadlineMs / 2);
  }

  #now(): number {
    return this.#clock.now().getTime();
  }

  // attempt is one bounded try to take or keep the Lease; any failure, timeout included,
  // is reported and counts as not holding it.
  async #attempt(timeoutMs: number): Promise<boolean> {
    try {
      return await this.#bounded(timeoutMs, (options) => this.#tryAcquireOrRenew(options));
    } catch (error) {
      this.#options.onError?.(error);
      return false;
    }
  }

  /**
   * bounded runs requests with an AbortSignal that fires after `timeoutMs` (passed to each
   * request as per-call middleware), and gives up at that time on the injected clock even
   * if a request ignores its signal.
   */
  async #bounded<T>(
    timeoutMs: number,
    requests: (options: LeaseCallOptions) => Promise<T>,
  ): Promise<T> {
    const abort = new AbortController();
    const timedOut = new Error(`lease request timed out after ${timeoutMs}ms`);
    const timer = this.#clock.sleep(timeoutMs, abort.signal).then(() => {
      abort.abort(timedOut);
      throw timedOut;
    });
    try {
      return await Promise.race([requests(withSignal(abort.signal)), timer]);
    } finally {
      if (!abort.signal.aborted) abort.abort();
      timer.catch(() => undefined);
    }
  }

  async #pause(signal: AbortSignal): Promise<void> {
    await this.#clock.sleep(this.#options.retryPeriodMs, signal).catch(() => undefined);
  }

  async #tryAcquireOrRenew(options: LeaseCallOptions): Promise<boolean> {
    const lease = await this.#read(options);
    if (lease === undefined) return await this.#create(options);
    if (!this.#mayTake(lease)) return false;
    await this.#write(this.#claimed(lease), options);
    return true;
  }

  // mayTake: we hold it, nobody holds it, or the holder's record has not changed for a
  // whole lease duration of our own clock.
  #mayTake(lease: V1Lease): boolean {
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    if (holder === this.#options.identity || holder === '') return true;
    const record = `${holder}@${timeText(spec.renewTime)}`;
    const now = this.#clock.now().getTime();
    if (record !== this.#observedRecord) {
      this.#observedRecord = record;
      this.#observedAt = now;
    }
    const durationMs = (spec.leaseDurationSeconds ?? 0) * 1000;
    return now - this.#observedAt > durationMs;
  }

  #claimed(lease: V1Lease): V1Lease {
    const now = new V1MicroTime(this.#now());
    const spec = lease.spec ?? {};
    const changesHands = spec.holderIdentity !== this.#options.identity;
    return {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: this.#options.identity,
        leaseDurationSeconds: Math.ceil(this.#options.leaseDurationMs / 1000),
        renewTime: now,
        ...(changesHands && {
          acquireTime: now,
          leaseTransitions: (spec.leaseTransitions ?? 0) + 1,
        }),
      },
    };
  }

  async #read(options: LeaseCallOptions): Promise<V1Lease | undefined> {
    const { api, namespace, name } = this.#options;
    try {
      return await api.readNamespacedLease({ name, namespace }, options);
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw error;
    }
  }

  async #create(options: LeaseCallOptions): Promise<boolean> {
    const { api, namespace, name } = this.#options;
    const claimed = this.#claimed({
      metadata: { name, namespace },
      spec: { leaseTransitions: -1 },
    });
    await api.createNamespacedLease({ namespace, body: claimed }, options);
    return true;
  }

  // write replaces the Lease with the resourceVersion read, so two replicas racing for it
  // cannot both win: the loser gets 409 Conflict.
  async #write(lease: V1Lease, options: LeaseCallOptions): Promise<void> {
    const { api, namespace, name } = this.#options;
    await api.replaceNamespacedLease({ name, namespace, body: lease }, options);
  }
}

// timeText renders a MicroTime read back from the apiserver, which client-node leaves as
// text (or a Date, depending on the path it came by), for comparison only.
function timeText(time: unknown): string {
  return time instanceof Date ? time.toISOString() : String(time);
}

// withSignal is per-call options that abort the request when `signal` fires, beside any
// timeout the client already sets.
function withSignal(signal: AbortSignal): LeaseCallOptions {
  return { signal };
}
