import { describe, expect, it } from 'vitest';
import { MAX_RETRY_AFTER_MS, TokenBucket, retryAfterMs } from './rate-limit.ts';
import { manualClock } from './testing.ts';

describe('TokenBucket', () => {
  it('lets a full burst through at once, then one request per 1/qps', () => {
    const { clock } = manualClock();
    const bucket = new TokenBucket({ qps: 10, burst: 3, clock });

    const waits = [1, 2, 3, 4, 5].map(() => bucket.reserve());

    expect(waits).toEqual([0, 0, 0, 100, 200]);
  });

  it('refills at qps up to burst, never beyond', async () => {
    const { clock, advance } = manualClock();
    const bucket = new TokenBucket({ qps: 2, burst: 2, clock });
    bucket.reserve();
    bucket.reserve();

    await advance(10_000);

    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 500]);
  });

  it('serves waiters in arrival order and resolves each with the time it waited', async () => {
    const { clock, advance } = manualClock();
    const bucket = new TokenBucket({ qps: 4, burst: 1, clock });
    const done: number[] = [];
    const first = bucket.acquire().then((ms) => done.push(ms));
    const second = bucket.acquire().then((ms) => done.push(ms));
    const third = bucket.acquire().then((ms) => done.push(ms));

    await advance(250);
    expect(done).toEqual([0, 250]);
    await advance(250);
    await Promise.all([first, second, third]);

    expect(done).toEqual([0, 250, 500]);
  });

  it('gives the token back when a waiter is aborted', async () => {
    const { clock, advance } = manualClock();
    const bucket = new TokenBucket({ qps: 1, burst: 1, clock });
    bucket.reserve();
    const abort = new AbortController();
    const waiting = bucket.acquire(abort.signal);

    abort.abort(new Error('request timed out'));

    await expect(waiting).rejects.toThrow('request timed out');
    await advance(1_000);
    expect(bucket.reserve()).toBe(0);
  });

  it('refuses an already aborted request without taking a token', async () => {
    const { clock } = manualClock();
    const bucket = new TokenBucket({ qps: 1, burst: 1, clock });

    await expect(bucket.acquire(AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
    expect(bucket.reserve()).toBe(0);
  });

  it.each([
    { qps: 0, burst: 1 },
    { qps: 1, burst: 0 },
  ])('refuses qps $qps and burst $burst', ({ qps, burst }) => {
    const { clock } = manualClock();
    expect(() => new TokenBucket({ qps, burst, clock })).toThrow('qps > 0 and burst >= 1');
  });
});

describe('retryAfterMs', () => {
  it.each([
    { header: '3', random: 0, expected: 3_000 },
    { header: '3', random: 0.5, expected: 3_750 },
    { header: ' 2 ', random: 0, expected: 2_000 },
    { header: undefined, random: 0, expected: 1_000 },
    { header: 'Wed, 21 Oct 2015 07:28:00 GMT', random: 0, expected: 1_000 },
    { header: '0', random: 0, expected: 1_000 },
    { header: '-4', random: 0, expected: 1_000 },
    { header: '3600', random: 0, expected: MAX_RETRY_AFTER_MS },
  ])('waits $expected ms for Retry-After $header and random $random', (row) => {
    expect(retryAfterMs(row.header, row.random)).toBe(row.expected);
  });

  it('stretches by at most the jitter fraction', () => {
    expect(retryAfterMs('1', 0.999_999, 0.5)).toBe(1_500);
    expect(retryAfterMs('1', 0.999_999, 0)).toBe(1_000);
  });
});
