import { setTimeout as sleep } from 'node:timers/promises';

/** Clock is time as the operator sees it; tests inject their own to control it. */
export interface Clock {
  now(): Date;
  /** sleep resolves after `ms`, or rejects with an AbortError when `signal` fires first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** systemClock is the real wall clock. */
export const systemClock: Clock = {
  now: () => new Date(),
  sleep: async (ms, signal) => {
    await sleep(ms, undefined, signal ? { signal } : {});
  },
};
