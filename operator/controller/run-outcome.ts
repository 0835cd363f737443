// What a run amounts to, read from its Job and its Pod. A run is over when its Job has
// finished and its Pod's checker container has terminated (Jobs and Pods arrive on separate
// watches, so one may be seen before the other). A run that ends without a valid result is
// reported with a reason (deadline, killed, never started), never ignored and never invented.
import type { V1ContainerStatus, V1Job, V1Pod } from '@kubernetes/client-node';
import type { z } from 'zod';
import type { LastRun as LastRunSchema } from '../api/v1alpha1/awscheck.ts';
import type { FailureReason } from '../api/v1alpha1/reasons.ts';
import { parseTerminationMessage, type CheckerResult } from '../checker/result.ts';
import { GENERATION_ANNOTATION } from '../labels.ts';
import { CHECKER_CONTAINER } from './checker-pod.ts';
import { toKubeTime } from './schedule.ts';

export type LastRun = z.output<typeof LastRunSchema>;

/**
 * SETUP_ERRORS are container waiting reasons that keep the checker from starting. While
 * the run is not over they are reported in Ready (the kubelet retries, and a pulled image
 * or a created Secret heals the run); when the run ends they explain why.
 */
const SETUP_ERRORS = new Set([
  'CreateContainerConfigError',
  'CreateContainerError',
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
]);

/**
 * POD_SETTLE_MS is how long after its Job finished a run waits for its Pod's end to be
 * seen before it is recorded as having left none.
 */
export const POD_SETTLE_MS = 60_000;

/**
 * CONTAINER_CREATING is the kubelet's waiting reason while it sets a container up. A volume
 * it cannot mount (a missing Secret or key) keeps the container there with no other sign
 * in the Pod's status: the kubelet says why only in a FailedMount Event on the Pod.
 */
export const CONTAINER_CREATING = 'ContainerCreating';

/** RunObservation is what the operator sees of one run: its Job and the Job's Pod. */
export interface RunObservation {
  readonly job: V1Job;
  readonly pod: V1Pod | undefined;
  /**
   * mountFailure is the message of the Pod's newest FailedMount Event, looked up only while
   * its checker waits in ContainerCreating (see waitsInContainerCreating).
   */
  readonly mountFailure?: string;
  /**
   * reportedBlock is why the run could not start as the status last reported it (Ready
   * RunNotStarting): the Job controller deletes a blocked Pod at the deadline, so by the
   * time the run is over its Pod may no longer show why.
   */
  readonly reportedBlock?: string;
  /**
   * podGone: the apiserver itself (not the cache, which may lag) answered that the Job has
   * no Pod left (runs.ts readUnseenEnds). A finished Job's Pod is never made again, so its
   * end will never be seen: the run is recorded at once instead of after the settle time.
   */
  readonly podGone?: boolean;
}

/** RunVerdict is where a run stands. */
export type RunVerdict =
  /** Created suspended, waiting for the namespace's run queue: not started, no deadline. */
  | { readonly state: 'Queued' }
  | { readonly state: 'Running' }
  /** The checker cannot start; the run is not over. */
  | { readonly state: 'Blocked'; readonly message: string }
  /** The Job finished; its Pod's end is not seen yet. Look again at `untilMs` at the latest. */
  | { readonly state: 'Settling'; readonly untilMs: number }
  | { readonly state: 'Finished'; readonly run: LastRun; readonly result?: CheckerResult };

/** jobFinished tells whether a Job has completed or failed. */
export function jobFinished(job: V1Job): 'Complete' | 'Failed' | undefined {
  const done = finishedCondition(job);
  return done?.type === 'Complete' || done?.type === 'Failed' ? done.type : undefined;
}

/**
 * judgeRun tells where a run stands at `now`. A suspended Job that has not finished is a
 * queued run (the namespace's run queue starts it): never Blocked, never past a deadline.
 */
export function judgeRun(observed: RunObservation, now: Date): RunVerdict {
  const { job, reportedBlock } = observed;
  const container = checkerContainer(observed.pod);
  const finished = jobFinished(job);
  const setupError = setupErrorOf(container, observed.mountFailure);
  if (finished === undefined) return unfinished(observed, container, setupError);
  if (container?.state?.terminated !== undefined) {
    return fromTerminated(job, container, reportedBlock);
  }
  if (deadlineExceeded(job)) {
    const why = setupError ?? reportedBlock ?? neverStarted(container);
    return { state: 'Finished', run: deadlineRun(job, why) };
  }
  return unseenEnd(observed, finished, setupError, now);
}

