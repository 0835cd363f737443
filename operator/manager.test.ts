import { describe, expect, it } from 'vitest';
import type { ControllerContext } from './controller/context.ts';
import { createLogger } from './log.ts';
import { publishQueueDepth, work, type Controller, type Reconcile } from './manager.ts';
import { Metrics } from './metrics.ts';
import { manualClock } from './runtime/testing.ts';
import { WorkQueue } from './runtime/workqueue.ts';

// harness runs one worker over a queue on a manual clock, counting reconciles per key.
function harness(reconcile: Reconcile): {
  queue: WorkQueue;
  advance: (ms: number) => Promise<void>;
  worker: Promise<void>;
} {
  const { clock, advance } = manualClock();
  const queue = new WorkQueue({ baseMs: 100, maxMs: 1_000, ratePerSecond: 100, burst: 100 }, clock);
  // The worker reads only the log, the metrics and the clock; the reconcile gets the rest.
  const context = {
    log: createLogger('silent'),
    metrics: new Metrics(),
    clock,
  } as unknown as ControllerContext;
  const controller: Controller = { kind: 'AwsCheck', queue, reconcile };
  return { queue, advance, worker: work(controller, context) };
}

describe('work', () => {
  it('looks at a key again when a successful reconcile asks for it, and not before', async () => {
    const seen: string[] = [];
    const { queue, advance, worker } = harness(async (_context, key) => {
      seen.push(key);
      return await Promise.resolve(seen.length === 1 ? { requeueAfterMs: 5_000 } : undefined);
    });

    queue.add('ns/a');
    await advance(0);
    expect(seen).toEqual(['ns/a']);
    await advance(4_999);
    expect(seen).toEqual(['ns/a']);
    await advance(1);
    expect(seen).toEqual(['ns/a', 'ns/a']);
    await advance(60_000);
    expect(seen).toHaveLength(2);

    queue.shutDown();
    await worker;
  });

  it('takes a change at once although a requeue is pending', async () => {
    const seen: string[] = [];
    const { queue, advance, worker } = harness(async (_context, key) => {
      seen.push(key);
      return await Promise.resolve({ requeueAfterMs: 3_600_000 });
    });

    queue.add('ns/a');
    await advance(0);
    queue.add('ns/a');
    await advance(0);

    expect(seen).toEqual(['ns/a', 'ns/a']);
    queue.shutDown();
    await worker;
  });

  it('retries a failed reconcile with backoff and ignores no result', async () => {
    let calls = 0;
    const { queue, advance, worker } = harness(async () => {
      calls += 1;
      if (calls === 1) throw new Error('apiserver said no');
      await Promise.resolve();
    });

    queue.add('ns/a');
    await advance(0);
    expect(calls).toBe(1);
    expect(queue.failures('ns/a')).toBe(1);
    await advance(100);
    expect(calls).toBe(2);
    expect(queue.failures('ns/a')).toBe(0);
    await advance(60_000);
    expect(calls).toBe(2);

    queue.shutDown();
    await worker;
  });

  it('looks again with a growing backoff while a reconcile asks for it (a quota), then forgets', async () => {
    let calls = 0;
    const { queue, advance, worker } = harness(async () => {
      calls += 1;
      return await Promise.resolve(calls <= 2 ? { backoff: true } : {});
    });

    queue.add('ns/a');
    await advance(0);
    expect(calls).toBe(1);
    await advance(100);
    expect(calls).toBe(2);
    expect(queue.failures('ns/a')).toBe(2);
    await advance(199);
    expect(calls).toBe(2);
    await advance(1);
    expect(calls).toBe(3);
    expect(queue.failures('ns/a')).toBe(0);
    await advance(60_000);
    expect(calls).toBe(3);

    queue.shutDown();
    await worker;
  });
});

describe('publishQueueDepth', () => {
  it('reports the keys waiting while leading, and 0 while standing by with a filled queue', async () => {
    const metrics = new Metrics();
    const queue = new WorkQueue(
      { baseMs: 100, maxMs: 1_000, ratePerSecond: 100, burst: 100 },
      manualClock().clock,
    );
    queue.add('team/a');
    queue.add('team/b');
    const depth = async (): Promise<string | undefined> =>
      (await metrics.registry.metrics())
        .split('\n')
        .find((line) => line.startsWith('awscheck_workqueue_depth{kind="AwsCheck"}'));

    publishQueueDepth(metrics, [{ kind: 'AwsCheck', queue }], false);
    expect(await depth()).toBe('awscheck_workqueue_depth{kind="AwsCheck"} 0');

    publishQueueDepth(metrics, [{ kind: 'AwsCheck', queue }], true);
    expect(await depth()).toBe('awscheck_workqueue_depth{kind="AwsCheck"} 2');
  });
});
