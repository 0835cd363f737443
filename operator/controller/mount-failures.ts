// Why the kubelet cannot mount a run's volumes. A missing Secret (or key) keeps the checker
// waiting in ContainerCreating, and the kubelet says why only in a Warning Event on the Pod,
// reason FailedMount. The operator watches no Events: it lists one Pod's FailedMount Events
// on demand, by field selector, while that Pod's checker waits to be created, and keeps
// only the newest Event's message (it names the volume and the Secret, never data).
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import type { CoreApi } from '../kube.ts';
import { waitsInContainerCreating, type RunObservation } from './run-outcome.ts';

/** FAILED_MOUNT is the kubelet's Event reason for a volume it could not set up. */
export const FAILED_MOUNT = 'FailedMount';

/** MAX_MOUNT_FAILURE is the longest mount failure message kept, with room in the status. */
const MAX_MOUNT_FAILURE = 1024;

/**
 * withMountFailures adds to every run whose checker waits in ContainerCreating the newest
 * FailedMount message of its Pod, when there is one. Other runs cost no request.
 */
export async function withMountFailures(
  core: Pick<CoreApi, 'listNamespacedEvent'>,
  runs: readonly RunObservation[],
): Promise<RunObservation[]> {
  return Promise.all(
    runs.map(async (run) => {
      if (!waitsInContainerCreating(run.pod)) return run;
      const mountFailure = await mountFailureOf(core, run.pod);
      return mountFailure === undefined ? run : { ...run, mountFailure };
    }),
  );
}

// mountFailureOf lists the Pod's FailedMount Events, selected by the Pod's UID so an Event
// about an earlier Pod of the same name never counts.
async function mountFailureOf(
  core: Pick<CoreApi, 'listNamespacedEvent'>,
  pod: V1Pod | undefined,
): Promise<string | undefined> {
  const uid = pod?.metadata?.uid;
  const namespace = pod?.metadata?.namespace;
  if (uid === undefined || namespace === undefined) return undefined;
  const events = await core.listNamespacedEvent({
    namespace,
    fieldSelector: `involvedObject.uid=${uid},reason=${FAILED_MOUNT}`,
  });
  return newestMessage(events.items);
}

/** newestMessage is the message of the Event seen last, bounded; undefined for none. */
export function newestMessage(events: readonly CoreV1Event[]): string | undefined {
  const newest = [...events].sort((a, b) => seenAt(b) - seenAt(a))[0];
  const message = newest?.message;
  if (message === undefined || message === '') return undefined;
  return message.length <= MAX_MOUNT_FAILURE
    ? message
    : `${message.slice(0, MAX_MOUNT_FAILURE - 13)}… (truncated)`;
}

// seenAt: when an Event was last seen; a kubelet Event repeated is one Event counted up,
// its lastTimestamp moving (events.k8s.io writers set eventTime and series instead).
function seenAt(event: CoreV1Event): number {
  const time =
    event.series?.lastObservedTime ??
    event.lastTimestamp ??
    event.eventTime ??
    event.firstTimestamp ??
    event.metadata.creationTimestamp;
  return time === undefined ? 0 : new Date(time).getTime();
}
