import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive } from './processes.ts';
import type { Progress } from './binaries.ts';

/**
 * buildLocked makes `target` exist exactly once across concurrent runs: the first run
 * takes `<target>.lock`, builds into a scratch folder and renames it into place, so a
 * half-built target is never seen; others wait. A lock whose owner died is taken over.
 */
export async function buildLocked(
  target: string,
  progress: Progress,
  what: string,
  build: (scratch: string) => Promise<void>,
): Promise<void> {
  while (!existsSync(target)) {
    if (await tryLock(target)) {
      try {
        await buildInto(target, progress, what, build);
      } finally {
        await rm(`${target}.lock`, { recursive: true, force: true });
      }
      return;
    }
    await sleep(500);
  }
}

async function buildInto(
  target: string,
  progress: Progress,
  what: string,
  build: (scratch: string) => Promise<void>,
): Promise<void> {
  if (existsSync(target)) return;
  const scratch = `${target}.building`;
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  const started = Date.now();
  progress(`building ${what} into ${target} (first run only; this takes minutes)`);
  await build(scratch);
  await rename(scratch, target);
  progress(`built ${what} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

// tryLock takes the lock atomically: a folder holding our pid is renamed onto the lock
// name, which fails while another run holds it.
async function tryLock(target: string): Promise<boolean> {
  const lock = `${target}.lock`;
  const mine = `${lock}.${process.pid}`;
  await mkdir(mine, { recursive: true });
  await writeFile(`${mine}/pid`, String(process.pid));
  try {
    await rename(mine, lock);
    return true;
  } catch {
    await rm(mine, { recursive: true, force: true });
    if (!(await ownerAlive(lock))) await rm(lock, { recursive: true, force: true });
    return false;
  }
}

async function ownerAlive(lock: string): Promise<boolean> {
  try {
    return isAlive(Number(await readFile(`${lock}/pid`, 'utf8')));
  } catch {
    return false;
  }
}
