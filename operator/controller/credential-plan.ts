// Evaluate: the state an AwsCredentialRef should be in. Ready follows the newest evidence
// about its credentials: its latest validation run, or any check's run that authenticated
// (or failed to). Validation runs again: at once for a new spec or a new revalidate token,
// after a doubling delay while the credentials fail, and on a timer while they work, so a
// fixed trust policy or rotated key shows without anyone having to touch the ref.
// Pure, like check-plan.
import type { V1Job } from '@kubernetes/client-node';
import {
  MAX_REVALIDATE_TOKEN,
  type AwsCredentialRef,
  type AwsCredentialRefStatus,
  type Validation,
} from '../api/v1alpha1/awscredentialref.ts';
import type { OperatorConfig } from '../config.ts';
import {
  CREDENTIAL_LABEL,
  CREDENTIAL_NAME_ANNOTATION,
  GENERATION_ANNOTATION,
  MANAGED_BY,
  REVALIDATE_ANNOTATION,
  RUN_KIND_LABEL,
} from '../labels.ts';
import { checkerPodTemplate, validateArgs, type CredentialInput } from './checker-pod.ts';
import { describeRun } from './check-plan.ts';
import { setConditions, type ConditionInput } from './conditions.ts';
import { ownerReference } from './cronjob.ts';
import { labelValue, validationJobName } from './names.ts';
import { judgeRun, type LastRun, type RunObservation, type RunVerdict } from './run-outcome.ts';
import { toKubeTime } from './schedule.ts';
import { withPlanResources } from './check-plan.ts';
import { runsQueued, type PlanGate } from './plan-limits.ts';

/** VALIDATION_DEADLINE_SECONDS bounds a validation run. */
export const VALIDATION_DEADLINE_SECONDS = 120;

/** RETRY_BASE_MS is the delay before failed credentials are validated again the first time. */
export const RETRY_BASE_MS = 30_000;

/** CredentialFacts is everything gathered about one AwsCredentialRef. */
export interface CredentialFacts {
  readonly ref: AwsCredentialRef;
  readonly externalId: string;
  /** The tenant plan's verdict on the ref: whether it may be validated, with what resources. */
  readonly plan: PlanGate;
  /** Every validation run this ref controls (by UID), with its Pod. */
  readonly validations: readonly RunObservation[];
  /** The latest run of every AwsCheck that uses this ref. */
  readonly checkRuns: readonly { readonly check: string; readonly lastRun: LastRun }[];
  readonly now: Date;
}

/** CredentialPlan is what the controller writes. */
export interface CredentialPlan {
  readonly validationJob: V1Job | undefined;
  /** Validation runs no longer needed: recorded ones but the latest, and other generations'. */
  readonly deletions: readonly string[];
  readonly status: AwsCredentialRefStatus;
  /** When to look again although nothing changes: the next validation is due. */
  readonly requeueAfterMs: number | undefined;
}

interface Evidence {
  readonly time: string;
  readonly ready: ConditionInput;
  /** A check's run, not a validation of the ref's own. */
  readonly fromRun?: true;
}

interface JudgedValidation {
  readonly job: V1Job;
  readonly generation: number | undefined;
  readonly verdict: RunVerdict;
}

/**
 * planCredential decides the desired state of one AwsCredentialRef. A ref its plan forbids
 * (inactive, beyond maxCredentialRefs) is not validated and says why.
 */
export function planCredential(
  facts: CredentialFacts,
  operatorConfig: OperatorConfig,
): CredentialPlan {
  const { ref, now } = facts;
  const config = withPlanResources(operatorConfig, facts.plan);
  const generation = ref.metadata.generation ?? 0;
  const judged = facts.validations.map(({ job, pod }) => ({
    job,
    generation: generationOf(job),
    verdict: judgeRun({ job, pod }, now),
  }));
  const previous = ref.status ?? {};
  const recorded = { ...previous, ...recordValidation(previous, judged, generation) };
  const refused = facts.plan.ok ? refusal(ref, config) : facts.plan.ready;
  const next = refused === undefined ? schedule(facts, recorded, judged, config) : WAIT;
  const ready = refused ?? held(previous, newestEvidence(facts, recorded, generation)) ?? PENDING;
  const conditions = setConditions(previous.conditions, conditionsFor(ready), generation, now);
  const status: AwsCredentialRefStatus = {
    ...withoutSchedule(recorded),
    ...scheduleStatus(next),
    externalId: facts.externalId,
    observedGeneration: generation,
    conditions,
  };
  return {
    validationJob: next.start ? desiredValidationJob(facts, config, recorded) : undefined,
    deletions: validationsToDelete(judged, recorded, generation),
    status,
    requeueAfterMs: lookAgain(judged, next, now),
  };
}

