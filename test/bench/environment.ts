// The pieces a benchmark runs against, started through the test/env library: a moto of
// its own (fresh state), the checker's command line and the AWS CLI's environment.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CHECKER_NODE_FLAGS } from '../../operator/checker/node-flags.ts';
import { ensureBinaries } from '../env/binaries.ts';
import { startMoto } from '../env/moto.ts';
import { repoPath } from '../env/paths.ts';
import { stopProcessGroup, type ServerContext } from '../env/processes.ts';

/** BenchMoto is a moto started for one benchmark; `stop` ends it and removes its files. */
export interface BenchMoto {
  readonly url: string;
  stop(): Promise<void>;
}

const run = promisify(execFile);

/** BENCH_BUILD is where the benchmarks build the checker; node_modules resolves from inside it. */
export const BENCH_BUILD = repoPath('node_modules/.cache/awscheck-bench');

const say = (line: string): void => {
  console.error(`bench: ${line}`);
};

/** startBenchMoto starts a moto of the benchmark's own, tied to this process. */
export async function startBenchMoto(): Promise<BenchMoto> {
  const { motoPython } = await ensureBinaries(say);
  const context: ServerContext = {
    runDir: await mkdtemp(join(tmpdir(), 'bench-moto-')),
    tiedToParent: true,
    started: [],
  };
  const moto = await startMoto(motoPython, context);
  return {
    url: moto.url,
    stop: async () => {
      await stopProcessGroup(moto.process.pid);
      await rm(context.runDir, { recursive: true, force: true });
    },
  };
}

/** motoPython is the python of moto's virtualenv, which has boto3 (the boto3 baselines run on it). */
export async function motoPython(): Promise<string> {
  return (await ensureBinaries(say)).motoPython;
}

/** awsEnv is the environment both the checker and the AWS CLI run with: moto, test keys, no config files. */
export function awsEnv(endpoint: string, dir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: join(dir, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/**
 * buildChecker compiles the checker (and only the checker) as the image's build does, so
 * the benchmarks time what ships: plain JavaScript, no type stripping at start. It builds
 * into BENCH_BUILD, not dist/, which other work in the checkout may rebuild or remove.
 */
export async function buildChecker(): Promise<void> {
  say(`building the checker into ${BENCH_BUILD}`);
  await run(process.execPath, [
    repoPath('node_modules/typescript/bin/tsc'),
    '-p',
    repoPath('test/bench/tsconfig.checker.json'),
  ]);
}

/** checkerArgv runs the built checker the way its container runs dist/…/cli.js, with its Node flags. */
export function checkerArgv(dir: string, ...args: string[]): string[] {
  return [
    process.execPath,
    ...CHECKER_NODE_FLAGS,
    join(BENCH_BUILD, 'operator/checker/cli.js'),
    ...args,
    '--termination-log',
    join(dir, 'termination-log'),
  ];
}

export { say };
