// Evaluate: from everything gathered about one AwsCheck, the state it should be in. Pure,
// so every rule is a table test: the CronJob to apply, the Jobs to start and delete, the
// status to write and the Events to record.
import type { V1CronJob, V1Job } from '@kubernetes/client-node';
import {
  MAX_RECORDED_RUNS,
  MAX_RUN_NOW_TOKEN,
  type AwsCheck,
  type AwsCheckStatus,
} from '../api/v1alpha1/awscheck.ts';
import type { AwsCredentialRef } from '../api/v1alpha1/awscredentialref.ts';
import type { OperatorConfig } from '../config.ts';
import { GENERATION_ANNOTATION, RUN_NOW_ANNOTATION } from '../labels.ts';
import type { CredentialInput } from './checker-pod.ts';
import { findCondition, setConditions, type ConditionInput } from './conditions.ts';
import { desiredCronJob, desiredRunJob } from './cronjob.ts';
import { generationJobName, runNowJobName } from './names.ts';
import { isControlledBy } from './ownership.ts';
import {
  judgeRun,
  waitsInContainerCreating,
  type LastRun,
  type RunObservation,
  type RunVerdict,
} from './run-outcome.ts';
import { nextScheduleTime, toKubeTime } from './schedule.ts';
import { runsQueued, type PlanGate } from './plan-limits.ts';
import { QUOTA_EXCEEDED } from './refusal.ts';

/** CheckFacts is everything gathered about one AwsCheck. */
export interface CheckFacts {
  readonly check: AwsCheck;
  /** The referenced credential ref, parsed; a message when it is missing or invalid. */
  readonly credential: AwsCredentialRef | { readonly problem: string };
  readonly externalId: string;
  /** The tenant plan's verdict on the check: whether it may run, with what resources. */
  readonly plan: PlanGate;
  /** Every Job this check controls, directly or through its CronJob, with its Pod. */
  readonly runs: readonly RunObservation[];
  readonly now: Date;
}

/** RecordedEvent is an Event about the AwsCheck; `key` makes its name unique and stable. */
export interface RecordedEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
  readonly key: string;
}

/** CheckPlan is what the controller writes. */
export interface CheckPlan {
  readonly cronJob: V1CronJob | undefined;
  /** Runs to start. */
  readonly jobs: readonly V1Job[];
  /** Recorded runs beyond the history kept, to delete. */
  readonly deletions: readonly string[];
  readonly status: AwsCheckStatus;
  /** Events for the runs this status records for the first time. */
  readonly events: readonly RecordedEvent[];
  /** When to look again although nothing changes: a run waits for its Pod's end. */
  readonly requeueAfterMs: number | undefined;
  /**
   * waitsOnKubelet: a run's checker waits in ContainerCreating, where the kubelet reports a
   * volume it cannot mount only as an Event, which changes no watched object: look again
   * after the key's growing backoff.
   */
  readonly waitsOnKubelet: boolean;
}

type Gate =
  | { ok: true; credential: CredentialInput; ready: ConditionInput }
  | { ok: false; ready: ConditionInput };

/** JudgedRun is a run and where it stands. */
export interface JudgedRun {
  readonly observed: RunObservation;
  readonly verdict: RunVerdict;
}

/** judgeRuns judges every run at `now`. */
export function judgeRuns(runs: readonly RunObservation[], now: Date): JudgedRun[] {
  return runs.map((observed) => ({ observed, verdict: judgeRun(observed, now) }));
}

/**
 * planCheck decides the desired state of one AwsCheck. A check its plan forbids gets no
 * CronJob (an existing one is suspended by the writer) and no runs; one its plan allows
 * runs with the plan's checker resources.
 */
