// The AWS CLI (v1, from PyPI) the benchmarks compare against, installed once into a
// virtualenv in the cache directory, the way test/env installs moto.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildLocked } from '../env/lock.ts';
import { cachePath } from '../env/paths.ts';
import { requireTools } from '../env/prerequisites.ts';

const run = promisify(execFile);

/** AWS_CLI_VERSION pins awscli from PyPI; bumping it installs the new one once. */
export const AWS_CLI_VERSION = '1.46.3';

/**
 * ensureAwsCli installs awscli if the cache lacks it and returns the command that runs
 * `aws`: the virtualenv's python on the `aws` script (the script's own #! line names the
 * scratch folder the virtualenv was built in before it was moved into place).
 */
export async function ensureAwsCli(
  progress: (line: string) => void,
): Promise<readonly [string, string]> {
  requireTools(['python3']);
  const dir = cachePath('awscli', AWS_CLI_VERSION);
  await buildLocked(dir, progress, `awscli ${AWS_CLI_VERSION} in a virtualenv`, async (out) => {
    await run('python3', ['-m', 'venv', out]);
    await run(
      join(out, 'bin', 'python'),
      ['-m', 'pip', 'install', '--quiet', `awscli==${AWS_CLI_VERSION}`],
      {
        maxBuffer: 64 * 1024 * 1024,
      },
    );
  });
  return [join(dir, 'bin', 'python'), join(dir, 'bin', 'aws')];
}
