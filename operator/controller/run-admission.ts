// The run queue of a tenant namespace, the way Kueue admits workloads: under a plan every
// checker Job (scheduled, first run, run-now, validation) is created suspended, and this
// controller resumes the oldest while fewer than the plan's maxConcurrentRuns run. A
// Job's activeDeadlineSeconds counts from its startTime, which resuming resets, so a run
// that waited its turn (every @daily check at midnight) is never recorded as
// DeadlineExceeded for the wait. The key is the namespace: the work queue never hands one
// key to two workers, so one namespace is admitted in one place at a time, and what this
// process resumed but the cache does not show yet still counts.
import type { V1Job } from '@kubernetes/client-node';
import { isStatus } from '../kube.ts';
import { FIELD_MANAGER } from '../labels.ts';
import type { ControllerContext, ReconcileResult } from './context.ts';
import { namespacePlanOf } from './plan-facts.ts';
import { jobFinished } from './run-outcome.ts';

/** QueuedJob is what admission reads of one checker Job. */
export interface QueuedJob {
  readonly name: string;
  readonly uid: string;
  readonly created: number;
  /** spec.suspend: the Job waits in the queue (or was never resumed). */
  readonly suspended: boolean;
  /** The Job has completed or failed. */
  readonly finished: boolean;
  /** Pods still running or terminating (a finished Job's Pod may still be ending). */
  readonly pods: number;
}

/** AdmissionFacts is one namespace's runs, its limit, and what was resumed but not yet seen. */
export interface AdmissionFacts {
  readonly jobs: readonly QueuedJob[];
  /** The plan's maxConcurrentRuns; 0 (also for an inactive or unknown plan): none starts. */
  readonly limit: number;
  /** UIDs this process resumed whose Jobs the cache still shows suspended. */
  readonly resumed: ReadonlySet<string>;
}

/** Admission is what to resume, and how many run and wait. */
export interface Admission {
  readonly resume: readonly QueuedJob[];
  readonly active: number;
  readonly queued: number;
}

/**
 * planAdmission decides which queued Jobs of a namespace start: the oldest (by creation,
 * then name) while fewer than `limit` are active. Active: resumed and not finished, or
 * with a Pod still running or ending; a Job this process resumed counts as active
 * although the cache still shows it suspended, so cache lag never starts one too many.
 * A limit already exceeded (a lowered plan) starts nothing and stops nothing.
 */
export function planAdmission({ jobs, limit, resumed }: AdmissionFacts): Admission {
  const pending = (job: QueuedJob): boolean => job.suspended && resumed.has(job.uid);
  const active = jobs.filter(
    (job) => (!job.suspended && (!job.finished || job.pods > 0)) || pending(job),
  ).length;
  const waiting = jobs
    .filter((job) => job.suspended && !job.finished && !pending(job))
    .sort((a, b) => a.created - b.created || a.name.localeCompare(b.name));
  const free = Math.max(0, limit - active);
  return { resume: waiting.slice(0, free), active, queued: waiting.length };
}

/** queuedJob reads a Job for admission. */
export function queuedJob(job: V1Job): QueuedJob {
  const { metadata, spec, status } = job;
  return {
    name: metadata?.name ?? '',
    uid: metadata?.uid ?? '',
    created: new Date(metadata?.creationTimestamp ?? 0).getTime(),
    suspended: spec?.suspend === true,
    finished: jobFinished(job) !== undefined,
    pods: podsOf(status),
  };
}

function podsOf(status: V1Job['status']): number {
  return (status?.active ?? 0) + (status?.terminating ?? 0);
}

/**
 * RunAdmission admits the runs of tenant namespaces, one namespace per key. It remembers,
 * per namespace, the Jobs it resumed until the cache shows them resumed or gone.
 */
export class RunAdmission {
  readonly #resumed = new Map<string, Set<string>>();

  /** reconcile admits the queued runs of one namespace. */
  reconcile = async (context: ControllerContext, namespace: string): Promise<ReconcileResult> => {
    const plan = namespacePlanOf(context, namespace);
    const cached = context.caches.jobs.list(namespace).map(queuedJob);
    const resumed = this.#stillPending(namespace, cached);
    if (plan.kind !== 'plan') return {};
    const limit = plan.plan.active ? plan.plan.maxConcurrentRuns : 0;
    const admission = planAdmission({ jobs: cached, limit, resumed });
    for (const job of admission.resume) {
      if (!(await resumeJob(context, namespace, job))) continue;
      resumed.add(job.uid);
      const { active, queued } = admission;
      context.log.info({ namespace, job: job.name, active, queued, limit }, 'resumed a run');
    }
    if (resumed.size > 0) this.#resumed.set(namespace, resumed);
    else this.#resumed.delete(namespace);
    return {};
  };

  // stillPending: the Jobs resumed here that the cache still shows suspended.
  #stillPending(namespace: string, cached: readonly QueuedJob[]): Set<string> {
    const remembered = this.#resumed.get(namespace) ?? new Set<string>();
    const suspended = new Set(cached.filter((job) => job.suspended).map((job) => job.uid));
    return new Set([...remembered].filter((uid) => suspended.has(uid)));
  }
}

// resumeJob lets a queued Job start: a merge patch of spec.suspend alone, with the UID as
// precondition so a Job recreated under the same name is not resumed by mistake. A Job
// already gone is fine (false).
async function resumeJob(
  context: ControllerContext,
  namespace: string,
  job: QueuedJob,
): Promise<boolean> {
  try {
    await context.clients.batch.patchNamespacedJob({
      name: job.name,
      namespace,
      body: { metadata: { uid: job.uid }, spec: { suspend: false } },
      patchType: 'merge',
      fieldManager: FIELD_MANAGER,
    });
    return true;
  } catch (error) {
    if (isStatus(error, 404) || isStatus(error, 409)) return false;
    throw error;
  }
}