export function planCheck(facts: CheckFacts, operatorConfig: OperatorConfig): CheckPlan {
  const { check, now } = facts;
  const config = withPlanResources(operatorConfig, facts.plan);
  const generation = check.metadata.generation ?? 0;
  const judged = judgeRuns(withReportedBlocks(facts.runs, check.status), now);
  const folded = foldRuns(check.status ?? {}, judged);
  const gate = setupGate(facts, config);
  const queued = runsQueued(facts.plan);
  const cronJob = gate.ok ? desiredCronJob(check, gate.credential, config, queued) : undefined;
  const jobs = gate.ok ? runsToStart(facts, folded.status, gate.credential, config) : [];
  const ready = gate.ok ? (runProblem(check, judged) ?? gate.ready) : gate.ready;
  const conditions = [ready, healthyCondition(folded.status.lastRun, generation)];
  const status: AwsCheckStatus = {
    ...withoutScheduleFields(folded.status),
    ...(gate.ok && scheduleStatus(facts, cronJob)),
    observedGeneration: generation,
    conditions: setConditions(check.status?.conditions, withKstatus(conditions), generation, now),
  };
  return {
    cronJob,
    jobs,
    deletions: recordedToDelete(facts, judged, folded.status.recordedRuns, config.jobHistory),
    status,
    events: folded.events,
    requeueAfterMs: settleDelay(judged, now),
    waitsOnKubelet: judged.some(
      ({ observed, verdict }) =>
        (verdict.state === 'Running' || verdict.state === 'Blocked') &&
        waitsInContainerCreating(observed.pod),
    ),
  };
}

/**
 * withReportedBlocks adds to each run why it could not start as the current status reports
 * it (Ready RunNotStarting names the run), so a run that ends at its deadline says why
 * although the Job controller has removed its Pod by then.
 */
export function withReportedBlocks(
  runs: readonly RunObservation[],
  status: AwsCheckStatus | undefined,
): RunObservation[] {
  const ready = findCondition(status?.conditions, 'Ready');
  if (ready?.reason !== RUN_NOT_STARTING) return [...runs];
  return runs.map((run) => {
    const prefix = blockPrefix(run.job.metadata?.name ?? '');
    if (!ready.message.startsWith(prefix)) return run;
    return { ...run, reportedBlock: ready.message.slice(prefix.length) };
  });
}

// blockPrefix starts the Ready message of a run that cannot start.
function blockPrefix(jobName: string): string {
  return `run ${jobName}: `;
}

/**
 * withPlanResources is the configuration a check's pods are built with: the plan's checker
 * CPU and memory in a tenant namespace, the operator's configured ones elsewhere.
 */
export function withPlanResources(config: OperatorConfig, plan: PlanGate): OperatorConfig {
  if (!plan.ok || plan.resources === undefined) return config;
  return { ...config, checkerResources: plan.resources };
}

// withoutScheduleFields drops what only a scheduled check has; scheduleStatus adds it back.
function withoutScheduleFields(status: AwsCheckStatus): AwsCheckStatus {
  const kept = { ...status };
  delete kept.cronJobName;
  delete kept.nextScheduleTime;
  return kept;
}

// scheduleStatus: the CronJob's name, when it runs next, and the run-now token handled.
function scheduleStatus(facts: CheckFacts, cronJob: V1CronJob | undefined): AwsCheckStatus {
  const { spec } = facts.check;
  const token = validRunNowToken(facts.check);
  const next = spec.suspend ? undefined : nextScheduleTime(spec.schedule, spec.timeZone, facts.now);
  return {
    ...(cronJob?.metadata?.name !== undefined && { cronJobName: cronJob.metadata.name }),
    ...(next !== undefined && { nextScheduleTime: toKubeTime(next) }),
    ...(token !== undefined && { runNowToken: token }),
  };
}

