// Convergence at scale (issue 11, deliverable 1): thousands of AwsChecks in hundreds of
// namespaces, one operator replica, measured against the write floor of the same run.
//
//   npm run bench -- scale --checks 5000 --namespaces 500 [--steady-seconds 300]
//
// 1. Seed (seed.ts): namespaces, Secrets, validated credential refs, checks that never fire.
// 2. Floor: the CronJob server-side applies and status PUTs the operator issues, built by
//    the operator's own pure planCheck, sent by a bare keep-alive HTTPS client at 8, 32
//    and 64 in flight; after each, the CronJobs are deleted and the statuses emptied.
// 3. Convergence: the operator started as a process (production settings), timed from its
//    spawn until a watch has seen every check Ready=True with its CronJob; requests from
//    the apiserver's own metrics; the process's peak RSS and CPU from /proc.
// 4. Steady state: the operator restarted with a short resync and left alone; every write
//    the apiserver served, by resource.
import type { V1CronJob } from '@kubernetes/client-node';
import type { AwsCheckStatus } from '../../operator/api/v1alpha1/awscheck.ts';
import { readAwsCheck } from '../../operator/api/v1alpha1/parse.ts';
import { loadConfig, type OperatorConfig } from '../../operator/config.ts';
import { planCheck } from '../../operator/controller/check-plan.ts';
import { findCondition } from '../../operator/controller/conditions.ts';
import { UNLIMITED } from '../../operator/controller/plan-limits.ts';
import { FIELD_MANAGER, MANAGED_BY } from '../../operator/labels.ts';
import { externalIdFor } from '../../operator/plans/tenancy.ts';
import { startTestEnvironment, stopTestEnvironment, type TestEnvInfo } from '../env/environment.ts';
import { installOperator, type OperatorSetup, type RunningOperator } from '../support/operator.ts';
import {
  formatRequests,
  LONG_RUNNING,
  requestsBetween,
  scrapeRequests,
  WRITE_VERBS,
  type RequestRow,
} from './apiserver-metrics.ts';
import { say } from './environment.ts';
import { follow, inBatches, kubeHttp, type KubeHttp, type KubeObject } from './kube-http.ts';
import {
  CHECKER_IMAGE,
  exitedEarly,
  metricSum,
  operatorMetrics,
  processStats,
  PRODUCTION_ENV,
  buildOperator,
  startBenchOperator,
  type ProcessStats,
} from './operator-process.ts';
import { CUSTOM_API, NEVER, seed, type Seeded } from './seed.ts';

/** FLOOR_CONCURRENCIES are the in-flight counts the floor is measured at. */
export const FLOOR_CONCURRENCIES = [8, 32, 64] as const;

/** ScaleOptions are the benchmark's knobs. */
export interface ScaleOptions {
  readonly checks: number;
  readonly namespaces: number;
  readonly steadySeconds: number;
  /** The resync of the steady-state replica, short enough to fire several times. */
  readonly steadyResyncSeconds: number;
  /** The floor's in-flight counts (FLOOR_CONCURRENCIES unless narrowed for big sizes). */
  readonly floorConcurrencies: readonly number[];
  /** Environment for the operator on top of the production settings (QPS, workers…). */
  readonly operatorEnv: Readonly<Record<string, string>>;
}

/** FloorRun is the floor at one concurrency. */
export interface FloorRun {
  readonly concurrency: number;
  readonly seconds: number;
  readonly requests: number;
}

/** OperatorPhase is what one operator replica did in a phase, seen from both sides. */
export interface OperatorPhase {
  readonly seconds: number;
  readonly requests: readonly RequestRow[];
  readonly stats: ProcessStats;
  readonly reconciles: number;
  readonly watchRestarts: number;
  /** Why the phase ended early (the operator exited), with how far it got. */
  readonly failure?: string;
}

/** ScaleReport is one run of the benchmark. */
export interface ScaleReport {
  readonly options: ScaleOptions;
  readonly seedSeconds: number;
  readonly floor: readonly FloorRun[];
  readonly convergence: OperatorPhase;
  /** Measured only after a convergence. */
  readonly steady: OperatorPhase | undefined;
}

