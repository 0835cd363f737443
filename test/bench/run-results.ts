// Run results at scale (issue 11, deliverable 2): many runs finishing within a minute on
// the test environment's pod runner (it runs each checker Pod as a host process against
// moto), each result written to its check's status exactly once, none lost, and the time
// from the Pod's termination to the status write.
//
//   npm run bench -- run-results --checks 1000 --namespaces 100 [--start-seconds 60]
//
// The checks are seeded converged-ready (seed.ts) and never fire on schedule; once the
// operator has them Ready, every check is asked for one run (the run-now annotation, as
// `kubectl awscheck run` sets it), the asks spread evenly over --start-seconds. Times are
// wall-clock milliseconds on this machine: a checker's exit from the pod runner's own log,
// the Pod's terminated status and the check's new lastRun from watches.
import { readFile } from 'node:fs/promises';
import type { AwsCheckStatus } from '../../operator/api/v1alpha1/awscheck.ts';
import { loadConfig } from '../../operator/config.ts';
import { runNowJobName } from '../../operator/controller/names.ts';
import { MANAGED_BY, RUN_NOW_ANNOTATION } from '../../operator/labels.ts';
import type { ControllerManagerSizing } from '../env/control-plane.ts';
import { startTestEnvironment, stopTestEnvironment, type TestEnvInfo } from '../env/environment.ts';
import { CANNED_CHECKER_ENV } from '../env/pod-runner/canned-checker.ts';
import { installOperator } from '../support/operator.ts';
import {
  formatRequests,
  LONG_RUNNING,
  requestsBetween,
  scrapeRequests,
  scrapeTerminatedWatchers,
  type RequestRow,
} from './apiserver-metrics.ts';
import { say } from './environment.ts';
import {
  follow,
  inBatches,
  kubeHttp,
  type KubeHttp,
  type KubeObject,
  type Stop,
} from './kube-http.ts';
import {
  CHECKER_IMAGE,
  cpuSecondsWithChildren,
  exitedEarly,
  metricSum,
  operatorMetrics,
  processStats,
  PRODUCTION_ENV,
  buildOperator,
  startBenchOperator,
  type ProcessStats,
} from './operator-process.ts';
import { watchConvergence } from './scale.ts';
import { CUSTOM_API, NEVER, seed } from './seed.ts';

/** RunResultsOptions are the benchmark's knobs. */
export interface RunResultsOptions {
  readonly checks: number;
  readonly namespaces: number;
  /** The run-now asks are spread evenly over this many seconds. */
  readonly startSeconds: number;
  /** At most this many runs asked for and not yet ended (the machine's bound, not the operator's). */
  readonly maxInFlight: number;
  /** How long after the last ask every result must be in status. */
  readonly timeoutSeconds: number;
  /**
   * Every checker run a canned success written by the pod runner (canned-checker.ts), so
   * the machine's cores go to the operator and the control plane, not checker processes.
   */
  readonly cannedChecker: boolean;
  /** kube-controller-manager's sizing; kube's defaults when absent. */
  readonly controllerManager?: ControllerManagerSizing;
  readonly operatorEnv: Readonly<Record<string, string>>;
}