// lookAgain: when the next validation is due, or sooner when a validation waits for its
// Pod's end to be seen.
function lookAgain(judged: readonly JudgedValidation[], next: Next, now: Date): number | undefined {
  const times = judged.flatMap(({ verdict }) =>
    verdict.state === 'Settling' ? [verdict.untilMs] : [],
  );
  if (!next.start && next.due !== undefined) times.push(next.due.getTime());
  return times.length === 0 ? undefined : Math.max(0, Math.min(...times) - now.getTime());
}

// scheduleStatus: when the next validation is due, or the revalidate token it handles.
function scheduleStatus(next: Next): AwsCredentialRefStatus {
  if (next.start) return next.token === undefined ? {} : { revalidateToken: next.token };
  return next.due === undefined ? {} : { nextValidationTime: toKubeTime(next.due) };
}

interface Next {
  /** Whether to start a validation now. */
  readonly start: boolean;
  /** When the next validation is due; undefined while one runs or none may run. */
  readonly due: Date | undefined;
  readonly token: string | undefined;
}

const WAIT: Next = { start: false, due: undefined, token: undefined };

// schedule: a validation starts when one is due and none of this generation is under way.
function schedule(
  facts: CredentialFacts,
  status: AwsCredentialRefStatus,
  judged: readonly JudgedValidation[],
  config: OperatorConfig,
): Next {
  const generation = facts.ref.metadata.generation ?? 0;
  const busy = judged.some((v) => v.generation === generation && v.verdict.state !== 'Finished');
  if (busy) return WAIT;
  const token = revalidateToken(facts.ref);
  const due = nextValidation(status, { generation, token, config, now: facts.now });
  return { start: due.getTime() <= facts.now.getTime(), due, token };
}

function withoutSchedule(status: AwsCredentialRefStatus): AwsCredentialRefStatus {
  const kept = { ...status };
  delete kept.nextValidationTime;
  return kept;
}

function generationOf(job: V1Job): number | undefined {
  const generation = Number(job.metadata?.annotations?.[GENERATION_ANNOTATION]);
  return Number.isSafeInteger(generation) ? generation : undefined;
}

function revalidateToken(ref: AwsCredentialRef): string | undefined {
  const token = ref.metadata.annotations?.[REVALIDATE_ANNOTATION];
  return token !== undefined && token.length <= MAX_REVALIDATE_TOKEN ? token : undefined;
}

/**
 * recordValidation folds in the newest validation of the current generation that ended
 * after the one the status records; like a check's runs, the status alone says what was
 * counted, so a restart never counts a validation twice or goes back to an older one.
 */
function recordValidation(
  status: AwsCredentialRefStatus,
  judged: readonly JudgedValidation[],
  generation: number,
): AwsCredentialRefStatus {
  const last = status.lastValidation;
  const newest = judged
    .filter((v) => v.generation === generation)
    .flatMap((v) => (v.verdict.state === 'Finished' ? [toValidation(v.verdict, generation)] : []))
    .filter((v) => last === undefined || compare(v, last) > 0)
    .sort((a, b) => compare(b, a))[0];
  if (newest === undefined) return {};
  const identity = newest.outcome === 'Succeeded' ? identityOf(judged, newest.jobName) : undefined;
  const failures = newest.outcome === 'Failed' ? (status.consecutiveFailures ?? 0) + 1 : 0;
  return {
    lastValidation: newest,
    consecutiveFailures: failures,
    ...(newest.outcome === 'Succeeded' && { lastValidatedTime: newest.completionTime }),
    ...(identity !== undefined && { identity }),
  };
}

