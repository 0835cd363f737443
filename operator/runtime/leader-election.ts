import {
  ApiException,
  V1MicroTime,
  type CoordinationV1Api,
  type V1Lease,
} from '@kubernetes/client-node';
import type { Clock } from './clock.ts';
import { systemClock } from './clock.ts';

/** LeaderElectionOptions name the Lease and the timing of the election. */
export interface LeaderElectionOptions {
  readonly api: CoordinationV1Api;
  readonly namespace: string;
  readonly name: string;
  /** identity is unique per replica: the pod name plus a random suffix. */
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly clock?: Clock;
  readonly onError?: (error: unknown) => void;
}

/**
 * LeaderElector keeps the rules of Lease-based election: a replica takes the Lease only
 * when its holder has not renewed it for a whole lease duration, measured on the local
 * clock from when this replica last saw the record change (so clock skew between
 * replicas does not matter); the leader renews every retry period and gives up
 * leadership if it cannot renew within the renew deadline; on release it empties the
 * holder so a standby takes over at once.
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
   * run campaigns until it leads, then renews until the deadline is missed or `signal`
   * aborts. It resolves when leadership ends: the caller stops leader-only work then.
   */
  async run(signal: AbortSignal, onStartedLeading: () => void): Promise<void> {
    // A getter, read afresh each time: the signal aborts while we await.
    const stopping = (): boolean => signal.aborted;
    while (!stopping() && !(await this.#tryAcquireOrRenew())) await this.#pause(signal);
    if (stopping()) return;
    this.#leading = true;
    onStartedLeading();
    let lastRenew = this.#clock.now().getTime();
    while (!stopping()) {
      await this.#pause(signal);
      if (stopping()) break;
      if (await this.#tryAcquireOrRenew()) lastRenew = this.#clock.now().getTime();
      else if (this.#clock.now().getTime() - lastRenew > this.#options.renewDeadlineMs) break;
    }
    this.#leading = false;
    if (stopping()) await this.release();
  }

  /** release hands the Lease back, if this replica holds it. */
  async release(): Promise<void> {
    const lease = await this.#read();
    if (lease?.spec?.holderIdentity !== this.#options.identity) return;
    const now = new V1MicroTime(this.#clock.now().getTime());
    await this.#write({
      ...lease,
      spec: { ...lease.spec, holderIdentity: '', renewTime: now, leaseDurationSeconds: 1 },
    });
  }

  async #pause(signal: AbortSignal): Promise<void> {
    await this.#clock.sleep(this.#options.retryPeriodMs, signal).catch(() => undefined);
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    try {
      const lease = await this.#read();
      if (lease === undefined) return await this.#create();
      if (!this.#mayTake(lease)) return false;
      await this.#write(this.#claimed(lease));
      return true;
    } catch (error) {
      this.#options.onError?.(error);
      return false;
    }
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
    const now = new V1MicroTime(this.#clock.now().getTime());
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

  async #read(): Promise<V1Lease | undefined> {
    const { api, namespace, name } = this.#options;
    try {
      return await api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw error;
    }
  }

  async #create(): Promise<boolean> {
    const { api, namespace, name } = this.#options;
    const claimed = this.#claimed({
      metadata: { name, namespace },
      spec: { leaseTransitions: -1 },
    });
    await api.createNamespacedLease({ namespace, body: claimed });
    return true;
  }

  // write replaces the Lease with the resourceVersion read, so two replicas racing for it
  // cannot both win: the loser gets 409 Conflict.
  async #write(lease: V1Lease): Promise<void> {
    const { api, namespace, name } = this.#options;
    await api.replaceNamespacedLease({ name, namespace, body: lease });
  }
}

// timeText renders a MicroTime read back from the apiserver, which client-node leaves as
// text (or a Date, depending on the path it came by), for comparison only.
function timeText(time: unknown): string {
  return time instanceof Date ? time.toISOString() : String(time);
}