// setupGate: a check can be scheduled once its credential ref exists, is valid and may be
// used. A credential ref that exists but is not Ready (bad keys) still gets runs scheduled:
// each run tests the credentials again, so rotating the Secret heals the check on its own.
function setupGate(facts: CheckFacts, config: OperatorConfig): Gate {
  const { credential } = facts;
  if (!facts.plan.ok) return { ok: false, ready: facts.plan.ready };
  const name = facts.check.spec.credentialRef.name;
  if ('problem' in credential) {
    return { ok: false, ready: notReady('InvalidConfiguration', credential.problem) };
  }
  if (credential.spec.assumeRole && !credential.spec.secretRef && !config.platformIdentity) {
    const message = `AwsCredentialRef ${name} assumes a role from the platform identity, which this operator does not allow; add secretRef`;
    return { ok: false, ready: notReady('InvalidConfiguration', message) };
  }
  const scheduleError = scheduleProblem(facts.check.spec, facts.now);
  if (scheduleError !== undefined)
    return { ok: false, ready: notReady('InvalidConfiguration', scheduleError) };
  const input = { refName: name, spec: credential.spec, externalId: facts.externalId };
  return { ok: true, credential: input, ready: credentialReadiness(credential) ?? SCHEDULED };
}

const SCHEDULED: ConditionInput = {
  type: 'Ready',
  status: 'True',
  reason: 'Scheduled',
  message: 'The CronJob is in place and the credentials are valid',
};