/** Percentiles of a latency series in milliseconds. */
export interface Latency {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** RunResultsReport is one run of the benchmark. */
export interface RunResultsReport {
  readonly options: RunResultsOptions;
  /** Seconds from the first ask to the last ask, to the last checker exit, to the last status. */
  readonly askedSeconds: number;
  readonly lastExitSeconds: number;
  /** Seconds from the first checker exit to the last: the window the runs finished in. */
  readonly exitSpanSeconds: number;
  readonly lastStatusSeconds: number;
  readonly podsTerminated: number;
  readonly outcomes: Readonly<Record<string, number>>;
  /** Checks whose status never recorded their run. */
  readonly lost: number;
  /** Checks whose recorded lastRun was written again with other content, or moved on. */
  readonly rewritten: number;
  /** Run Events per check: how many checks have 0, 1, more. */
  readonly eventsPerCheck: Readonly<Record<string, number>>;
  /** awscheck_runs_total grew by this much. */
  readonly runsCounted: number;
  /** Jobs by how many Pods each made (kube-controller-manager): want all at 1. */
  readonly podsPerJob: Readonly<Record<string, number>>;
  /** What the apiserver served from the first ask to the end, long-running watches aside. */
  readonly requests: readonly RequestRow[];
  /** CPU seconds each process spent from the first ask to the last result (children included). */
  readonly cpuByProcess: Readonly<Record<string, number>>;
  /** Watches the apiserver closed as unresponsive (all clients, the whole run), by resource. */
  readonly terminatedWatchers: Readonly<Record<string, number>>;
  /** The operator's watches that ended and were resumed, by cache and reason. */
  readonly watchRestarts: Readonly<Record<string, number>>;
  /** Event creates the apiserver refused as already there (a run reported twice). */
  readonly duplicateEventCreates: number;
  /** The checker's exit (pod runner's log) → the check's status seen on a watch. */
  readonly exitToStatus: Latency;
  /** The Pod's terminated status seen on a watch → the check's status seen on a watch. */
  readonly podToStatus: Latency;
  /** The Pod's terminated status → the Job's Complete/Failed condition (kube-controller-manager). */
  readonly podToJob: Latency;
  /** The Job's Complete/Failed condition seen on a watch → the check's status (the operator). */
  readonly jobToStatus: Latency;
  readonly operator: ProcessStats;
}

interface RunTrack {
  readonly key: string;
  readonly job: string;
  askedAt?: number;
  podName?: string;
  /** Every Pod seen controlled by the run's Job. */
  readonly pods: Set<string>;
  podTerminatedAt?: number;
  jobFinishedAt?: number;
  statusAt?: number;
  /** Every distinct lastRun this check's status showed once it named the run. */
  readonly lastRuns: Set<string>;
}

const wallClock = (at: number): number => performance.timeOrigin + at;
const keyOf = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** runResults runs the benchmark in an environment of its own. */
export async function runResults(options: RunResultsOptions): Promise<RunResultsReport> {
  // The pod runner inherits the environment it is started with.
  if (options.cannedChecker) process.env[CANNED_CHECKER_ENV] = '1';
  const env = await startTestEnvironment({
    tiedToParent: true,
    progress: say,
    ...(options.controllerManager && { controllerManager: options.controllerManager }),
  });
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
    const seeded = await seed(http, {
      prefix: 'runs',
      namespaces: options.namespaces,
      checks: options.checks,
      spec: {
        service: 'sts',
        type: 'HealthCheck',
        schedule: NEVER,
        firstRun: 'OnSchedule',
        timeoutSeconds: 300,
      },
      config,
    });
    const converged = await watchConvergence(http, options.checks);
    const operator = await startBenchOperator(env, setup, 'runs-a', options.operatorEnv);
    try {
      await Promise.race([converged.done, exitedEarly(operator)]);
      converged.stop();
      say('every check is Ready; asking for the runs');
      return await Promise.race([
        measureRuns(env, http, { options, checks: seeded.checks, operator }),
        exitedEarly(operator),
      ]);
    } finally {
      await operator.stop();
    }
  } finally {
    http.close();
    await stopTestEnvironment(env);
  }
}

interface Measured {
  readonly options: RunResultsOptions;
  readonly checks: readonly KubeObject[];
  readonly operator: Awaited<ReturnType<typeof startBenchOperator>>;
}

