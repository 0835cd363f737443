// The operator under benchmark: a process started through test/support/operator.ts with
// production settings (not the suite's fast ones), its peak RSS and CPU read from /proc,
// and sums of its own metrics.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { OPERATOR_NODE_FLAGS } from '../../operator/node-flags.ts';
import type { TestEnvInfo } from '../env/environment.ts';
import { repoPath } from '../env/paths.ts';
import { startOperator, type OperatorSetup, type RunningOperator } from '../support/operator.ts';

/**
 * PRODUCTION_ENV undoes the suite's fast settings in startOperator: the configuration's
 * defaults for the Lease and resync, and info logs.
 */
export const PRODUCTION_ENV: Readonly<Record<string, string>> = {
  AWSCHECK_LEASE_DURATION_SECONDS: '15',
  AWSCHECK_LEASE_RENEW_DEADLINE_SECONDS: '10',
  AWSCHECK_LEASE_RETRY_SECONDS: '2',
  AWSCHECK_LOG_LEVEL: 'info',
  AWSCHECK_RESYNC_SECONDS: '300',
};

/** CHECKER_IMAGE is the image startOperator configures; the pure plans need the same. */
export const CHECKER_IMAGE = 'ghcr.io/awscheck/awscheck-operator:test';

/** ProcessStats are a process's peak resident set and CPU time so far. */
export interface ProcessStats {
  readonly peakRssMiB: number;
  readonly cpuSeconds: number;
}

/** CLOCK_TICKS is USER_HZ, the unit of /proc/PID/stat's utime and stime (100 on Linux). */
const CLOCK_TICKS = 100;

/** processStats reads VmHWM from /proc/PID/status and utime+stime from /proc/PID/stat. */
export async function processStats(pid: number): Promise<ProcessStats> {
  const status = await readFile(`/proc/${String(pid)}/status`, 'utf8');
  const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  if (hwm === undefined) throw new Error(`/proc/${String(pid)}/status has no VmHWM`);
  const stat = await readFile(`/proc/${String(pid)}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3; utime is 14.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { peakRssMiB: Number(hwm) / 1024, cpuSeconds: ticks / CLOCK_TICKS };
}

/**
 * cpuSecondsWithChildren is a process's CPU time, its reaped children's included (the pod
 * runner's container processes), from /proc/PID/stat's utime, stime, cutime and cstime.
 */
export async function cpuSecondsWithChildren(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${String(pid)}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = [11, 12, 13, 14].reduce((sum, at) => sum + Number(fields[at]), 0);
  return ticks / CLOCK_TICKS;
}

/**
 * buildOperator compiles the operator as the image's build stage does (tsc with
 * tsconfig.build.json into dist/) and gives its entry point, for OperatorSetup.program:
 * what the benchmarks measure is the program that ships, not the source under Node's type
 * stripping (which adds about 25 MiB of resident memory of its own).
 */
export async function buildOperator(): Promise<string> {
  await promisify(execFile)(
    process.execPath,
    [repoPath('node_modules/typescript/bin/tsc'), '-p', repoPath('tsconfig.build.json')],
    { cwd: repoPath() },
  );
  return repoPath('dist/operator/main.js');
}

/**
 * startBenchOperator starts a replica with PRODUCTION_ENV and `extra` on top, under the Node
 * flags the image runs it with (OPERATOR_NODE_FLAGS, as NODE_OPTIONS).
 */
export async function startBenchOperator(
  env: TestEnvInfo,
  setup: OperatorSetup,
  name: string,
  extra: Readonly<Record<string, string>>,
): Promise<RunningOperator> {
  const nodeOptions = { NODE_OPTIONS: OPERATOR_NODE_FLAGS.join(' ') };
  return startOperator(env, setup, name, { ...PRODUCTION_ENV, ...nodeOptions, ...extra });
}

/**
 * exitedEarly fails when the operator exits before the benchmark stops it, with the end of
 * its log: the environment's run directory, and the log with it, is removed at the end.
 */
export async function exitedEarly(operator: RunningOperator): Promise<never> {
  const { code } = await operator.exited;
  const log = await readFile(operator.process.logFile, 'utf8').catch(String);
  throw new Error(
    `the operator exited with ${String(code)}; the end of its log:\n${log.slice(-4000)}`,
  );
}

/** metricSum sums every series of one metric in a Prometheus text answer. */
export function metricSum(text: string, name: string, labelFilter?: RegExp): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labelFilter !== undefined && !labelFilter.test(line)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** operatorMetrics reads the operator's /metrics. */
export async function operatorMetrics(operator: RunningOperator): Promise<string> {
  const answer = await fetch(`${operator.url}/metrics`);
  if (!answer.ok) throw new Error(`operator /metrics answered ${answer.status}`);
  return answer.text();
}

/** parseEnvList parses `K=V,K=V` into an environment. */
export function parseEnvList(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of text.split(',').filter((p) => p !== '')) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`--operator-env wants KEY=VALUE pairs, got ${pair}`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return env;
}
