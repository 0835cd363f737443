import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ResyncReport } from './provisioning/provisioner.ts';
import { startResync } from './resync.ts';

const report = (failed: ResyncReport['failed'] = []): ResyncReport => ({
  namespaces: 2,
  converged: [],
  writes: 0,
  failed,
});

function capturedLog(): { log: pino.Logger; lines: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  return { log, lines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('startResync', () => {
  it('converges at once, then every interval, and logs each namespace that failed', async () => {
    vi.useFakeTimers();
    const { log, lines } = capturedLog();
    const resync = vi
      .fn<() => Promise<ResyncReport>>()
      .mockResolvedValueOnce(report([{ namespace: 'tenant-a', reason: 'apiserver said 500' }]))
      .mockRejectedValueOnce(new Error('cannot list namespaces'))
      .mockResolvedValue(report());
    const stop = startResync(resync, 1_000, log);
    await vi.advanceTimersByTimeAsync(0);
    expect(resync).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(resync).toHaveBeenCalledTimes(3);
    stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(resync).toHaveBeenCalledTimes(3);
    const errors = lines().filter((line) => line.level === 50);
    expect(errors.map((line) => line.namespace ?? line.msg)).toEqual([
      'tenant-a',
      'tenant resync could not list tenants; retried at the next pass',
    ]);
  });
});