async function measureRuns(
  env: TestEnvInfo,
  http: KubeHttp,
  { options, checks, operator }: Measured,
): Promise<RunResultsReport> {
  const token = `bench-${Date.now().toString(36)}`;
  const tracks = new Map<string, RunTrack>(
    checks.map((c) => [
      keyOf(c),
      {
        key: keyOf(c),
        job: runNowJobName(c.metadata.name, c.metadata.uid ?? '', token),
        lastRuns: new Set<string>(),
        pods: new Set<string>(),
      },
    ]),
  );
  const byJob = new Map([...tracks.values()].map((t) => [`${t.key.split('/')[0]}/${t.job}`, t]));
  const seen = await trackRuns(http, tracks, byJob);
  const processes = [
    ...env.processes.map((p) => ({ name: p.name, pid: p.pid })),
    { name: 'operator', pid: operator.process.pid },
  ];
  const cpuBefore = await cpuOf(processes);
  const apiBefore = await scrapeRequests(http);
  const runsBefore = metricSum(await operatorMetrics(operator), 'awscheck_runs_total');
  const firstAsk = performance.now();
  await ask(http, [...tracks.values()], {
    token,
    seconds: options.startSeconds,
    maxInFlight: options.maxInFlight,
    timeoutMs: options.timeoutSeconds * 1000,
  });
  const askedSeconds = (performance.now() - firstAsk) / 1000;
  say(`asked for ${tracks.size} runs in ${askedSeconds.toFixed(1)} s; waiting for the results`);
  await seen.allRecorded(options.timeoutSeconds * 1000);
  const cpuAfter = await cpuOf(processes);
  // A result written twice would come after the first: give it time to show.
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  seen.stop();
  const apiAfter = await scrapeRequests(http);
  const text = await operatorMetrics(operator);
  const exits = await runnerExits(env);
  const all = [...tracks.values()];
  const statusTimes = all.flatMap((t) => (t.statusAt === undefined ? [] : [t.statusAt]));
  const exitTimes = all.flatMap((t) => {
    const exit = t.podName === undefined ? undefined : exits.get(t.podName);
    return exit === undefined ? [] : [exit];
  });
  return {
    options,
    askedSeconds,
    lastExitSeconds: (Math.max(...exitTimes) - wallClock(firstAsk)) / 1000,
    exitSpanSeconds: (Math.max(...exitTimes) - Math.min(...exitTimes)) / 1000,
    lastStatusSeconds: (Math.max(...statusTimes) - wallClock(firstAsk)) / 1000,
    podsTerminated: all.filter((t) => t.podTerminatedAt !== undefined).length,
    outcomes: seen.outcomes(),
    lost: all.filter((t) => t.statusAt === undefined).length,
    rewritten: all.filter((t) => t.lastRuns.size > 1).length,
    eventsPerCheck: await eventsPerCheck(http, all),
    runsCounted: metricSum(text, 'awscheck_runs_total') - runsBefore,
    podsPerJob: tally(all.map((t) => String(t.pods.size))),
    watchRestarts: watchRestartsOf(text),
    terminatedWatchers: await scrapeTerminatedWatchers(http),
    requests: requestsBetween(apiBefore, apiAfter).filter((r) => !LONG_RUNNING.has(r.verb)),
    cpuByProcess: Object.fromEntries(
      Object.entries(cpuAfter).map(([name, after]) => [name, after - (cpuBefore[name] ?? 0)]),
    ),
    duplicateEventCreates: requestsBetween(apiBefore, apiAfter)
      .filter((r) => r.verb === 'POST' && r.resource === 'events')
      .reduce((sum, r) => sum + r.failed, 0),
    exitToStatus: latency(
      all.flatMap((t) => {
        const exit = t.podName === undefined ? undefined : exits.get(t.podName);
        return exit === undefined || t.statusAt === undefined ? [] : [t.statusAt - exit];
      }),
    ),
    podToStatus: latency(all.flatMap((t) => between(t.podTerminatedAt, t.statusAt))),
    podToJob: latency(all.flatMap((t) => between(t.podTerminatedAt, t.jobFinishedAt))),
    jobToStatus: latency(all.flatMap((t) => between(t.jobFinishedAt, t.statusAt))),
    operator: await processStats(operator.process.pid),
  };
}

interface Seen {
  allRecorded(timeoutMs: number): Promise<void>;
  outcomes(): Record<string, number>;
  stop: Stop;
}

