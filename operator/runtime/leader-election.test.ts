import type { V1Lease } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ApiException } from './kube-rest.ts';
import {
  LeaderElector,
  type ElectionEnd,
  type LeaseApi,
  type LeaseCallOptions,
} from './leader-election.ts';
import { manualClock } from './testing.ts';

const NAMESPACE = 'awscheck-system';
const NAME = 'awscheck-operator';

/**
 * FakeLeases stands in for the apiserver's Lease endpoints: it keeps one Lease with
 * resourceVersion checks (409 on a stale write), answers as the apiserver does (a stored
 * copy, through JSON), and can freeze, as a SIGSTOPped apiserver does: requests then hang
 * until their signal aborts them, or forever when `ignoreSignals` is set.
 */
class FakeLeases {
  lease: V1Lease | undefined;
  frozen = false;
  ignoreSignals = false;
  readonly signals: AbortSignal[] = [];
  #version = 0;

  api(): LeaseApi {
    return {
      readNamespacedLease: async (_params, options) =>
        this.#answer(options, () => {
          if (this.lease === undefined) throw refusal(404, 'NotFound');
          return this.lease;
        }),
      createNamespacedLease: async ({ body }, options) =>
        this.#answer(options, () => this.#write(body, true)),
      replaceNamespacedLease: async ({ body }, options) =>
        this.#answer(options, () => this.#write(body, false)),
    };
  }

  get holder(): string | undefined {
    return this.lease?.spec?.holderIdentity;
  }

  async #answer(options: LeaseCallOptions | undefined, act: () => V1Lease): Promise<V1Lease> {
    const signal = options?.signal;
    if (signal) this.signals.push(signal);
    if (this.frozen) return this.#hang(signal);
    return Promise.resolve(JSON.parse(JSON.stringify(act())) as V1Lease);
  }

  // write stores a created or replaced Lease, refusing a stale one.
  #write(sent: V1Lease, create: boolean): V1Lease {
    const body = JSON.parse(JSON.stringify(sent)) as V1Lease;
    const stale = create ? this.lease !== undefined : body.metadata?.resourceVersion !== this.#rv();
    if (stale) throw refusal(409, 'Conflict');
    this.#version += 1;
    this.lease = {
      ...body,
      metadata: { name: body.metadata?.name ?? NAME, resourceVersion: this.#rv() },
    };
    return this.lease;
  }

  #rv(): string {
    return String(this.#version);
  }

  async #hang(signal: AbortSignal | undefined): Promise<never> {
    return new Promise((_resolve, reject) => {
      if (this.ignoreSignals || !signal) return;
      signal.addEventListener('abort', () => {
        reject(signal.reason as Error);
      });
    });
  }
}

function refusal(code: number, reason: string): ApiException<string> {
  const body = JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    reason,
    code,
  });
  return new ApiException(code, reason, body, {});
}

const TIMING = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

function world(): {
  leases: FakeLeases;
  clock: ReturnType<typeof manualClock>['clock'];
  tick: (ms: number, step?: number) => Promise<void>;
  elector: (identity: string) => LeaderElector;
} {
  const leases = new FakeLeases();
  const { clock, advance } = manualClock();
  const api = leases.api();
  return {
    leases,
    clock,
    // tick moves time in small steps, letting the election's promises run between them.
    tick: async (ms, step = 100) => {
      for (let passed = 0; passed < ms; passed += step) await advance(Math.min(step, ms - passed));
    },
    elector: (identity) =>
      new LeaderElector({ api, namespace: NAMESPACE, name: NAME, identity, clock, ...TIMING }),
  };
}

// campaign runs an elector and notes when it started leading and how its run ended.
function campaign(elector: LeaderElector): {
  stop: AbortController;
  led: () => boolean;
  end: () => ElectionEnd | undefined;
  done: Promise<ElectionEnd>;
} {
  const stop = new AbortController();
  let led = false;
  let end: ElectionEnd | undefined;
  const done = elector.run(stop.signal, () => (led = true));
  void done.then((value) => (end = value));
  return { stop, led: () => led, end: () => end, done };
}

