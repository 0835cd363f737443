// Events about our objects. Each Event's name derives from what it reports (a run's Job),
// so a restarted operator that reports the same run again creates nothing new.
import { isStatus, type CoreApi } from './kube.ts';
import { FIELD_MANAGER } from './labels.ts';
import { shortHash } from './controller/names.ts';

/** EventSubject is the object an Event is about. */
export interface EventSubject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
}

/** EventInput is one Event to record. */
export interface EventInput {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
  /** What the Event reports, unique per subject: the same key is the same Event. */
  readonly key: string;
}

/** recordEvent creates the Event once; recording it again is a no-op. */
export async function recordEvent(
  core: Pick<CoreApi, 'createNamespacedEvent'>,
  subject: EventSubject,
  event: EventInput,
  now: Date,
): Promise<void> {
  const name = `${subject.name.slice(0, 200)}.${shortHash(`${subject.uid}/${event.key}`)}`;
  try {
    await core.createNamespacedEvent({
      namespace: subject.namespace,
      body: {
        metadata: { name, namespace: subject.namespace },
        involvedObject: { ...subject },
        type: event.type,
        reason: event.reason,
        message: event.message.slice(0, 1024),
        source: { component: FIELD_MANAGER },
        reportingComponent: 'awscheck.io/operator',
        reportingInstance: FIELD_MANAGER,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
  } catch (error) {
    if (!isStatus(error, 409)) throw error;
  }
}