/** PlannedCheck is one check with the CronJob and status the operator's plan gives it. */
interface PlannedCheck {
  object: KubeObject;
  readonly cronJob: V1CronJob;
  readonly status: AwsCheckStatus;
}

/** scale runs the benchmark in an environment of its own. */
export async function scale(options: ScaleOptions): Promise<ScaleReport> {
  const env = await startTestEnvironment({ tiedToParent: true, progress: say });
  const http = await kubeHttp(env.kubeconfig, 64);
  try {
    const setup = { ...(await installOperator(env)), program: await buildOperator() };
    const config = loadConfig({
      AWSCHECK_CHECKER_IMAGE: CHECKER_IMAGE,
      AWSCHECK_NAMESPACE: setup.namespace,
      ...PRODUCTION_ENV,
      ...options.operatorEnv,
    });
    say(`seeding ${options.checks} checks in ${options.namespaces} namespaces`);
    const seedStarted = performance.now();
    const seeded = await seed(http, {
      prefix: 'scale',
      namespaces: options.namespaces,
      checks: options.checks,
      spec: { service: 'sts', type: 'HealthCheck', schedule: NEVER, firstRun: 'OnSchedule' },
      config,
    });
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    const planned = planAll(seeded, config);
    const floor: FloorRun[] = [];
    for (const concurrency of options.floorConcurrencies) {
      floor.push(await writeFloor(env, planned, concurrency));
      await resetFloor(http, seeded, planned);
    }
    const convergence = await converge(env, http, setup, options);
    const steady =
      convergence.failure === undefined ? await steadyState(env, http, setup, options) : undefined;
    return { options, seedSeconds, floor, convergence, steady };
  } finally {
    http.close();
    await stopTestEnvironment(env);
  }
}

// planAll builds every check's CronJob and status with the operator's own pure planCheck,
// from the facts its caches would hold; each must come out Ready=True, or the floor would
// be the floor of something else.
function planAll(seeded: Seeded, config: OperatorConfig): PlannedCheck[] {
  const tenants = new Map(seeded.tenants.map((t) => [t.namespace, t]));
  const now = new Date();
  return seeded.checks.map((object) => {
    const parsed = readAwsCheck(object);
    if (!parsed.ok) throw new Error(`a seeded check does not parse: ${parsed.message}`);
    const check = parsed.value;
    const tenant = tenants.get(check.metadata.namespace);
    if (tenant === undefined) throw new Error(`no tenant for ${check.metadata.namespace}`);
    const facts = {
      check,
      credential: tenant.credential,
      externalId: externalIdFor(tenant.namespaceUid),
      plan: UNLIMITED,
      runs: [],
      now,
    };
    const plan = planCheck(facts, config);
    const ready = findCondition(plan.status.conditions, 'Ready');
    if (plan.cronJob === undefined || ready?.status !== 'True')
      throw new Error(`the plan of a seeded check is not Ready: ${JSON.stringify(ready)}`);
    return { object, cronJob: plan.cronJob, status: plan.status };
  });
}

const cronJobPath = (namespace: string, name?: string): string =>
  `/apis/batch/v1/namespaces/${namespace}/cronjobs${name === undefined ? '' : `/${name}`}`;
const checkPath = (object: KubeObject): string =>
  `${CUSTOM_API}/namespaces/${object.metadata.namespace ?? ''}/awschecks/${object.metadata.name}`;

// writeFloor issues, per check, the operator's two writes, as the operator issues them
// (apply under its field manager with force, then the status PUT carrying the object's
// resourceVersion), over one keep-alive pool of `concurrency` connections.
async function writeFloor(
  env: TestEnvInfo,
  planned: PlannedCheck[],
  concurrency: number,
): Promise<FloorRun> {
  const http = await kubeHttp(env.kubeconfig, concurrency);
  try {
    say(`write floor at ${concurrency} in flight`);
    const started = performance.now();
    await inBatches(planned, concurrency, async (item) => {
      const name = item.cronJob.metadata?.name ?? '';
      await http.sendOk({
        method: 'PATCH',
        path: `${cronJobPath(item.object.metadata.namespace ?? '', name)}?fieldManager=${FIELD_MANAGER}&force=true`,
        body: item.cronJob,
        contentType: 'application/apply-patch+yaml',
      });
      item.object = await http.sendOk<KubeObject>({
        method: 'PUT',
        path: `${checkPath(item.object)}/status?fieldManager=${FIELD_MANAGER}`,
        body: { ...item.object, status: item.status },
      });
    });
    const seconds = (performance.now() - started) / 1000;
    say(`write floor at ${concurrency} in flight: ${seconds.toFixed(2)} s`);
    return { concurrency, seconds, requests: planned.length * 2 };
  } finally {
    http.close();
  }
}

