import { describe, expect, it } from 'vitest';
import type { ControllerContext } from './controller/context.ts';
import { createLogger } from './log.ts';
import { publishQueueDepth, work, type Controller, type Reconcile } from './manager.ts';
import { Metrics } from './metrics.ts';
import { manualClock } from './runtime/testing.ts';
import { WorkQueue } from './runtime/workqueue.ts';
import { ShardQueue, type Shard } from './shard.ts';

const everything: Pick<Shard, 'owns'> = { owns: () => true };

// harness runs one worker over a queue on a manual clock, counting reconciles per key. The
// queue serves `shard` and records the keys it lets go.
function harness(
  reconcile: Reconcile,
  shard: Pick<Shard, 'owns'> = everything,
): {
  queue: ShardQueue;
  advance: (ms: number) => Promise<void>;
  worker: Promise<void>;
  left: string[];
} {
  const { clock, advance } = manualClock();
  const left: string[] = [];
  const backoff = { baseMs: 100, maxMs: 1_000, ratePerSecond: 100, burst: 100 };
  const queue = new ShardQueue(shard, (key) => left.push(key), { backoff, clock });
  // The worker reads only the log, the metrics and the clock; the reconcile gets the rest.
  const context = {
    log: createLogger('silent'),
    metrics: new Metrics(),
    clock,
  } as unknown as ControllerContext;
  const controller: Controller = { kind: 'AwsCheck', queue, reconcile };
  return { queue, advance, worker: work(controller, context), left };
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

describe('work, in a shard', () => {
  it('drops a key whose namespace left the shard while it waited, unreconciled', async () => {
    const owned = new Set(['a', 'b']);
    const seen: string[] = [];
    const { queue, advance, worker, left } = harness(
      async (_context, key) => {
        seen.push(key);
        await Promise.resolve();
      },
      { owns: (namespace) => owned.has(namespace) },
    );

    queue.add('a/one');
    queue.add('b/two');
    owned.delete('b');
    await advance(0);

    expect(seen).toEqual(['a/one']);
    expect(left).toEqual(['b/two']);
    queue.add('b/two');
    await advance(0);
    expect(seen).toEqual(['a/one']);
    expect(queue.depth).toBe(0);
    queue.shutDown();
    await worker;
  });

  it('lets a key go after a reconcile during which its namespace left, and never requeues it', async () => {
    const owned = new Set(['a']);
    const seen: string[] = [];
    const { queue, advance, worker, left } = harness(
      async (_context, key) => {
        seen.push(key);
        owned.delete('a');
        return await Promise.resolve({ requeueAfterMs: 1_000 });
      },
      { owns: (namespace) => owned.has(namespace) },
    );

    queue.add('a/one');
    await advance(0);
    expect(seen).toEqual(['a/one']);
    expect(left).toEqual(['a/one']);
    await advance(5_000);

    expect(seen).toEqual(['a/one']);
    expect(queue.depth).toBe(0);
    queue.shutDown();
    await worker;
  });

  it('forgets the failures of a key whose namespace left during a failed reconcile', async () => {
    const owned = new Set(['a']);
    let calls = 0;
    const { queue, advance, worker, left } = harness(
      async () => {
        calls += 1;
        owned.delete('a');
        await Promise.resolve();
        throw new Error('apiserver said no');
      },
      { owns: (namespace) => owned.has(namespace) },
    );

    queue.add('a/one');
    await advance(0);
    expect(queue.failures('a/one')).toBe(0);
    expect(left).toEqual(['a/one']);
    await advance(60_000);

    expect(calls).toBe(1);
    queue.shutDown();
    await worker;
  });

  it('takes the keys of a namespace that joined the shard', async () => {
    const owned = new Set<string>();
    const seen: string[] = [];
    const { queue, advance, worker } = harness(
      async (_context, key) => {
        seen.push(key);
        await Promise.resolve();
      },
      { owns: (namespace) => owned.has(namespace) },
    );

    queue.add('a');
    await advance(0);
    owned.add('a');
    queue.add('a');
    await advance(0);

    expect(seen).toEqual(['a']);
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