describe('LeaderElector', () => {
  it('takes a free Lease and renews it every retry period', async () => {
    const { leases, tick, elector } = world();
    const a = campaign(elector('a'));
    await tick(100);
    expect(a.led()).toBe(true);
    expect(leases.holder).toBe('a');
    const renewed = String(leases.lease?.spec?.renewTime);

    await tick(2_000);

    expect(String(leases.lease?.spec?.renewTime)).not.toBe(renewed);
    a.stop.abort();
    expect(await a.done).toBe('stopped');
  });

  it('lets a standby take the Lease only once the holder has not renewed it for a lease duration', async () => {
    const { leases, tick, elector } = world();
    const a = campaign(elector('a'));
    await tick(100);
    const b = campaign(elector('b'));
    await tick(20_000);
    expect(b.led()).toBe(false);

    a.stop.abort(); // a stops renewing and, stopped, releases nothing by itself
    await tick(14_000);
    expect(b.led()).toBe(false);
    expect(leases.holder).toBe('a');
    await tick(4_000);

    expect(b.led()).toBe(true);
    expect(leases.holder).toBe('b');
    b.stop.abort();
    await b.done;
  });

  it('gives up leadership by the renew deadline while the apiserver hangs, aborting each request', async () => {
    const { leases, clock, tick, elector } = world();
    const a = campaign(elector('a'));
    await tick(100);
    const lastRenewAt = clock.now().getTime();
    leases.frozen = true;
    const before = leases.signals.length;

    let lostAt: number | undefined;
    void a.done.then(() => (lostAt = clock.now().getTime()));
    await tick(12_000);

    expect(a.end()).toBe('lost');
    expect((lostAt ?? Infinity) - lastRenewAt).toBeLessThanOrEqual(TIMING.renewDeadlineMs);
    const hung = leases.signals.slice(before);
    expect(hung.length).toBeGreaterThan(0);
    expect(hung.every((signal) => signal.aborted)).toBe(true);
  });

  it('gives up by the renew deadline even when a request ignores its signal', async () => {
    const { leases, clock, tick, elector } = world();
    const a = campaign(elector('a'));
    await tick(100);
    const lastRenewAt = clock.now().getTime();
    leases.frozen = true;
    leases.ignoreSignals = true;

    let lostAt: number | undefined;
    void a.done.then(() => (lostAt = clock.now().getTime()));
    await tick(12_000);

    expect(a.end()).toBe('lost');
    expect((lostAt ?? Infinity) - lastRenewAt).toBeLessThanOrEqual(TIMING.renewDeadlineMs);
  });

  it('bounds every request by a timeout shorter than the renew deadline', async () => {
    const { leases, clock, tick, elector } = world();
    leases.frozen = true;
    const a = campaign(elector('a'));
    const abortedAfter: number[] = [];
    const startedAt = clock.now().getTime();
    await tick(100);
    const [first] = leases.signals;
    first?.addEventListener('abort', () => abortedAfter.push(clock.now().getTime() - startedAt));
    await tick(TIMING.renewDeadlineMs);

    expect(abortedAfter).toHaveLength(1);
    expect(abortedAfter[0]).toBeLessThan(TIMING.renewDeadlineMs);
    a.stop.abort();
    leases.frozen = false;
    await tick(TIMING.renewDeadlineMs);
    expect(a.end()).toBe('stopped');
    expect(a.led()).toBe(false);
  });

  it('does not release when stopped: its owner releases after its work has stopped', async () => {
    const { leases, tick, elector } = world();
    const a = elector('a');
    const running = campaign(a);
    await tick(100);

    running.stop.abort();
    expect(await running.done).toBe('stopped');
    expect(leases.holder).toBe('a');

    await a.release();
    expect(leases.holder).toBe('');
  });

  it('releases nothing that is not its own', async () => {
    const { leases, tick, elector } = world();
    const a = elector('a');
    const running = campaign(a);
    await tick(100);
    running.stop.abort();
    await running.done;
    const b = campaign(elector('b'));
    await tick(20_000);
    expect(leases.holder).toBe('b');

    await a.release();

    expect(leases.holder).toBe('b');
    b.stop.abort();
    await b.done;
  });
});