// resetFloor puts the cluster back as seeding left it: no CronJobs, checks without status.
async function resetFloor(http: KubeHttp, seeded: Seeded, planned: PlannedCheck[]): Promise<void> {
  const selector = encodeURIComponent(`${MANAGED_BY.key}=${MANAGED_BY.value}`);
  await inBatches(seeded.tenants, 32, (tenant) =>
    http.sendOk({
      method: 'DELETE',
      path: `${cronJobPath(tenant.namespace)}?labelSelector=${selector}`,
    }),
  );
  await inBatches(planned, 32, async (item) => {
    const bare: KubeObject = { ...item.object };
    delete (bare as { status?: unknown }).status;
    item.object = await http.sendOk<KubeObject>({
      method: 'PUT',
      path: `${checkPath(item.object)}/status`,
      body: bare,
    });
  });
}

/** Converged settles when every check has converged; `stop` ends its watches. */
export interface Converged {
  readonly done: Promise<number>;
  progress(): { ready: number; cronJobs: number };
  stop(): void;
}

/**
 * watchConvergence follows checks and CronJobs, resolving with the time the last check
 * turned Ready=True for its generation with a CronJob of its own in place.
 */
export async function watchConvergence(http: KubeHttp, checks: number): Promise<Converged> {
  const ready = new Set<string>();
  const cronJobs = new Set<string>();
  let settle: (at: number) => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  const done = new Promise<number>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  const key = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  const judge = (at: number): void => {
    if (ready.size === checks && cronJobs.size === checks) settle(at);
  };
  const stopChecks = await follow(
    http,
    `${CUSTOM_API}/awschecks`,
    (type, object, at) => {
      if (type !== 'DELETED' && isReady(object)) ready.add(key(object));
      else ready.delete(key(object));
      judge(at);
    },
    fail,
  );
  const selector = encodeURIComponent(`${MANAGED_BY.key}=${MANAGED_BY.value}`);
  const stopCronJobs = await follow(
    http,
    `/apis/batch/v1/cronjobs?labelSelector=${selector}`,
    (type, object, at) => {
      if (type === 'DELETED') cronJobs.delete(key(object));
      else cronJobs.add(key(object));
      judge(at);
    },
    fail,
  );
  return {
    done,
    progress: () => ({ ready: ready.size, cronJobs: cronJobs.size }),
    stop: () => {
      stopChecks();
      stopCronJobs();
    },
  };
}

function isReady(object: KubeObject): boolean {
  const status = object.status as AwsCheckStatus | undefined;
  const ready = findCondition(status?.conditions, 'Ready');
  return (
    ready?.status === 'True' &&
    status?.observedGeneration === object.metadata.generation &&
    status?.cronJobName !== undefined
  );
}

