// The published layout of the plugin: package.json, bin.js without its sources, and the
// build of tsconfig.build.json under dist/. The package's dependencies come from this
// checkout's node_modules (a symlink), so nothing is packed or fetched.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Node starts take seconds on a busy machine: each test has a minute.
const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
const TSC = join(ROOT, 'node_modules/.bin/tsc');
let packageDir: string;

beforeAll(async () => {
  packageDir = await mkdtemp(join(tmpdir(), 'kubectl-awscheck-package-'));
  await run(TSC, [
    '-p',
    join(ROOT, 'operator/kubectl-plugin/tsconfig.build.json'),
    '--outDir',
    join(packageDir, 'dist'),
  ]);
  await writeFile(join(packageDir, 'package.json'), JSON.stringify({ type: 'module' }));
  await symlink(join(ROOT, 'node_modules'), join(packageDir, 'node_modules'));
  await mkdir(join(packageDir, 'operator/kubectl-plugin'), { recursive: true });
  await copyFile(
    join(ROOT, 'operator/kubectl-plugin/bin.js'),
    join(packageDir, 'operator/kubectl-plugin/bin.js'),
  );
}, 180_000);

afterAll(async () => {
  await rm(packageDir, { recursive: true, force: true });
});

describe('the published kubectl-awscheck', () => {
  it('the compiled main prints the help', async () => {
    const main = join(packageDir, 'dist/operator/kubectl-plugin/main.js');

    const { stdout } = await run(process.execPath, [main, '--help']);

    expect(stdout).toContain('kubectl awscheck run NAME [--wait]');
  }, 60_000);

  it('bin.js without its sources runs the compiled main', async () => {
    const bin = join(packageDir, 'operator/kubectl-plugin/bin.js');

    const { stdout } = await run(process.execPath, [bin, '--help']);
    const refused = run(process.execPath, [bin, 'run']);

    expect(stdout).toContain('kubectl awscheck run NAME [--wait]');
    await expect(refused).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('run takes one AwsCheck name') as unknown,
    });
  }, 60_000);
});
