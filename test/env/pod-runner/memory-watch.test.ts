import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { measureTree, watchMemory, type MemoryUsage, type MemoryWatch } from './memory-watch.ts';

const MiB = 1024 * 1024;

// allocating is a script that touches `mib` MiB (so it is resident), says "ready" and
// stays alive; with `release` it frees the memory again before saying so.
function allocating(mib: number, release = false): string {
  return [
    `let held = Buffer.alloc(${mib} * 1024 * 1024, 1);`,
    release ? 'held = null; globalThis.gc();' : '',
    'console.log("ready", held === null ? 0 : held.length);',
    'setTimeout(() => {}, 30000);',
  ].join('\n');
}

const started: ChildProcess[] = [];
const watches: MemoryWatch[] = [];

afterEach(() => {
  for (const watch of watches.splice(0)) watch.stop();
  // Each child leads its own process group, so grandchildren go with it.
  for (const child of started.splice(0)) {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
  }
});

async function startReady(command: string, args: readonly string[]): Promise<number> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  started.push(child);
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  expect(chunk.toString()).toMatch(/^ready/);
  if (child.pid === undefined) throw new Error(`${command} did not start`);
  return child.pid;
}

function watch(pid: number, limitBytes: number, intervalMs?: number): Promise<MemoryUsage> {
  return new Promise((resolve) => {
    watches.push(
      watchMemory({ pid, limitBytes, onOver: resolve, ...(intervalMs && { intervalMs }) }),
    );
  });
}

describe('watchMemory', () => {
  it('reports a process whose resident memory is over the limit', async () => {
    const pid = await startReady(process.execPath, ['-e', allocating(200)]);

    const usage = await watch(pid, 128 * MiB);

    expect(usage.rssBytes).toBeGreaterThan(200 * MiB);
    expect(usage.processes).toBe(1);
  });

  it('counts the memory of every process of the tree, children and grandchildren', async () => {
    // sh → sh → node: the shells are small, node holds 100 MiB; the limit is 80 MiB.
    const script = `"$0" -e '${allocating(100)}' & wait`;
    const pid = await startReady('/bin/sh', [
      '-c',
      `/bin/sh -c '${script.replaceAll("'", "'\\''")}' "$0"`,
      process.execPath,
    ]);

    const usage = await watch(pid, 80 * MiB);

    expect(usage.processes).toBe(3);
    expect(usage.rssBytes).toBeGreaterThan(100 * MiB);
  });

  it('catches a peak that came and went between two samples (VmHWM)', async () => {
    const pid = await startReady(process.execPath, ['--expose-gc', '-e', allocating(200, true)]);
    expect(measureTree(pid)?.rssBytes).toBeLessThan(128 * MiB);

    const usage = await watch(pid, 128 * MiB, 60_000);

    expect(usage.peakProcessBytes).toBeGreaterThan(200 * MiB);
  });

  it('leaves a process within its limit alone and records its peak', async () => {
    const pid = await startReady(process.execPath, ['-e', allocating(20)]);
    let over: MemoryUsage | undefined;
    const running = watchMemory({
      pid,
      limitBytes: 256 * MiB,
      onOver: (usage) => (over = usage),
    });
    watches.push(running);

    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(over).toBeUndefined();
    expect(running.peakBytes).toBeGreaterThan(20 * MiB);
    expect(running.peakBytes).toBeLessThan(256 * MiB);
  });

  it('measures nothing once the process is gone', async () => {
    const child = spawn('/bin/true');
    await once(child, 'exit');

    expect(measureTree(child.pid ?? 0)).toBeUndefined();
  });
});