// converge starts the operator on the reset cluster and times it to convergence. An
// operator that exits first is a result, not an error: the phase says so, with how far it
// got, the requests so far, the end of its log and its last sampled RSS and CPU.
async function converge(
  env: TestEnvInfo,
  http: KubeHttp,
  setup: OperatorSetup,
  options: ScaleOptions,
): Promise<OperatorPhase> {
  const watch = await watchConvergence(http, options.checks);
  try {
    const before = await scrapeRequests(http);
    say('convergence: starting the operator');
    const started = performance.now();
    const operator = await startBenchOperator(env, setup, 'scale-a', options.operatorEnv);
    const sampler = sampleStats(operator.process.pid);
    try {
      const at = await Promise.race([watch.done, exitedEarly(operator)]);
      const after = await scrapeRequests(http);
      const measured = await phase(operator, (at - started) / 1000, requestsBetween(before, after));
      say(
        `converged in ${measured.seconds.toFixed(1)} s, ${(workRequests(measured.requests) / options.checks).toFixed(2)} requests per check, peak RSS ${measured.stats.peakRssMiB.toFixed(0)} MiB, CPU ${measured.stats.cpuSeconds.toFixed(1)} s`,
      );
      return measured;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('the operator exited'))
        throw error;
      const seconds = (performance.now() - started) / 1000;
      const { ready, cronJobs } = watch.progress();
      say(`convergence failed after ${seconds.toFixed(0)} s: ${ready} Ready, ${cronJobs} CronJobs`);
      return {
        seconds,
        requests: requestsBetween(before, await scrapeRequests(http)),
        stats: sampler.last(),
        reconciles: NaN,
        watchRestarts: NaN,
        failure: `${ready} of ${options.checks} checks Ready and ${cronJobs} CronJobs when ${error.message}`,
      };
    } finally {
      sampler.stop();
      await operator.stop();
    }
  } finally {
    watch.stop();
  }
}

// sampleStats reads a process's stats every second, so a process that dies leaves them.
function sampleStats(pid: number): { last(): ProcessStats; stop(): void } {
  let last: ProcessStats = { peakRssMiB: NaN, cpuSeconds: NaN };
  const timer = setInterval(() => {
    processStats(pid).then(
      (stats) => (last = stats),
      () => undefined, // the process is gone: keep the last sample
    );
  }, 1000);
  return {
    last: () => last,
    stop: () => {
      clearInterval(timer);
    },
  };
}

// steadyState restarts the operator with a short resync and counts what it writes while
// nothing changes: the restart's relist and every resync must find nothing to do.
async function steadyState(
  env: TestEnvInfo,
  http: KubeHttp,
  setup: OperatorSetup,
  options: ScaleOptions,
): Promise<OperatorPhase> {
  const before = await scrapeRequests(http);
  say(
    `steady state: the operator restarted with AWSCHECK_RESYNC_SECONDS=${options.steadyResyncSeconds}, ${options.steadySeconds} s`,
  );
  const started = performance.now();
  const operator = await startBenchOperator(env, setup, 'scale-b', {
    ...options.operatorEnv,
    AWSCHECK_RESYNC_SECONDS: String(options.steadyResyncSeconds),
  });
  const sampler = sampleStats(operator.process.pid);
  try {
    const remaining = options.steadySeconds * 1000 - (performance.now() - started);
    await Promise.race([
      new Promise((resolve) => setTimeout(resolve, Math.max(0, remaining))),
      exitedEarly(operator),
    ]);
    const after = await scrapeRequests(http);
    const seconds = (performance.now() - started) / 1000;
    return await phase(operator, seconds, requestsBetween(before, after));
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('the operator exited')) throw error;
    const seconds = (performance.now() - started) / 1000;
    say(`steady state ended after ${seconds.toFixed(0)} s: ${error.message}`);
    return {
      seconds,
      requests: requestsBetween(before, await scrapeRequests(http)),
      stats: sampler.last(),
      reconciles: NaN,
      watchRestarts: NaN,
      failure: error.message.split('\n')[0] ?? error.message,
    };
  } finally {
    sampler.stop();
    await operator.stop();
  }
}

async function phase(
  operator: RunningOperator,
  seconds: number,
  requests: RequestRow[],
): Promise<OperatorPhase> {
  const stats = await processStats(operator.process.pid);
  const text = await operatorMetrics(operator);
  return {
    seconds,
    requests,
    stats,
    reconciles: metricSum(text, 'awscheck_reconcile_total'),
    watchRestarts: metricSum(text, 'awscheck_watch_restarts_total'),
  };
}

const verdict = (met: boolean): string => (met ? 'target met' : 'TARGET MISSED');

