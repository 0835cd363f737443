// Measuring a command: wall time from spawn to exit, and peak RSS through GNU time.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Measurement is one run of a command. */
export interface Measurement {
  readonly wallMs: number;
  readonly peakRssKiB: number;
}

const GNU_TIME = '/usr/bin/time';

/**
 * measure runs argv with env (stdout discarded), fails unless it exits 0, and returns its
 * wall time and peak resident set size.
 */
export async function measure(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<Measurement> {
  if (!existsSync(GNU_TIME)) {
    throw new Error(`${GNU_TIME} is missing; install GNU time (Debian: apt-get install time)`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'bench-'));
  const rssFile = join(dir, 'rss');
  const started = performance.now();
  const child = spawn(GNU_TIME, ['-f', '%M', '-o', rssFile, ...argv], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  const wallMs = performance.now() - started;
  const rss = await readFile(rssFile, 'utf8');
  await rm(dir, { recursive: true, force: true });
  if (code !== 0)
    throw new Error(`${argv.join(' ')} exited ${String(code)}:\n${stderr.slice(-2000)}`);
  return { wallMs, peakRssKiB: Number(rss.trim().split('\n').at(-1)) };
}

/** median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const value =
    sorted.length % 2 === 1
      ? sorted[middle]
      : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  if (value === undefined) throw new Error('median of nothing');
  return value;
}

/** alternate runs two commands in turns, so machine noise falls on both alike. */
export async function alternate(
  runs: number,
  first: () => Promise<Measurement>,
  second: () => Promise<Measurement>,
): Promise<[Measurement[], Measurement[]]> {
  const a: Measurement[] = [];
  const b: Measurement[] = [];
  for (let i = 0; i < runs; i += 1) {
    a.push(await first());
    b.push(await second());
  }
  return [a, b];
}

/** rounds runs every command once per round, in turns, so machine noise falls on all alike. */
export async function rounds(
  runs: number,
  commands: readonly (() => Promise<Measurement>)[],
): Promise<Measurement[][]> {
  const results: Measurement[][] = commands.map(() => []);
  for (let i = 0; i < runs; i += 1) {
    for (const [j, command] of commands.entries()) results[j]?.push(await command());
  }
  return results;
}
