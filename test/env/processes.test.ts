import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive, startProcess, stopProcessGroup, waitUntil } from './processes.ts';

const logDir = mkdtempSync(join(tmpdir(), 'processes-test-'));

describe('waitUntil', () => {
  it('fails at once, quoting the log, when the awaited process exits', async () => {
    const process = startProcess({
      name: 'crasher',
      command: 'sh',
      args: ['-c', 'echo "bind: address already in use"; exit 3'],
      logFile: join(logDir, 'crasher.log'),
      tiedToParent: true,
    });
    const started = Date.now();

    const waiting = waitUntil(() => false, { what: 'crasher', timeoutMs: 30_000, process });

    await expect(waiting).rejects.toThrow(
      /crasher exited with code 3[\s\S]*address already in use/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('fails at the deadline with the last probe error', async () => {
    const probe = (): boolean => {
      throw new Error('connection refused');
    };

    await expect(waitUntil(probe, { what: 'server', timeoutMs: 300 })).rejects.toThrow(
      'server not ready after 300 ms connection refused',
    );
  });
});

describe('stopProcessGroup', () => {
  it('stops the whole group, a child that ignores SIGTERM included', async () => {
    const server = startProcess({
      name: 'stubborn',
      command: 'sh',
      args: ['-c', 'sh -c "trap \\"\\" TERM; echo $$; sleep 60" & wait'],
      logFile: join(logDir, 'stubborn.log'),
      tiedToParent: false,
    });
    await waitUntil(() => readFileSync(server.logFile, 'utf8').trim() !== '', {
      what: 'child pid',
      timeoutMs: 5_000,
    });
    const child = Number(readFileSync(server.logFile, 'utf8').trim());

    await stopProcessGroup(server.pid, 300);

    expect(isAlive(server.pid)).toBe(false);
    await waitUntil(() => !isAlive(child), { what: 'child to die', timeoutMs: 2_000 });
  });
});
