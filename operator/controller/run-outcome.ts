// What a finished (or hopelessly stuck) run says, read from its Job and Pod. A run without
// a valid result is reported with a reason (deadline, killed, bad setup), never ignored.
import type { V1ContainerStatus, V1Job, V1Pod } from '@kubernetes/client-node';
import type { z } from 'zod';
import type { LastRun as LastRunSchema } from '../api/v1alpha1/awscheck.ts';
import type { FailureReason } from '../api/v1alpha1/reasons.ts';
import { parseTerminationMessage, type CheckerResult } from '../checker/result.ts';
import { toKubeTime } from './schedule.ts';

export type LastRun = z.output<typeof LastRunSchema>;

/**
 * SETUP_ERRORS are container waiting reasons that no amount of waiting fixes: the run is
 * reported failed at once (fail fast) instead of at its deadline.
 */
const SETUP_ERRORS = new Set([
  'CreateContainerConfigError',
  'CreateContainerError',
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
]);

/** RunObservation is what the operator sees of one run. */
export interface RunObservation {
  readonly job: V1Job;
  readonly pod: V1Pod | undefined;
}

/** jobFinished tells whether a Job has completed or failed. */
export function jobFinished(job: V1Job): 'Complete' | 'Failed' | undefined {
  const done = job.status?.conditions?.find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
  return done?.type === 'Complete' || done?.type === 'Failed' ? done.type : undefined;
}

/**
 * runOutcome is the LastRun a run amounts to, or undefined while it is still running.
 * A container stuck on a setup error counts as a failed run now.
 */
export function runOutcome({ job, pod }: RunObservation): LastRun | undefined {
  const container = firstContainer(pod);
  const setupError = setupErrorOf(container);
  if (setupError !== undefined) return failed(job, 'InvalidConfiguration', setupError);
  const finished = jobFinished(job);
  if (finished === undefined) return undefined;
  const message = container?.state?.terminated?.message ?? '';
  return message === ''
    ? withoutResult(job, finished, container)
    : fromMessage(job, container, message);
}

function firstContainer(pod: V1Pod | undefined): V1ContainerStatus | undefined {
  return pod?.status?.containerStatuses?.[0];
}

function setupErrorOf(container: V1ContainerStatus | undefined): string | undefined {
  const waiting = container?.state?.waiting;
  if (waiting?.reason === undefined || !SETUP_ERRORS.has(waiting.reason)) return undefined;
  return `the checker could not start: ${waiting.reason}: ${waiting.message ?? ''}`;
}

function fromMessage(
  job: V1Job,
  container: V1ContainerStatus | undefined,
  message: string,
): LastRun {
  let result: CheckerResult;
  try {
    result = parseTerminationMessage(message);
  } catch (error) {
    const exit = container?.state?.terminated?.exitCode;
    return failed(
      job,
      'RunAborted',
      `the checker exited ${String(exit)} with an unreadable result: ${String(error)}`,
    );
  }
  return fromResult(job, result);
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
  return {
    jobName: job.metadata?.name ?? '',
    startTime: toKubeTime(new Date(result.startTime)),
    ...optional('completionTime', completionTime(job)),
    durationMs: result.durationMs,
    outcome: result.outcome,
    ...(result.reason !== undefined && { reason: result.reason }),
    message: result.message,
    ...counts,
    ...(result.error !== undefined && { error: result.error }),
    truncated: result.truncated,
  };
}

// withoutResult explains a finished run that left no result.
function withoutResult(
  job: V1Job,
  finished: 'Complete' | 'Failed',
  container: V1ContainerStatus | undefined,
): LastRun {
  const condition = job.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  if (condition?.reason === 'DeadlineExceeded') {
    const seconds = String(job.spec?.activeDeadlineSeconds);
    return failed(job, 'DeadlineExceeded', `the run was stopped at its deadline of ${seconds} s`);
  }
  const ending = describeEnding(
    container,
    `Job ${finished}: ${condition?.message ?? 'no message'}`,
  );
  return failed(job, 'RunAborted', `the checker ${ending} without a result`);
}

function describeEnding(container: V1ContainerStatus | undefined, jobState: string): string {
  const terminated = container?.state?.terminated;
  if (terminated === undefined) return `left no container status (${jobState})`;
  return `exited ${terminated.exitCode} (${terminated.reason ?? 'no reason'})`;
}

// failed is a run that failed without a checker result. A run stuck on a setup error has
// not finished, so it has no completion time.
function failed(job: V1Job, reason: FailureReason, message: string): LastRun {
  const start = job.status?.startTime ?? job.metadata?.creationTimestamp ?? new Date(0);
  const completion = completionTime(job);
  return {
    jobName: job.metadata?.name ?? '',
    startTime: toKubeTime(start),
    ...(completion !== undefined && { completionTime: completion }),
    outcome: 'Failed',
    reason,
    message,
  };
}

function completionTime(job: V1Job): string | undefined {
  const finished = job.status?.conditions?.find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
  const time = job.status?.completionTime ?? finished?.lastTransitionTime;
  return time === undefined ? undefined : toKubeTime(time);
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
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