// scheduleProblem: a schedule or time zone the CRD's pattern lets through but no cron
// reader accepts (a reversed range, an unknown zone) is bad input, reported, never thrown.
function scheduleProblem(spec: AwsCheck['spec'], now: Date): string | undefined {
  try {
    nextScheduleTime(spec.schedule, spec.timeZone, now);
    return undefined;
  } catch (error) {
    const zone = spec.timeZone === undefined ? '' : ` in time zone ${spec.timeZone}`;
    return `schedule "${spec.schedule}"${zone} is invalid: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function notReady(reason: string, message: string): ConditionInput {
  return { type: 'Ready', status: 'False', reason, message };
}

// runProblem: what keeps the scheduled check from running as asked, though it is set up:
// a run whose checker cannot start (reported while the kubelet retries, recorded only once
// the run is over), or a run-now token too long to record.
function runProblem(check: AwsCheck, judged: readonly JudgedRun[]): ConditionInput | undefined {
  const token = check.metadata.annotations?.[RUN_NOW_ANNOTATION];
  if (token !== undefined && token.length > MAX_RUN_NOW_TOKEN) {
    const message = `the ${RUN_NOW_ANNOTATION} annotation is ${String(token.length)} characters long; at most ${String(MAX_RUN_NOW_TOKEN)} are allowed, so no run was started`;
    return notReady('InvalidConfiguration', message);
  }
  for (const { observed, verdict } of judged) {
    if (verdict.state !== 'Blocked') continue;
    const message = `${blockPrefix(observed.job.metadata?.name ?? '')}${verdict.message}`;
    return notReady(RUN_NOT_STARTING, message);
  }
  return undefined;
}

/** RUN_NOT_STARTING: a run's checker waits on the kubelet (image pull, a missing Secret). */
const RUN_NOT_STARTING = 'RunNotStarting';

/** HEALING_REASONS are Ready reasons that clear by themselves: kstatus Reconciling. */
const HEALING_REASONS = new Set(['CredentialsPending', RUN_NOT_STARTING, QUOTA_EXCEEDED]);

function validRunNowToken(check: AwsCheck): string | undefined {
  const token = check.metadata.annotations?.[RUN_NOW_ANNOTATION];
  return token !== undefined && token.length <= MAX_RUN_NOW_TOKEN ? token : undefined;
}

// runsToStart: one run for each new spec (firstRun: Immediately) and one per run-now token.
function runsToStart(
  facts: CheckFacts,
  status: AwsCheckStatus,
  credential: CredentialInput,
  config: OperatorConfig,
): V1Job[] {
  const { check } = facts;
  const { name, uid = '' } = check.metadata;
  const queued = runsQueued(facts.plan);
  const jobs: V1Job[] = [];
  if (needsGenerationRun(facts, status)) {
    const job = {
      name: generationJobName(name, uid, check.metadata.generation ?? 0),
      run: 'initial',
      queued,
    } as const;
    jobs.push(desiredRunJob(check, credential, config, job));
  }
  const token = validRunNowToken(check);
  if (token !== undefined && token !== check.status?.runNowToken) {
    const job = { name: runNowJobName(name, uid, token), run: 'run-now', queued } as const;
    jobs.push(desiredRunJob(check, credential, config, job));
  }
  return jobs;
}

// needsGenerationRun: the spec has no run of its own yet, recorded or under way.
function needsGenerationRun(facts: CheckFacts, status: AwsCheckStatus): boolean {
  const { spec, metadata } = facts.check;
  const generation = metadata.generation ?? 0;
  if (spec.firstRun !== 'Immediately' || spec.suspend) return false;
  if ((status.lastRun?.generation ?? -1) >= generation) return false;
  return !facts.runs.some((run) => jobGeneration(run.job) === generation);
}

function jobGeneration(job: V1Job): number | undefined {
  const text = job.metadata?.annotations?.[GENERATION_ANNOTATION];
  return text === undefined ? undefined : Number(text);
}

interface Folded {
  readonly status: AwsCheckStatus;
  readonly events: RecordedEvent[];
}

/**
 * foldRuns counts every run that is over and not yet counted, in the order they ended
 * (ties broken by Job name). The status alone says what was counted: `recordedRuns` names
 * the Jobs still in the cluster whose runs are in it, so whatever order Jobs and Pods
 * arrive in and however often the operator restarts between writes, no run is counted
 * twice and none is skipped. A run becomes `lastRun` (and moves consecutiveFailures and
 * lastSuccessfulTime) only if it ended after it and ran for a spec at least as new; a run
 * that arrives late still gets its Event. A run whose Pod's end is not seen yet holds back
 * every run that ended after it.
 */
export function foldRuns(current: AwsCheckStatus, judged: readonly JudgedRun[]): Folded {
  const finished = judged.flatMap(({ verdict }) =>
    verdict.state === 'Finished' ? [verdict.run] : [],
  );
  const recorded = recordedSet(current, finished);
  // A counted run stays counted while its Job exists, whatever its Pod shows later (a Pod
  // confirmed gone is not asked about again, and then looks unsettled): it holds nothing
  // back and is never counted a second time.
  const settling = judged
    .filter(({ observed }) => !recorded.has(jobNameOf(observed)))
    .map(({ observed, verdict }) =>
      verdict.state === 'Settling' ? settlingKey(observed) : undefined,
    )
    .filter((key): key is RunKey => key !== undefined)
    .sort(compareKeys)[0];
  const fresh = finished
    .filter((run) => !recorded.has(run.jobName))
    .filter((run) => settling === undefined || compareKeys(keyOf(run), settling) < 0)
    .sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
  let status = current;
  for (const run of fresh) {
    recorded.add(run.jobName);
    if (replaces(run, status.lastRun)) status = withLastRun(status, run);
  }
  return {
    status: withRecordedRuns(status, recordedRunsOf(recorded, judged)),
    events: fresh.map(runEvent),
  };
}

// recordedSet: the Jobs already counted. A status from before recordedRuns existed counted
// every run up to its lastRun.
function recordedSet(current: AwsCheckStatus, finished: readonly LastRun[]): Set<string> {
  if (current.recordedRuns !== undefined) return new Set(current.recordedRuns);
  const last = current.lastRun;
  if (last === undefined) return new Set();
  const counted = finished.filter((run) => compareKeys(keyOf(run), keyOf(last)) <= 0);
  return new Set(counted.map((run) => run.jobName));
}

// recordedRunsOf keeps the names of counted Jobs that still exist (a deleted Job never comes
// back), finished or not as they look now, the newest first when there are more than the
// status holds.
function recordedRunsOf(recorded: ReadonlySet<string>, judged: readonly JudgedRun[]): string[] {
  return judged
    .map(({ observed, verdict }) =>
      verdict.state === 'Finished' ? keyOf(verdict.run) : settlingKey(observed),
    )
    .filter(([, jobName]) => recorded.has(jobName))
    .sort((a, b) => compareKeys(b, a))
    .slice(0, MAX_RECORDED_RUNS)
    .map(([, jobName]) => jobName)
    .sort();
}

function jobNameOf({ job }: RunObservation): string {
  return job.metadata?.name ?? '';
}

// withRecordedRuns sets the list once a run was counted, empty when none of those Jobs
// remains (no list at all means a status from before the list existed).
function withRecordedRuns(status: AwsCheckStatus, names: string[]): AwsCheckStatus {
  const kept = { ...status };
  delete kept.recordedRuns;
  return status.lastRun === undefined && names.length === 0
    ? kept
    : { ...kept, recordedRuns: names };
}

// replaces: a run takes lastRun's place when it ended later and ran for a spec at least as
// new, so a run of an old spec that ends late never overrides a run of the current one.
function replaces(run: LastRun, last: LastRun | undefined): boolean {
  if (last === undefined) return true;
  if ((run.generation ?? -1) < (last.generation ?? -1)) return false;
  return compareKeys(keyOf(run), keyOf(last)) > 0;
}

function withLastRun(status: AwsCheckStatus, run: LastRun): AwsCheckStatus {
  const succeeded = run.outcome === 'Succeeded';
  return {
    ...status,
    lastRun: run,
    consecutiveFailures: succeeded ? 0 : (status.consecutiveFailures ?? 0) + 1,
    ...(succeeded && { lastSuccessfulTime: endOf(run) }),
  };
}

function runEvent(run: LastRun): RecordedEvent {
  const succeeded = run.outcome === 'Succeeded';
  return {
    type: succeeded ? 'Normal' : 'Warning',
    reason: succeeded ? 'RunSucceeded' : (run.reason ?? 'RunFailed'),
    message: `${run.jobName}: ${describeRun(run)}`,
    key: run.jobName,
  };
}

/** RunKey orders runs: by the time they ended, then by Job name. */
type RunKey = readonly [end: string, jobName: string];

function keyOf(run: LastRun): RunKey {
  return [endOf(run), run.jobName];
}

function settlingKey({ job }: RunObservation): RunKey {
  const finished = job.status?.conditions?.find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
  const end = job.status?.completionTime ?? finished?.lastTransitionTime ?? new Date(0);
  return [toKubeTime(end), job.metadata?.name ?? ''];
}

function compareKeys(a: RunKey, b: RunKey): number {
  return a[0].localeCompare(b[0]) || a[1].localeCompare(b[1]);
}

function endOf(run: LastRun): string {
  return run.completionTime ?? run.startTime;
}

// recordedToDelete: runs started outside the schedule (the CronJob prunes its own) are
// deleted once counted, keeping the newest `history` of them.
function recordedToDelete(
  facts: CheckFacts,
  judged: readonly JudgedRun[],
  recordedRuns: readonly string[] | undefined,
  history: number,
): string[] {
  const counted = new Set(recordedRuns);
  const uid = facts.check.metadata.uid;
  return judged
    .flatMap(({ observed, verdict }) =>
      verdict.state === 'Finished' && isControlledBy(observed.job, uid) ? [verdict.run] : [],
    )
    .filter((run) => counted.has(run.jobName))
    .sort((a, b) => compareKeys(keyOf(b), keyOf(a)))
    .slice(history)
    .map((run) => run.jobName);
}

// settleDelay: how long until a run waiting for its Pod's end must be judged again.
function settleDelay(judged: readonly JudgedRun[], now: Date): number | undefined {
  const bounds = judged.flatMap(({ verdict }) =>
    verdict.state === 'Settling' ? [verdict.untilMs] : [],
  );
  if (bounds.length === 0) return undefined;
  return Math.max(0, Math.min(...bounds) - now.getTime());
}

/** describeRun is a run's one-line summary, with the AWS error's code, request id, region and call. */
export function describeRun(run: LastRun): string {
  const error = run.error;
  if (error === undefined) return run.message;
  const where = [
    `code ${error.code}`,
    error.operation && `call ${error.operation}`,
    error.region && `region ${error.region}`,
    error.requestId && `request id ${error.requestId}`,
  ].filter(Boolean);
  return `${run.message} (${where.join(', ')})`;
}

// withKstatus adds Reconciling or Stalled when Ready is not True: a setup that heals by
// itself (credentials being validated, a checker the kubelet keeps trying to start) is
// Reconciling; anything that needs a person is Stalled.
function withKstatus(conditions: readonly ConditionInput[]): ConditionInput[] {
  const ready = conditions.find((c) => c.type === 'Ready');
  if (ready === undefined || ready.status === 'True') return [...conditions];
  const kind = HEALING_REASONS.has(ready.reason) ? 'Reconciling' : 'Stalled';
  return [
    ...conditions,
    { type: kind, status: 'True', reason: ready.reason, message: ready.message },
  ];
}

/**
 * healthyCondition is the verdict of the latest run, for the spec it ran for: once the spec
 * changes, the last run no longer speaks for the check (it may have counted another
 * service), so Healthy is Unknown until a run of the current generation ends.
 */
export function healthyCondition(lastRun: LastRun | undefined, generation: number): ConditionInput {
  if (lastRun === undefined) {
    return {
      type: 'Healthy',
      status: 'Unknown',
      reason: 'AwaitingFirstRun',
      message: 'No run has finished yet',
    };
  }
  if ((lastRun.generation ?? -1) < generation) {
    const ranFor =
      lastRun.generation === undefined
        ? 'an earlier spec'
        : `generation ${String(lastRun.generation)}`;
    return {
      type: 'Healthy',
      status: 'Unknown',
      reason: 'AwaitingFirstRun',
      message: `The spec changed (generation ${String(generation)}) and no run of it has finished; the last run was for ${ranFor}: ${describeRun(lastRun)}`,
    };
  }
  if (lastRun.outcome === 'Succeeded') {
    return {
      type: 'Healthy',
      status: 'True',
      reason: 'RunSucceeded',
      message: describeRun(lastRun),
    };
  }
  return {
    type: 'Healthy',
    status: 'False',
    reason: lastRun.reason ?? 'RunAborted',
    message: describeRun(lastRun),
  };
}

/** credentialReadiness turns a credential ref that is not Ready into the check's Ready. */
export function credentialReadiness(credential: AwsCredentialRef): ConditionInput | undefined {
  const ready = findCondition(credential.status?.conditions, 'Ready');
  if (ready?.status === 'True') return undefined;
  const why = ready ? `${ready.reason}: ${ready.message}` : 'not validated yet';
  return notReady(
    ready?.reason ?? 'CredentialsPending',
    `AwsCredentialRef ${credential.metadata.name} is not ready: ${why}`,
  );
}

/**
 * refusedStatus is the status of a check whose child the apiserver refused (a 4xx other
 * than a conflict: a schedule the CronJob controller rejects, a name taken by an object
 * that is not ours, a Job admission refuses): not Ready, the apiserver's own words in the
 * message, Stalled until the spec or the cluster changes, or Reconciling for a quota that
 * frees itself as runs end (QuotaExceeded); Healthy stays as it was.
 */
export function refusedStatus(
  status: AwsCheckStatus,
  refusal: { readonly reason: string; readonly message: string },
  generation: number,
  now: Date,
): AwsCheckStatus {
  const ready = notReady(refusal.reason, refusal.message);
  const kind = HEALING_REASONS.has(ready.reason) ? 'Reconciling' : 'Stalled';
  const healthy = status.conditions?.find((c) => c.type === 'Healthy');
  const updates: ConditionInput[] = [
    ready,
    ...(healthy
      ? [
          {
            type: 'Healthy',
            status: healthy.status,
            reason: healthy.reason,
            message: healthy.message,
          },
        ]
      : []),
    { type: kind, status: 'True', reason: ready.reason, message: ready.message },
  ];
  const kept = kind === 'Stalled' ? withoutScheduleFields(status) : status;
  return { ...kept, conditions: setConditions(status.conditions, updates, generation, now) };
}