// unseenEnd: a finished run whose checker's end is not seen waits for it until the settle
// bound, unless the apiserver said its Pod is gone; then it is recorded without a result.
function unseenEnd(
  { job, pod, podGone }: RunObservation,
  finished: 'Complete' | 'Failed',
  setupError: string | undefined,
  now: Date,
): RunVerdict {
  const untilMs = settleBound(job);
  const gone = pod === undefined && podGone === true;
  if (now.getTime() < untilMs && !gone) return { state: 'Settling', untilMs };
  const why = setupError ?? endUnseen(pod, finished);
  return { state: 'Finished', run: failed(job, 'RunAborted', `${why}, without a result`) };
}

// endUnseen says why a finished run shows no checker end after the settle time: its Pod is
// gone (deleted, evicted or collected before its result was read), or it never reported one.
function endUnseen(pod: V1Pod | undefined, finished: 'Complete' | 'Failed'): string {
  if (pod === undefined) {
    return `the run's Pod was deleted before its result was read (Job ${finished})`;
  }
  return `the checker left no container status (Job ${finished})`;
}

// unfinished: a run under way is queued (suspended), blocked (its checker cannot start)
// or running. A block reported holds until the checker starts: at the deadline the Job
// controller deletes the Pod, whose end shows no reason, before the Job itself is Failed.
function unfinished(
  { job, reportedBlock }: RunObservation,
  container: V1ContainerStatus | undefined,
  setupError: string | undefined,
): RunVerdict {
  if (job.spec?.suspend === true) return { state: 'Queued' };
  const block = setupError ?? (neverRan(container) ? reportedBlock : undefined);
  return block === undefined ? { state: 'Running' } : { state: 'Blocked', message: block };
}

/** checkerContainer is the status of the container named `checker`, never just the first. */
export function checkerContainer(pod: V1Pod | undefined): V1ContainerStatus | undefined {
  return pod?.status?.containerStatuses?.find((c) => c.name === CHECKER_CONTAINER);
}

// neverRan: the checker has not run, as far as its Pod shows (gone, waiting, or stopped
// before it started: terminated without a start time).
function neverRan(container: V1ContainerStatus | undefined): boolean {
  const state = container?.state;
  return state?.running === undefined && !isSet(state?.terminated?.startedAt);
}

// isSet: the apiserver writes an unset time as null (the kubelet's ContainerStatusUnknown
// has `startedAt: null`), which the client's type does not admit.
function isSet(time: Date | string | null | undefined): boolean {
  return time !== undefined && time !== null;
}

/**
 * waitsInContainerCreating tells whether a Pod is Pending with its checker waiting in
 * ContainerCreating: the only state in which a FailedMount Event is worth looking up.
 */
export function waitsInContainerCreating(pod: V1Pod | undefined): boolean {
  const waiting = checkerContainer(pod)?.state?.waiting;
  return pod?.status?.phase === 'Pending' && waiting?.reason === CONTAINER_CREATING;
}

// neverStarted: a checker still waiting at the end (no image, a volume not mounted) never ran.
function neverStarted(container: V1ContainerStatus | undefined): string | undefined {
  const waiting = container?.state?.waiting;
  if (waiting === undefined) return undefined;
  const detail = waiting.message === undefined ? '' : `: ${waiting.message}`;
  return `the checker never started (${waiting.reason ?? 'waiting'}${detail})`;
}

// setupErrorOf: a waiting reason that keeps the checker from starting, or a volume the
// kubelet could not mount while the container waits to be created.
function setupErrorOf(
  container: V1ContainerStatus | undefined,
  mountFailure: string | undefined,
): string | undefined {
  const waiting = container?.state?.waiting;
  if (waiting?.reason === CONTAINER_CREATING && mountFailure !== undefined) {
    return `the checker could not start: FailedMount: ${mountFailure}`;
  }
  if (waiting?.reason === undefined || !SETUP_ERRORS.has(waiting.reason)) return undefined;
  return `the checker could not start: ${waiting.reason}: ${waiting.message ?? ''}`;
}

// settleBound: the Job's end plus the settle time. A Pod the Job controller saw end is
// seen by the operator too within that time, however close to its deadline the run ended.
function settleBound(job: V1Job): number {
  return Date.parse(completionTime(job) ?? new Date(0).toISOString()) + POD_SETTLE_MS;
}

