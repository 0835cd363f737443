// Test doubles for time, so tests of queues, backoff and elections never sleep for real.
import type { Clock } from './clock.ts';

interface Timer {
  readonly at: number;
  readonly resolve: () => void;
}

/** manualClock is a clock that moves only when `advance` is called. */
export function manualClock(start = Date.parse('2026-01-01T00:00:00Z')): {
  clock: Clock;
  advance: (ms: number) => Promise<void>;
} {
  let now = start;
  let timers: Timer[] = [];
  const clock: Clock = {
    now: () => new Date(now),
    sleep: (ms, signal) =>
      new Promise((resolve, reject) => {
        const timer = { at: now + ms, resolve };
        timers.push(timer);
        signal?.addEventListener('abort', () => {
          timers = timers.filter((t) => t !== timer);
          reject(signal.reason as Error);
        });
      }),
  };
  const advance = async (ms: number): Promise<void> => {
    now += ms;
    const due = timers.filter((t) => t.at <= now);
    timers = timers.filter((t) => t.at > now);
    for (const timer of due) timer.resolve();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { clock, advance };
}
