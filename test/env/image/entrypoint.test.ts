import { execFile } from 'node:child_process';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ENTRYPOINT_SCRIPT } from './entrypoint.ts';

const run = promisify(execFile);

// The script runs under /bin/sh (dash, as in the image) with a PATH holding a `node` that
// prints its arguments, a command `tool` that prints its own, and a non-executable app.js.
async function entrypoint(args: readonly string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'entrypoint-'));
  const bin = join(dir, 'bin');
  await run('mkdir', [bin]);
  for (const name of ['node', 'tool']) {
    await writeFile(join(bin, name), `#!/bin/sh\necho ${name} "$@"\n`);
    await chmod(join(bin, name), 0o755);
  }
  await writeFile(join(dir, 'script.sh'), ENTRYPOINT_SCRIPT);
  await writeFile(join(dir, 'app.js'), 'console.log(1);\n');
  const { stdout } = await run('/bin/sh', [join(dir, 'script.sh'), ...args], {
    cwd: dir,
    env: { PATH: `${bin}:/usr/bin:/bin` },
  });
  return stdout.trim();
}

describe('the node image entrypoint stand-in', () => {
  it.each([
    ['an option', ['--version'], 'node --version'],
    ['a script file that is not executable', ['app.js', 'x'], 'node app.js x'],
    ['a word that is no command', ['missing-command', 'y'], 'node missing-command y'],
    ['no arguments', [], 'node'],
    ['a command on PATH', ['tool', '-a'], 'tool -a'],
    ['node itself', ['node', 'dist/main.js'], 'node dist/main.js'],
  ])('given %s runs %s', async (_case, args, expected) => {
    expect(await entrypoint(args)).toBe(expected);
  });
});