function toValidation(
  verdict: Extract<RunVerdict, { state: 'Finished' }>,
  generation: number,
): Validation {
  const { run } = verdict;
  return {
    jobName: run.jobName,
    generation,
    completionTime: run.completionTime ?? run.startTime,
    outcome: run.outcome,
    ...(run.reason !== undefined && { reason: run.reason }),
    message: describeRun(run),
  };
}

function compare(a: Validation, b: Validation): number {
  return a.completionTime.localeCompare(b.completionTime) || a.jobName.localeCompare(b.jobName);
}

function identityOf(
  judged: readonly JudgedValidation[],
  jobName: string,
): AwsCredentialRefStatus['identity'] {
  const verdict = judged.find((v) => v.job.metadata?.name === jobName)?.verdict;
  if (verdict?.state !== 'Finished' || verdict.result?.kind !== 'validate') return undefined;
  return verdict.result.identity;
}

interface DueInput {
  readonly generation: number;
  readonly token: string | undefined;
  readonly config: OperatorConfig;
  readonly now: Date;
}

/**
 * nextValidation is when the credentials are due to be validated: now for a spec never
 * validated or a new revalidate token; after RETRY_BASE_MS doubling with each failure (at
 * most the revalidation interval) while they fail; after the interval while they work.
 */
export function nextValidation(status: AwsCredentialRefStatus, input: DueInput): Date {
  const last = status.lastValidation;
  const newToken = input.token !== undefined && input.token !== status.revalidateToken;
  if (last === undefined || last.generation !== input.generation || newToken) return input.now;
  const interval = input.config.revalidateMs;
  const failures = status.consecutiveFailures ?? 0;
  const delay =
    last.outcome === 'Failed'
      ? Math.min(interval, RETRY_BASE_MS * 2 ** Math.min(Math.max(failures - 1, 0), 20))
      : interval;
  return new Date(Date.parse(last.completionTime) + delay);
}

// validationsToDelete: every finished validation but the recorded latest, and any of an
// earlier generation (they say nothing about the current spec).
function validationsToDelete(
  judged: readonly JudgedValidation[],
  status: AwsCredentialRefStatus,
  generation: number,
): string[] {
  const keep = status.lastValidation?.jobName;
  return judged
    .filter((v) => v.generation !== generation || v.verdict.state === 'Finished')
    .map((v) => v.job.metadata?.name ?? '')
    .filter((name) => name !== '' && name !== keep);
}

function newestEvidence(
  facts: CredentialFacts,
  status: AwsCredentialRefStatus,
  generation: number,
): Evidence | undefined {
  return [validationEvidence(status, generation), ...facts.checkRuns.map(runEvidence)]
    .filter((e): e is Evidence => e !== undefined)
    .sort((a, b) => b.time.localeCompare(a.time))[0];
}

/**
 * held: a check's run that confirms the Ready state the ref already holds (same status,
 * same reason) leaves the condition as it is, its message naming the evidence that set it.
 * Otherwise every run of every check sharing the ref would rewrite the ref's status (its
 * message names the check), a write per run on one object at the busiest minute.
 */
function held(
  status: AwsCredentialRefStatus,
  newest: Evidence | undefined,
): ConditionInput | undefined {
  const current = status.conditions?.find((c) => c.type === 'Ready');
  const confirms =
    newest?.fromRun === true &&
    current?.status === newest.ready.status &&
    current.reason === newest.ready.reason;
  if (!confirms) return newest?.ready;
  return {
    type: 'Ready',
    status: current.status,
    reason: current.reason,
    message: current.message,
  };
}

const PENDING: ConditionInput = {
  type: 'Ready',
  status: 'Unknown',
  reason: 'CredentialsPending',
  message: 'The credentials are being validated',
};