// trackRuns watches the checker Pods (when each is first seen terminated) and the checks
// (when each first shows its run as lastRun, and every lastRun it shows after that).
async function trackRuns(
  http: KubeHttp,
  tracks: ReadonlyMap<string, RunTrack>,
  byJob: ReadonlyMap<string, RunTrack>,
): Promise<Seen> {
  let failed: Error | undefined;
  const onEnd = (error: Error): void => {
    failed ??= error;
  };
  const outcomes = new Map<string, string>();
  const stopChecks = await follow(
    http,
    `${CUSTOM_API}/awschecks`,
    (_type, object, at) => {
      const track = tracks.get(keyOf(object));
      const lastRun = (object.status as AwsCheckStatus | undefined)?.lastRun;
      if (track === undefined || lastRun === undefined) return;
      if (lastRun.jobName !== track.job && track.statusAt === undefined) return;
      track.statusAt ??= wallClock(at);
      track.lastRuns.add(JSON.stringify(lastRun));
      // A failed run counts under its reason and its message's first words.
      const why =
        lastRun.reason === undefined ? '' : ` ${lastRun.reason}: ${lastRun.message.slice(0, 60)}`;
      outcomes.set(track.key, `${lastRun.outcome}${why}`);
    },
    onEnd,
  );
  const selector = encodeURIComponent(`${MANAGED_BY.key}=${MANAGED_BY.value}`);
  const stopPods = await follow(
    http,
    `/api/v1/pods?labelSelector=${selector}`,
    (_type, object, at) => {
      const owner = object.metadata.ownerReferences?.find((o) => o.kind === 'Job');
      const track = byJob.get(`${object.metadata.namespace ?? ''}/${owner?.name ?? ''}`);
      if (track === undefined) return;
      track.pods.add(keyOf(object));
      if (track.podTerminatedAt !== undefined) return;
      track.podName = keyOf(object);
      if (isTerminated(object)) track.podTerminatedAt = wallClock(at);
    },
    onEnd,
  );
  const stopJobs = await follow(
    http,
    `/apis/batch/v1/jobs?labelSelector=${selector}`,
    (_type, object, at) => {
      const track = byJob.get(keyOf(object));
      if (track === undefined || track.jobFinishedAt !== undefined) return;
      if (isFinished(object)) track.jobFinishedAt = wallClock(at);
    },
    onEnd,
  );
  return {
    allRecorded: async (timeoutMs) => {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        if (failed !== undefined) throw failed;
        const missing = [...tracks.values()].filter((t) => t.statusAt === undefined).length;
        if (missing === 0) return;
        if (performance.now() > deadline) {
          say(`${missing} results still not in status after ${timeoutMs / 1000} s`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    },
    outcomes: () => tally([...outcomes.values()]),
    stop: () => {
      stopChecks();
      stopPods();
      stopJobs();
    },
  };
}

function perRun(rows: readonly RequestRow[], runs: number): string {
  return (rows.reduce((sum, row) => sum + row.count, 0) / runs).toFixed(1);
}

async function cpuOf(
  processes: readonly { name: string; pid: number }[],
): Promise<Record<string, number>> {
  const entries = await Promise.all(
    processes.map(async (p) => [p.name, await cpuSecondsWithChildren(p.pid)] as const),
  );
  return Object.fromEntries(entries);
}

function tally(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

// watchRestartsOf reads awscheck_watch_restarts_total by cache and reason.
function watchRestartsOf(metrics: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [, labels, value] of metrics.matchAll(
    /^awscheck_watch_restarts_total\{([^}]*)\} (\S+)$/gm,
  )) {
    const cache = /cache="([^"]*)"/.exec(labels ?? '')?.[1] ?? '';
    const reason = /reason="([^"]*)"/.exec(labels ?? '')?.[1] ?? '';
    counts[`${cache} ${reason}`] = Number(value);
  }
  return counts;
}

function between(from: number | undefined, to: number | undefined): number[] {
  return from === undefined || to === undefined ? [] : [to - from];
}