/** workRequests counts the requests that did work: no watches, no Lease renewals. */
export function workRequests(rows: readonly RequestRow[]): number {
  return rows
    .filter((r) => !LONG_RUNNING.has(r.verb) && r.resource !== 'leases')
    .reduce((sum, r) => sum + r.count, 0);
}

/** formatScale prints the report as the other benchmarks print theirs. */
export function formatScale(report: ScaleReport): string {
  const { options, floor, convergence } = report;
  const best = floor.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const lines: string[] = [
    `\nconvergence at scale: ${options.checks} AwsChecks in ${options.namespaces} namespaces (seeded in ${report.seedSeconds.toFixed(0)} s); operator env ${JSON.stringify({ ...PRODUCTION_ENV, ...options.operatorEnv })}`,
    '| write floor (apply CronJob + PUT status, keep-alive) | seconds | requests/s |',
    '| --- | ---: | ---: |',
    ...floor.map(
      (f) =>
        `| ${f.concurrency} in flight${f === best ? ' (best)' : ''} | ${f.seconds.toFixed(2)} | ${(f.requests / f.seconds).toFixed(0)} |`,
    ),
    '',
    `apiserver requests during convergence (${convergence.seconds.toFixed(1)} s, includes kube-controller-manager and the apiserver's own):`,
    formatRequests(convergence.requests),
  ];
  const ratio = convergence.seconds / best.seconds;
  const converged = convergence.failure === undefined;
  const perCheck = workRequests(convergence.requests) / options.checks;
  const rss = convergence.stats.peakRssMiB;
  lines.push(
    '',
    ...(converged ? [] : [`CONVERGENCE FAILED: ${convergence.failure ?? ''}`]),
    '| measure | value | target |',
    '| --- | ---: | --- |',
    `| convergence / best floor | ${converged ? '' : 'not converged after '}${convergence.seconds.toFixed(1)} s / ${best.seconds.toFixed(1)} s = ${ratio.toFixed(2)}× | ≤ 1.5×: ${verdict(converged && ratio <= 1.5)} |`,
    `| apiserver requests per check (no watches, no leases) | ${perCheck.toFixed(2)} | — |`,
    `| operator peak RSS, converging | ${rss.toFixed(0)} MiB | < 200 MiB: ${verdict(rss < 200)} |`,
    `| operator CPU, converging | ${convergence.stats.cpuSeconds.toFixed(1)} s | — |`,
    `| watch restarts, converging | ${convergence.watchRestarts} | logged and counted |`,
  );
  if (report.steady !== undefined) lines.push(...steadyLines(options, report.steady));
  return lines.join('\n');
}

function steadyLines(options: ScaleOptions, steady: OperatorPhase): string[] {
  const writes = steady.requests.filter((r) => WRITE_VERBS.has(r.verb));
  const besidesLeases = writes
    .filter((r) => r.resource !== 'leases')
    .reduce((sum, r) => sum + r.count, 0);
  const failed =
    steady.failure === undefined ? [] : [`| steady state ENDED EARLY | ${steady.failure} | |`];
  return [
    ...failed,
    `| operator peak RSS, restarted onto converged checks | ${steady.stats.peakRssMiB.toFixed(0)} MiB | < 200 MiB: ${verdict(steady.stats.peakRssMiB < 200)} |`,
    `| operator CPU, steady (restart + resyncs) | ${steady.stats.cpuSeconds.toFixed(1)} s | — |`,
    `| writes in steady state besides leases | ${besidesLeases} | 0: ${verdict(besidesLeases === 0 && steady.failure === undefined)} |`,
    `| watch restarts, steady | ${steady.watchRestarts} | logged and counted |`,
    '',
    `writes at the apiserver in steady state (${steady.seconds.toFixed(0)} s after a restart with AWSCHECK_RESYNC_SECONDS=${options.steadyResyncSeconds}; ${steady.reconciles} reconciles):`,
    formatRequests(writes),
  ];
}

if (import.meta.main) {
  const report = await scale({
    checks: 500,
    namespaces: 50,
    steadySeconds: 300,
    steadyResyncSeconds: 60,
    floorConcurrencies: FLOOR_CONCURRENCIES,
    operatorEnv: {},
  });
  console.log(formatScale(report));
}