function refusal(ref: AwsCredentialRef, config: OperatorConfig): ConditionInput | undefined {
  if (ref.spec.assumeRole && !ref.spec.secretRef && !config.platformIdentity) {
    return {
      type: 'Ready',
      status: 'False',
      reason: 'InvalidConfiguration',
      message:
        'assumeRole without secretRef starts from the platform identity, which this operator does not allow; add secretRef',
    };
  }
  const token = ref.metadata.annotations?.[REVALIDATE_ANNOTATION];
  if (token !== undefined && token.length > MAX_REVALIDATE_TOKEN) {
    return {
      type: 'Ready',
      status: 'False',
      reason: 'InvalidConfiguration',
      message: `the ${REVALIDATE_ANNOTATION} annotation is ${String(token.length)} characters long; at most ${String(MAX_REVALIDATE_TOKEN)} are allowed`,
    };
  }
  return undefined;
}

// validationEvidence: the recorded validation speaks for the current spec only.
function validationEvidence(
  status: AwsCredentialRefStatus,
  generation: number,
): Evidence | undefined {
  const last = status.lastValidation;
  if (last === undefined || last.generation !== generation) return undefined;
  const ready: ConditionInput =
    last.outcome === 'Succeeded'
      ? {
          type: 'Ready',
          status: 'True',
          reason: 'Validated',
          message: `Authenticated as ${status.identity?.arn ?? 'an unknown identity'}`,
        }
      : {
          type: 'Ready',
          status: 'False',
          reason: last.reason ?? 'RunAborted',
          message: `validation ${last.jobName}: ${last.message}`,
        };
  return { time: last.completionTime, ready };
}

// runEvidence: a check's run speaks for the credentials when it authenticated (any outcome
// but AuthenticationFailed past the STS call) or failed to.
function runEvidence({
  check,
  lastRun,
}: {
  check: string;
  lastRun: LastRun;
}): Evidence | undefined {
  const time = lastRun.completionTime ?? lastRun.startTime;
  if (lastRun.reason === 'AuthenticationFailed') {
    return {
      time,
      fromRun: true,
      ready: {
        type: 'Ready',
        status: 'False',
        reason: 'AuthenticationFailed',
        message: `run of AwsCheck ${check}: ${describeRun(lastRun)}`,
      },
    };
  }
  if (lastRun.outcome !== 'Succeeded') return undefined;
  return {
    time,
    fromRun: true,
    ready: {
      type: 'Ready',
      status: 'True',
      reason: 'Validated',
      message: `AwsCheck ${check} ran with these credentials`,
    },
  };
}

function conditionsFor(ready: ConditionInput): ConditionInput[] {
  if (ready.status === 'True') return [ready];
  const kind = ready.status === 'Unknown' ? 'Reconciling' : 'Stalled';
  return [ready, { type: kind, status: 'True', reason: ready.reason, message: ready.message }];
}

/**
 * desiredValidationJob is the short `checker validate` run the plan starts next; under a
 * plan it is created suspended, to wait for the namespace's run queue like every run.
 */
export function desiredValidationJob(
  facts: CredentialFacts,
  config: OperatorConfig,
  status: AwsCredentialRefStatus,
): V1Job {
  const { ref } = facts;
  const { name, uid = '', namespace } = ref.metadata;
  const generation = ref.metadata.generation ?? 0;
  const labels = {
    [MANAGED_BY.key]: MANAGED_BY.value,
    [CREDENTIAL_LABEL]: labelValue(name),
    [RUN_KIND_LABEL]: 'validate',
  };
  const annotations = { [CREDENTIAL_NAME_ANNOTATION]: name };
  const credential: CredentialInput = {
    refName: name,
    spec: ref.spec,
    externalId: facts.externalId,
  };
  const previous = `${String(generation)}/${status.lastValidation?.jobName ?? ''}/${revalidateToken(ref) ?? ''}`;
  const template = checkerPodTemplate(
    config,
    validateArgs(credential, namespace, config.platformIdentity),
    credential,
    { labels, annotations },
  );
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: validationJobName(name, uid, previous),
      namespace,
      labels,
      annotations: { ...annotations, [GENERATION_ANNOTATION]: String(generation) },
      ownerReferences: [ownerReference(ref)],
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: VALIDATION_DEADLINE_SECONDS,
      ...(runsQueued(facts.plan) && { suspend: true }),
      template,
    },
  };
}
