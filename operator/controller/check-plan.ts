// Evaluate: from everything gathered about one AwsCheck, the state it should be in. Pure,
// so every rule is a table test: the CronJob to apply, the Jobs to start, the status to
// write and the Events to record.
import type { V1CronJob, V1Job } from '@kubernetes/client-node';
import type { AwsCheck, AwsCheckStatus } from '../api/v1alpha1/awscheck.ts';
import type { AwsCredentialRef } from '../api/v1alpha1/awscredentialref.ts';
import type { OperatorConfig } from '../config.ts';
import { RECORDED_LABEL, RUN_NOW_ANNOTATION } from '../labels.ts';
import type { CredentialInput } from './checker-pod.ts';
import { findCondition, setConditions, type ConditionInput } from './conditions.ts';
import { desiredCronJob, desiredRunJob } from './cronjob.ts';
import { initialJobName, runNowJobName } from './names.ts';
import { runOutcome, type LastRun, type RunObservation } from './run-outcome.ts';
import { nextScheduleTime, toKubeTime } from './schedule.ts';

/** CheckFacts is everything gathered about one AwsCheck. */
export interface CheckFacts {
  readonly check: AwsCheck;
  /** The referenced credential ref, parsed; a message when it is missing or invalid. */
  readonly credential: AwsCredentialRef | { readonly problem: string };
  readonly externalId: string;
  /** Every Job of this check that still exists, with its Pod. */
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
  readonly jobs: readonly V1Job[];
  readonly status: AwsCheckStatus;
  readonly events: readonly RecordedEvent[];
  /** Jobs whose runs the status now includes: label them recorded after writing it. */
  readonly recorded: readonly string[];
}

type Gate =
  | { ok: true; credential: CredentialInput; ready: ConditionInput }
  | { ok: false; ready: ConditionInput };

/** planCheck decides the desired state of one AwsCheck. */
export function planCheck(facts: CheckFacts, config: OperatorConfig): CheckPlan {
  const { check } = facts;
  const generation = check.metadata.generation ?? 0;
  const gate = setupGate(facts, config);
  const folded = foldRuns(check.status ?? {}, facts.runs);
  const cronJob = gate.ok ? desiredCronJob(check, gate.credential, config) : undefined;
  const jobs = gate.ok ? runsToStart(facts, gate.credential, config) : [];
  const kept = withoutScheduleFields(folded.status);
  const conditions = conditionsFor(gate, folded.status.lastRun);
  const status: AwsCheckStatus = {
    ...kept,
    ...(gate.ok && scheduleStatus(facts, cronJob)),
    observedGeneration: generation,
    conditions: setConditions(check.status?.conditions, conditions, generation, facts.now),
  };
  return { cronJob, jobs, status, events: folded.events, recorded: folded.recorded };
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
  const { spec, metadata } = facts.check;
  const token = metadata.annotations?.[RUN_NOW_ANNOTATION];
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

// runsToStart: the first run right after creation, and one run per new run-now token.
function runsToStart(
  facts: CheckFacts,
  credential: CredentialInput,
  config: OperatorConfig,
): V1Job[] {
  const { check, runs } = facts;
  const jobs: V1Job[] = [];
  const name = check.metadata.name;
  const firstEver = check.status?.lastRun === undefined && runs.length === 0;
  if (check.spec.firstRun === 'Immediately' && !check.spec.suspend && firstEver) {
    jobs.push(
      desiredRunJob(check, credential, config, { name: initialJobName(name), run: 'initial' }),
    );
  }
  const token = check.metadata.annotations?.[RUN_NOW_ANNOTATION];
  if (token !== undefined && token !== check.status?.runNowToken) {
    jobs.push(
      desiredRunJob(check, credential, config, {
        name: runNowJobName(name, token),
        run: 'run-now',
      }),
    );
  }
  return jobs;
}

interface Folded {
  readonly status: AwsCheckStatus;
  readonly events: RecordedEvent[];
  /** The Jobs folded in, to be labelled recorded once the status is written. */
  readonly recorded: string[];
}

/**
 * foldRuns adds every run that ended and is not yet recorded to the status, in the order
 * they ended: lastRun, consecutiveFailures and lastSuccessfulTime. A run is recorded when
 * its Job carries RECORDED_LABEL or it is the status's lastRun (the label may not have been
 * written when the operator stopped), so a restart neither loses nor double-counts a run.
 */
export function foldRuns(current: AwsCheckStatus, runs: readonly RunObservation[]): Folded {
  const fresh = runs
    .filter(({ job }) => job.metadata?.labels?.[RECORDED_LABEL] === undefined)
    .map(runOutcome)
    .filter((run): run is LastRun => run !== undefined && run.jobName !== current.lastRun?.jobName)
    .sort((a, b) => endOf(a).localeCompare(endOf(b)) || a.jobName.localeCompare(b.jobName));
  let status = current;
  const events: RecordedEvent[] = [];
  for (const run of fresh) {
    const succeeded = run.outcome === 'Succeeded';
    status = {
      ...status,
      lastRun: run,
      consecutiveFailures: succeeded ? 0 : (status.consecutiveFailures ?? 0) + 1,
      ...(succeeded && { lastSuccessfulTime: endOf(run) }),
    };
    events.push({
      type: succeeded ? 'Normal' : 'Warning',
      reason: succeeded ? 'RunSucceeded' : (run.reason ?? 'RunFailed'),
      message: `${run.jobName}: ${describeRun(run)}`,
      key: run.jobName,
    });
  }
  return { status, events, recorded: fresh.map((run) => run.jobName) };
}

function endOf(run: LastRun): string {
  return run.completionTime ?? run.startTime;
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

function conditionsFor(gate: Gate, lastRun: LastRun | undefined): ConditionInput[] {
  const conditions = [gate.ready, healthyCondition(lastRun)];
  if (gate.ready.status === 'True') return conditions;
  const { reason, message } = gate.ready;
  const kind = reason === 'CredentialsPending' ? 'Reconciling' : 'Stalled';
  return [...conditions, { type: kind, status: 'True', reason, message }];
}

function healthyCondition(lastRun: LastRun | undefined): ConditionInput {
  if (lastRun === undefined) {
    return {
      type: 'Healthy',
      status: 'Unknown',
      reason: 'AwaitingFirstRun',
      message: 'No run has finished yet',
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
 * refusedSchedule is the status of a check whose CronJob the apiserver refused (a schedule
 * or time zone the CronJob controller rejects): not Ready, stalled until the spec changes.
 */
export function refusedSchedule(
  status: AwsCheckStatus,
  message: string,
  generation: number,
  now: Date,
): AwsCheckStatus {
  const ready = notReady('InvalidConfiguration', `the CronJob was refused: ${message}`);
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
    { type: 'Stalled', status: 'True', reason: ready.reason, message: ready.message },
  ];
  const kept = withoutScheduleFields(status);
  return { ...kept, conditions: setConditions(status.conditions, updates, generation, now) };
}
