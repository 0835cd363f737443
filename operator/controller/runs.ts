// Starting and removing runs. A run's Job name is deterministic, so starting it again is
// harmless; an existing Job of that name is the same run only when this owner controls it.
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { isStatus, type CoreApi } from '../kube.ts';
import { FIELD_MANAGER } from '../labels.ts';
import type { ControllerContext } from './context.ts';
import { isControlledBy } from './ownership.ts';
import { RefusedError } from './refusal.ts';
import { checkerContainer, jobFinished, type RunObservation } from './run-outcome.ts';

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
 * readUnseenEnds asks the apiserver, for each finished run not yet recorded whose cached Pod
 * does not show the checker's end, for the Job's Pods as they are. The caches may lag: the
 * Pod's watch and the Job's are separate streams, and an apiserver under load closes
 * watchers that fall behind, so the Job's end can arrive long before its Pod's. The newest
 * live Pod then stands for the run, and its end is read as the apiserver has it. No Pod
 * left means it was deleted (evicted, drained, collected) before its result was read: the
 * run is marked `podGone` and recorded as RunAborted at once. Runs whose cached Pod shows
 * the end, unfinished runs and recorded runs cost no request.
 */
export async function readUnseenEnds(
  core: Pick<CoreApi, 'listNamespacedPod'>,
  runs: readonly RunObservation[],
  recordedRuns: readonly string[] = [],
): Promise<RunObservation[]> {
  const recorded = new Set(recordedRuns);
  return Promise.all(
    runs.map(async (run) => {
      const { namespace = '', uid } = run.job.metadata ?? {};
      if (uid === undefined || !endUnseen(run, recorded)) return run;
      const pods = await core.listNamespacedPod({
        namespace,
        labelSelector: `${CONTROLLER_UID_LABEL}=${uid}`,
      });
      const live = newestPod(pods.items, run.job);
      return live === undefined ? { ...run, pod: undefined, podGone: true } : { ...run, pod: live };
    }),
  );
}

// endUnseen: the run's Job finished, the run is not recorded, and its cached Pod shows no end.
function endUnseen(run: RunObservation, recorded: ReadonlySet<string>): boolean {
  if (jobFinished(run.job) === undefined || recorded.has(run.job.metadata?.name ?? '')) {
    return false;
  }
  return checkerContainer(run.pod)?.state?.terminated === undefined;
}

/** newestPod is the newest of `pods` that `job` controls: the one that stands for its run. */
export function newestPod(pods: readonly V1Pod[], job: V1Job): V1Pod | undefined {
  const created = (pod: V1Pod): number => new Date(pod.metadata?.creationTimestamp ?? 0).getTime();
  return pods
    .filter((pod) => isControlledBy(pod, job.metadata?.uid))
    .sort((a, b) => created(b) - created(a))[0];
}
