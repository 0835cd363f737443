// Running the checker as its own process, the way a Pod runs it: Node 24 on
// operator/checker/cli.ts with a clean environment, a termination-log file and stdout.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTerminationMessage, type CheckerResult } from '../../operator/checker/result.ts';
import { repoPath } from '../env/paths.ts';

/** CheckerRun is what one checker process left behind. */
export interface CheckerRun {
  readonly code: number | null;
  /** Every JSON line of stdout, parsed. */
  readonly lines: Record<string, unknown>[];
  readonly stderr: string;
  /** The termination message, validated by the result schema. */
  readonly result: CheckerResult;
}

/** awsEnvironment is the environment of a checker pointed at an AWS endpoint with keys. */
export function awsEnvironment(
  endpoint: string,
  keys: { accessKeyId: string; secretAccessKey: string } = {
    accessKeyId: 'testing',
    secretAccessKey: 'testing',
  },
): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: keys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
  };
}

/**
 * runCheckerCli runs `checker <args>` with exactly `env` (plus PATH and HOME, and with
 * the AWS config files pointed at nothing, so the machine's own AWS setup cannot leak in).
 */
export async function runCheckerCli(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<CheckerRun> {
  const dir = await mkdtemp(join(tmpdir(), 'checker-run-'));
  const terminationLog = join(dir, 'termination-log');
  const child = spawn(
    process.execPath,
    [repoPath('operator/checker/cli.ts'), ...args, '--termination-log', terminationLog],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        AWS_CONFIG_FILE: join(dir, 'none'),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
        AWS_EC2_METADATA_DISABLED: 'true',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const { code, lines, stderr } = await finished(child);
  const message = await readFile(terminationLog, 'utf8').catch((error: unknown) => {
    throw new Error(
      `checker ${args.join(' ')} wrote no termination message (exit ${String(code)}):\n${stderr}`,
      {
        cause: error,
      },
    );
  });
  return { code, lines, stderr, result: parseTerminationMessage(message) };
}

/** ShellRun is what a checker started from a shell left behind: no termination message. */
export type ShellRun = Omit<CheckerRun, 'result'>;

/**
 * runCheckerAsShellUser runs `command args` from the checkout as a user at a shell would
 * (`npx checker …`, or the bin script itself): no --termination-log, the given PATH
 * first, so what it proves holds without a build and without /dev/termination-log.
 */
export async function runCheckerAsShellUser(
  command: readonly [string, ...string[]],
  env: Readonly<Record<string, string>>,
): Promise<ShellRun> {
  const dir = await mkdtemp(join(tmpdir(), 'checker-shell-'));
  const [program, ...args] = command;
  const child = spawn(program, args, {
    cwd: repoPath(),
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? dir,
      AWS_CONFIG_FILE: join(dir, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
      AWS_EC2_METADATA_DISABLED: 'true',
      npm_config_update_notifier: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return finished(child);
}

// finished waits for a checker process to end and gathers its exit code, its JSON lines
// on stdout and its stderr.
async function finished(child: ChildProcessByStdio<null, Readable, Readable>): Promise<ShellRun> {
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  const lines = stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code, lines, stderr };
}