function deadlineExceeded(job: V1Job): boolean {
  return finishedCondition(job)?.reason === 'DeadlineExceeded';
}

// fromTerminated reads a checker's end. One the kubelet stopped at the deadline before it
// ever started (its status then says ContainerStatusUnknown, with no start time) never
// ran: the block reported while it waited says why.
function fromTerminated(
  job: V1Job,
  container: V1ContainerStatus,
  reportedBlock: string | undefined,
): RunVerdict {
  const terminated = container.state?.terminated;
  if (deadlineExceeded(job) && neverRan(container)) {
    return { state: 'Finished', run: deadlineRun(job, reportedBlock) };
  }
  const message = terminated?.message ?? '';
  if (message === '') return { state: 'Finished', run: withoutResult(job, container) };
  try {
    const result = parseTerminationMessage(message);
    return { state: 'Finished', run: fromResult(job, result), result };
  } catch (error) {
    const exit = String(terminated?.exitCode);
    const why = `the checker exited ${exit} with an unreadable result: ${String(error)}`;
    return { state: 'Finished', run: failed(job, 'RunAborted', why) };
  }
}

// withoutResult explains a checker that ended without writing its result.
function withoutResult(job: V1Job, container: V1ContainerStatus): LastRun {
  if (deadlineExceeded(job)) return deadlineRun(job, undefined);
  const terminated = container.state?.terminated;
  const ending = `exited ${String(terminated?.exitCode)} (${terminated?.reason ?? 'no reason'})`;
  return failed(job, 'RunAborted', `the checker ${ending} without a result`);
}

function deadlineRun(job: V1Job, setupError: string | undefined): LastRun {
  const seconds = String(job.spec?.activeDeadlineSeconds);
  const stopped = `the run was stopped at its deadline of ${seconds} s`;
  if (setupError !== undefined)
    return failed(job, 'InvalidConfiguration', `${setupError}; ${stopped}`);
  return failed(job, 'DeadlineExceeded', stopped);
}

function fromResult(job: V1Job, result: CheckerResult): LastRun {
  const counts =
    result.kind === 'run'
      ? {
          resources: result.resources,
          unhealthy: result.unhealthy,
          regions: Object.entries(result.regions).map(([name, tally]) => ({ name, ...tally })),
          findings: result.findings.map(boundedFinding),
        }
      : {};
  const completion = completionTime(job);
  return {
    ...identity(job),
    startTime: toKubeTime(new Date(result.startTime)),
    ...(completion !== undefined && { completionTime: completion }),
    durationMs: result.durationMs,
    outcome: result.outcome,
    ...(result.reason !== undefined && { reason: result.reason }),
    message: result.message,
    ...counts,
    ...(result.error !== undefined && { error: result.error }),
    truncated: result.truncated,
  };
}

// identity: the Job's name and the generation of the spec it ran for.
function identity(job: V1Job): Pick<LastRun, 'jobName' | 'generation'> {
  const generation = Number(job.metadata?.annotations?.[GENERATION_ANNOTATION]);
  return {
    jobName: job.metadata?.name ?? '',
    ...(Number.isSafeInteger(generation) && generation >= 0 && { generation }),
  };
}

// failed is a run that failed without a checker result.
function failed(job: V1Job, reason: FailureReason, message: string): LastRun {
  const start = job.status?.startTime ?? job.metadata?.creationTimestamp ?? new Date(0);
  const completion = completionTime(job);
  return {
    ...identity(job),
    startTime: toKubeTime(start),
    ...(completion !== undefined && { completionTime: completion }),
    outcome: 'Failed',
    reason,
    message,
  };
}

function finishedCondition(job: V1Job): { type: string; reason?: string } | undefined {
  return job.status?.conditions?.find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
}

function completionTime(job: V1Job): string | undefined {
  const finished = job.status?.conditions?.find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
  const time = job.status?.completionTime ?? finished?.lastTransitionTime;
  return time === undefined ? undefined : toKubeTime(time);
}

/** The status schema's bounds on a finding (the CRD rejects a status beyond them). */
const MAX_PROBLEMS = 16;
const MAX_PROBLEM_LENGTH = 1024;

function boundedFinding<T extends { problems: string[] }>(finding: T): T {
  const problems = finding.problems
    .slice(0, MAX_PROBLEMS)
    .map((p) => p.slice(0, MAX_PROBLEM_LENGTH));
  return { ...finding, problems };
}
