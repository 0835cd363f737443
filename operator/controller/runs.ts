// Starting and removing runs. A run's Job name is deterministic, so starting it again is
// harmless; an existing Job of that name is the same run only when this owner controls it.
import type { V1Job } from '@kubernetes/client-node';
import { isStatus, type CoreApi } from '../kube.ts';
import { FIELD_MANAGER } from '../labels.ts';
import type { ControllerContext } from './context.ts';
import { isControlledBy } from './ownership.ts';
import { RefusedError } from './refusal.ts';
import { jobFinished, type RunObservation } from './run-outcome.ts';

/** CONTROLLER_UID_LABEL is set by the job controller on every Pod of a Job: the Job's UID. */
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';

/**
 * startRun creates a run's Job and tells whether it did. A Job of that name controlled by
 * `ownerUid` is the same run (created before a crash); one controlled by anyone else is a
 * refusal: the operator never adopts, reads or counts a Job it did not make.
 */
export async function startRun(
  context: ControllerContext,
  job: V1Job,
  ownerUid: string | undefined,
): Promise<boolean> {
  const namespace = job.metadata?.namespace ?? '';
  const name = job.metadata?.name ?? '';
  try {
    await context.clients.batch.createNamespacedJob({
      namespace,
      body: job,
      fieldManager: FIELD_MANAGER,
    });
    return true;
  } catch (error) {
    if (!isStatus(error, 409)) throw error;
  }
  const existing = await context.clients.batch.readNamespacedJob({ name, namespace });
  if (isControlledBy(existing, ownerUid)) return false;
  throw new RefusedError(
    `Job ${name} already exists in namespace ${namespace} and is not controlled by this object; delete it so the run can start`,
  );
}

/** deleteRun deletes a recorded run's Job and its Pods; one already gone is fine. */
export async function deleteRun(
  context: ControllerContext,
  namespace: string,
  name: string,
): Promise<void> {
  try {
    await context.clients.batch.deleteNamespacedJob({
      name,
      namespace,
      propagationPolicy: 'Background',
    });
  } catch (error) {
    if (!isStatus(error, 404)) throw error;
  }
}

/**
 * confirmPodsGone asks the apiserver, for each finished run not yet recorded whose Pod the
 * cache does not hold, whether its Job has any Pod left. None means the Pod was deleted
 * (evicted, drained, collected) before its result was read, and the run is marked
 * `podGone`, so it is recorded as RunAborted at once rather than after the settle time.
 * Runs with a cached Pod, unfinished runs and recorded runs cost no request.
 */
export async function confirmPodsGone(
  core: Pick<CoreApi, 'listNamespacedPod'>,
  runs: readonly RunObservation[],
  recordedRuns: readonly string[] = [],
): Promise<RunObservation[]> {
  const recorded = new Set(recordedRuns);
  return Promise.all(
    runs.map(async (run) => {
      const { namespace = '', name = '', uid } = run.job.metadata ?? {};
      const unseen = run.pod === undefined && jobFinished(run.job) !== undefined;
      if (!unseen || uid === undefined || recorded.has(name)) return run;
      const pods = await core.listNamespacedPod({
        namespace,
        labelSelector: `${CONTROLLER_UID_LABEL}=${uid}`,
        limit: 1,
      });
      return pods.items.length === 0 ? { ...run, podGone: true } : run;
    }),
  );
}