function isFinished(job: KubeObject): boolean {
  const status = job.status as { conditions?: { type: string; status: string }[] } | undefined;
  return (
    status?.conditions?.some(
      (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
    ) ?? false
  );
}

function isTerminated(pod: KubeObject): boolean {
  const status = pod.status as
    { containerStatuses?: { state?: { terminated?: object } }[] } | undefined;
  return status?.containerStatuses?.some((c) => c.state?.terminated !== undefined) ?? false;
}

interface Asking {
  readonly token: string;
  readonly seconds: number;
  readonly maxInFlight: number;
  /** When to stop waiting for runs to end and fail. */
  readonly timeoutMs: number;
}

// ask sets the run-now annotation on every check, the asks spread evenly over `seconds`,
// holding an ask back while `maxInFlight` asked runs have no terminated Pod yet: the pod
// runner starts every Pod at once, and a host process per Pod must not exhaust the machine.
async function ask(
  http: KubeHttp,
  tracks: RunTrack[],
  { token, seconds, maxInFlight, timeoutMs }: Asking,
): Promise<void> {
  const started = performance.now();
  const gapMs = (seconds * 1000) / tracks.length;
  const inFlight = (): number =>
    tracks.filter((t) => t.askedAt !== undefined && t.podTerminatedAt === undefined).length;
  await inBatches(tracks, 64, async (track, i) => {
    const wait = started + i * gapMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    while (inFlight() >= maxInFlight) {
      if (performance.now() - started > seconds * 1000 + timeoutMs) {
        const asked = tracks.filter((t) => t.askedAt !== undefined);
        const podded = asked.filter((t) => t.podName !== undefined).length;
        throw new Error(
          `${inFlight()} asked runs have not ended after ${timeoutMs / 1000} s: ${asked.length} asked, ${podded} with a Pod seen, ${asked.length - inFlight()} Pods terminated`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const [namespace, name] = track.key.split('/');
    track.askedAt = performance.now();
    await http.sendOk({
      method: 'PATCH',
      path: `${CUSTOM_API}/namespaces/${namespace ?? ''}/awschecks/${name ?? ''}`,
      body: { metadata: { annotations: { [RUN_NOW_ANNOTATION]: token } } },
      contentType: 'application/merge-patch+json',
    });
  });
}

const EXIT_LINE = /^(\S+) (\S+\/\S+): exited \d+/;

// runnerExits reads when the pod runner saw each checker process exit, from its own log.
async function runnerExits(env: TestEnvInfo): Promise<Map<string, number>> {
  const runner = env.processes.find((p) => p.name === 'pod-runner');
  if (runner === undefined) throw new Error('the environment has no pod runner');
  const exits = new Map<string, number>();
  for (const line of (await readFile(runner.logFile, 'utf8')).split('\n')) {
    const match = EXIT_LINE.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined)
      exits.set(match[2], Date.parse(match[1]));
  }
  return exits;
}

async function eventsPerCheck(
  http: KubeHttp,
  tracks: readonly RunTrack[],
): Promise<Record<string, number>> {
  const list = await http.sendOk<{
    items: { involvedObject: { namespace?: string; name?: string }; count?: number }[];
  }>({
    method: 'GET',
    path: `/api/v1/events?fieldSelector=${encodeURIComponent('involvedObject.kind=AwsCheck')}`,
  });
  const perCheck = new Map<string, number>(tracks.map((t) => [t.key, 0]));
  for (const event of list.items) {
    const key = `${event.involvedObject.namespace ?? ''}/${event.involvedObject.name ?? ''}`;
    if (perCheck.has(key)) perCheck.set(key, (perCheck.get(key) ?? 0) + (event.count ?? 1));
  }
  const histogram: Record<string, number> = {};
  for (const count of perCheck.values()) {
    const bucket = count > 1 ? 'more than 1' : String(count);
    histogram[bucket] = (histogram[bucket] ?? 0) + 1;
  }
  return histogram;
}

function latency(values: number[]): Latency {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number): number =>
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
  return { count: sorted.length, p50: at(50), p99: at(99), max: sorted.at(-1) ?? NaN };
}

const verdict = (met: boolean): string => (met ? 'target met' : 'TARGET MISSED');

/** formatRunResults prints the report as the other benchmarks print theirs. */
export function formatRunResults(report: RunResultsReport): string {
  const { options } = report;
  const events = report.eventsPerCheck;
  const once =
    report.lost === 0 &&
    report.rewritten === 0 &&
    (events['1'] ?? 0) === options.checks &&
    report.runsCounted === options.checks &&
    report.duplicateEventCreates === 0;
  // The load asked for: that many runs ending within one minute of each other.
  const finishedInMinute = report.exitSpanSeconds <= 60;
  const row = (name: string, l: Latency): string =>
    `| ${name} | ${l.count} | ${l.p50.toFixed(0)} | ${l.p99.toFixed(0)} | ${l.max.toFixed(0)} |`;
  return [
    `\nrun results at scale: ${options.checks} checks in ${options.namespaces} namespaces, one run-now each, asked over ${report.askedSeconds.toFixed(1)} s (at most ${options.maxInFlight} runs in flight)${options.cannedChecker ? '; every checker run CANNED (a success written by the pod runner, no checker process)' : ''}; kube-controller-manager ${options.controllerManager ? `at ${String(options.controllerManager.qps)} QPS, ${String(options.controllerManager.jobSyncs)} Job syncs` : "at kube's defaults (20 QPS, 5 Job syncs)"}; operator env ${JSON.stringify({ ...PRODUCTION_ENV, ...options.operatorEnv })}`,
    `the runs ended within ${report.exitSpanSeconds.toFixed(1)} s (first checker exit to last); the last checker exited ${report.lastExitSeconds.toFixed(1)} s after the first ask, the last result was in status at ${report.lastStatusSeconds.toFixed(1)} s; ${report.podsTerminated} Pods seen terminated; outcomes ${JSON.stringify(report.outcomes)}`,
    '| latency to the status write | runs | p50 ms | p99 ms | max ms |',
    '| --- | ---: | ---: | ---: | ---: |',
    row("checker exit (pod runner's log) → check status on a watch", report.exitToStatus),
    row('Pod terminated on a watch → check status on a watch', report.podToStatus),
    row('  of which Pod terminated → Job Complete (kube-controller-manager)', report.podToJob),
    row('  of which Job Complete → check status (the operator)', report.jobToStatus),
    '',
    '| exactly once | value |',
    '| --- | ---: |',
    `| results lost (no lastRun for its run) | ${report.lost} |`,
    `| results written twice (lastRun rewritten) | ${report.rewritten} |`,
    `| checks by run Events (want all at 1) | ${JSON.stringify(events)} |`,
    `| awscheck_runs_total grew by (want ${options.checks}) | ${report.runsCounted} |`,
    `| Event creates refused as duplicates (409) | ${report.duplicateEventCreates} |`,
    `| Jobs by Pods made (want all at 1) | ${JSON.stringify(report.podsPerJob)} |`,
    `| the operator's watches resumed, by cache and reason | ${JSON.stringify(report.watchRestarts)} |`,
    `| watches the apiserver closed as unresponsive (all clients), by resource | ${JSON.stringify(report.terminatedWatchers)} |`,
    `CPU seconds from the first ask to the last result, by process: ${Object.entries(
      report.cpuByProcess,
    )
      .sort(([, a], [, b]) => b - a)
      .map(([name, seconds]) => `${name} ${seconds.toFixed(1)}`)
      .join(', ')}`,
    `\napiserver requests from the first ask to the end: ${perRun(report.requests, options.checks)} per run`,
    formatRequests(report.requests),
    `every result in status exactly once: ${verdict(once)}; ${options.checks} runs ending within a minute: ${verdict(finishedInMinute)}; operator peak RSS ${report.operator.peakRssMiB.toFixed(0)} MiB, CPU ${report.operator.cpuSeconds.toFixed(1)} s`,
  ].join('\n');
}
