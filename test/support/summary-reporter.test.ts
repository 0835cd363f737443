// The summary reporter judged on real vitest runs: each fixture file in
// summary-reporter-fixtures/ is one kind of run, run by its own vitest process with the
// fixtures' config (which uses this reporter only).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoPath } from '../env/paths.ts';

const FIXTURES = join(import.meta.dirname, 'summary-reporter-fixtures');

interface VitestRun {
  readonly exitCode: number | null;
  readonly lastLine: string;
  readonly output: string;
}

async function runVitest(args: readonly string[]): Promise<VitestRun> {
  // The outer run's own settings (pool ids, worker state) are not the inner run's.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')),
  );
  const child = spawn(
    process.execPath,
    [repoPath('node_modules/vitest/vitest.mjs'), 'run', ...args],
    { cwd: FIXTURES, env: { ...env, NO_COLOR: '1', CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [exitCode] = (await once(child, 'exit')) as [number | null];
  const lines = output.trimEnd().split('\n');
  return { exitCode, lastLine: lines.at(-1) ?? '', output };
}

describe.concurrent('summary reporter on real vitest runs', { timeout: 60_000 }, () => {
  it('passes a run where every test passed', async () => {
    const run = await runVitest(['passing.fixture']);

    expect(run.lastLine).toBe(
      'vitest: 2 passed, 0 failed, 0 skipped, 0 todo, 0 files failed, 0 unhandled errors',
    );
    expect(run.exitCode, run.output).toBe(0);
  });

  it('fails a run whose file failed in beforeAll, though no test failed', async () => {
    const run = await runVitest(['before-all.fixture']);

    expect(run.lastLine).toBe(
      'vitest: 0 passed, 0 failed, 2 skipped, 0 todo (counted as failures), 1 file failed, 0 unhandled errors',
    );
    expect(run.exitCode).toBe(1);
  });

  it('fails a run whose file failed while being collected', async () => {
    const run = await runVitest(['collection.fixture']);

    expect(run.lastLine).toBe(
      'vitest: 0 passed, 0 failed, 0 skipped, 0 todo, 1 file failed, 0 unhandled errors',
    );
    expect(run.exitCode).toBe(1);
  });

  it('fails a run with an unhandled rejection, though every test passed', async () => {
    const run = await runVitest(['unhandled.fixture']);

    expect(run.lastLine).toBe(
      'vitest: 1 passed, 0 failed, 0 skipped, 0 todo, 0 files failed, 1 unhandled error',
    );
    expect(run.exitCode).toBe(1);
  });

  it('fails a run with a skipped test, which vitest alone would pass', async () => {
    const run = await runVitest(['skipped.fixture']);

    expect(run.lastLine).toBe(
      'vitest: 1 passed, 0 failed, 1 skipped, 0 todo (counted as failures), 0 files failed, 0 unhandled errors',
    );
    expect(run.exitCode).toBe(1);
  });

  it('fails a run with a todo test, which vitest alone would pass', async () => {
    const run = await runVitest(['todo.fixture']);

    expect(run.lastLine).toBe(
      'vitest: 1 passed, 0 failed, 0 skipped, 1 todo (counted as failures), 0 files failed, 0 unhandled errors',
    );
    expect(run.exitCode).toBe(1);
  });

  it('fails a run with a failed test', async () => {
    const run = await runVitest(['failing.fixture']);

    expect(run.lastLine).toBe(
      'vitest: 1 passed, 1 failed, 0 skipped, 0 todo, 0 files failed, 0 unhandled errors',
    );
    expect(run.exitCode).toBe(1);
  });

  it('shows, and does not count, the tests a name filter (-t) left out', async () => {
    const run = await runVitest(['failing.fixture', '-t', '^passes$']);

    expect(run.lastLine).toBe(
      'vitest: 1 passed, 0 failed, 1 skipped, 0 todo (left out by the name filter), 0 files failed, 0 unhandled errors',
    );
    expect(run.exitCode, run.output).toBe(0);
  });
});
