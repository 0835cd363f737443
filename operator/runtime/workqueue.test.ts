import { describe, expect, it } from 'vitest';
import { WorkQueue } from './workqueue.ts';
import { manualClock } from './testing.ts';

describe('WorkQueue', () => {
  it('queues a key once however often it is added', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    queue.add('ns/a');
    queue.add('ns/b');

    expect(queue.depth).toBe(2);
    expect(await queue.get()).toBe('ns/a');
    expect(await queue.get()).toBe('ns/b');
  });

  it('never hands a key to two workers; an add while processing replays after done', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    const first = await queue.get();
    queue.add('ns/a');

    expect(queue.depth).toBe(0);
    queue.done('ns/a');
    expect(first).toBe('ns/a');
    expect(queue.depth).toBe(1);
    expect(await queue.get()).toBe('ns/a');
  });

  it('hands a key added later to a worker already waiting', async () => {
    const queue = new WorkQueue();
    const waiting = queue.get();

    queue.add('ns/a');

    expect(await waiting).toBe('ns/a');
  });

  it('backs off exponentially per key up to the cap, and forget resets it', () => {
    const queue = new WorkQueue(
      { baseMs: 10, maxMs: 50, ratePerSecond: 10, burst: 100 },
      manualClock().clock,
    );

    const delays = [1, 2, 3, 4, 5].map(() => queue.addRateLimited('ns/a'));
    queue.forget('ns/a');

    expect(delays).toEqual([10, 20, 40, 50, 50]);
    expect(queue.addRateLimited('ns/a')).toBe(10);
  });

  it('limits retries over all keys to the bucket rate once the burst is spent', async () => {
    const { clock, advance } = manualClock();
    const queue = new WorkQueue({ baseMs: 1, maxMs: 1, ratePerSecond: 2, burst: 2 }, clock);

    const delays = ['a', 'b', 'c', 'd'].map((key) => queue.addRateLimited(`ns/${key}`));
    await advance(1_000);
    const afterRefill = queue.addRateLimited('ns/e');

    expect(delays).toEqual([1, 1, 500, 1000]);
    expect(afterRefill).toBe(500);
  });

  it('adds a delayed key when its time comes, and keeps the earliest of two delays', async () => {
    const { clock, advance } = manualClock();
    const queue = new WorkQueue(undefined, clock);
    queue.addAfter('ns/a', 5_000);
    queue.addAfter('ns/a', 1_000);
    queue.addAfter('ns/a', 9_000);

    await advance(999);
    expect(queue.depth).toBe(0);
    await advance(1);
    expect(queue.depth).toBe(1);
    expect(await queue.get()).toBe('ns/a');
    queue.done('ns/a');
    await advance(10_000);
    expect(queue.depth).toBe(0);
  });

  it('takes a key added now at once, although a delay for it is pending', async () => {
    const { clock, advance } = manualClock();
    const queue = new WorkQueue(undefined, clock);
    queue.addAfter('ns/a', 60_000);

    queue.add('ns/a');

    expect(queue.depth).toBe(1);
    expect(await queue.get()).toBe('ns/a');
    queue.done('ns/a');
    await advance(60_000);
    expect(queue.depth).toBe(1);
  });

  it('lets a failed key retry sooner than a pending requeue', async () => {
    const { clock, advance } = manualClock();
    const queue = new WorkQueue({ baseMs: 100, maxMs: 1_000, ratePerSecond: 10, burst: 10 }, clock);
    queue.addAfter('ns/a', 3_600_000);

    expect(queue.addRateLimited('ns/a')).toBe(100);
    await advance(100);

    expect(queue.depth).toBe(1);
  });

  it('releases waiting workers with undefined on shutdown and ignores later adds', async () => {
    const queue = new WorkQueue();
    const waiting = queue.get();

    queue.shutDown();
    queue.add('ns/a');

    expect(await waiting).toBeUndefined();
    expect(await queue.get()).toBeUndefined();
  });

  it('hands out no more keys after shutdown, though keys were still queued', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    queue.add('ns/b');
    expect(await queue.get()).toBe('ns/a');

    queue.shutDown();
    queue.add('ns/c');
    queue.done('ns/a');

    expect(await queue.get()).toBeUndefined();
    expect(queue.depth).toBe(0);
  });

  it('does not replay a key added while it was processed once the queue shut down', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    expect(await queue.get()).toBe('ns/a');
    queue.add('ns/a');

    queue.shutDown();
    queue.done('ns/a');

    expect(queue.depth).toBe(0);
    expect(await queue.get()).toBeUndefined();
  });

  it('drops delayed keys on shutdown', async () => {
    const { clock, advance } = manualClock();
    const queue = new WorkQueue(undefined, clock);
    queue.addAfter('ns/a', 1_000);
    queue.addRateLimited('ns/b');

    queue.shutDown();
    await advance(10_000);
    queue.addAfter('ns/c', 1);
    await advance(10);

    expect(queue.depth).toBe(0);
    expect(await queue.get()).toBeUndefined();
  });
});
