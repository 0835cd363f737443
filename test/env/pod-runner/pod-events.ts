import {
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Api,
  type V1ObjectReference,
  type V1Pod,
} from '@kubernetes/client-node';

/** KUBELET_COMPONENT is the source the kubelet names on the Events it records. */
export const KUBELET_COMPONENT = 'kubelet';

interface Recorded {
  readonly name: string;
  readonly namespace: string;
  count: number;
}

/**
 * PodEvents records Events about pods as the kubelet does (core/v1, source `kubelet` on
 * this node, involvedObject the Pod with its uid, so `involvedObject.uid=…,reason=…`
 * finds them). The same reason and message for the same pod is one Event whose count
 * and lastTimestamp grow, as the kubelet's event correlator aggregates repeats.
 */
export class PodEvents {
  readonly #core: CoreV1Api;
  readonly #node: string;
  readonly #recorded = new Map<string, Recorded>();

  constructor(core: CoreV1Api, node: string) {
    this.#core = core;
    this.#node = node;
  }

  /** warning records a Warning Event on the pod, or counts one more of the same. */
  async warning(pod: V1Pod, reason: string, message: string): Promise<void> {
    const involvedObject = podReference(pod);
    const key = `${involvedObject.uid ?? ''}\n${reason}\n${message}`;
    const now = new Date();
    const seen = this.#recorded.get(key);
    if (seen !== undefined) {
      seen.count += 1;
      await this.#core.patchNamespacedEvent(
        {
          name: seen.name,
          namespace: seen.namespace,
          body: { count: seen.count, lastTimestamp: now },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      return;
    }
    const namespace = involvedObject.namespace ?? '';
    // The kubelet's Event names: the pod's name and the time in nanoseconds, in hex.
    const name = `${involvedObject.name ?? ''}.${(BigInt(now.getTime()) * 1_000_000n).toString(16)}`;
    await this.#core.createNamespacedEvent({
      namespace,
      body: {
        metadata: { name, namespace },
        involvedObject,
        type: 'Warning',
        reason,
        message,
        source: { component: KUBELET_COMPONENT, host: this.#node },
        reportingComponent: KUBELET_COMPONENT,
        reportingInstance: this.#node,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
    this.#recorded.set(key, { name, namespace, count: 1 });
  }

  /** forget drops what is remembered of a pod once it is gone. */
  forget(pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? '';
    for (const key of this.#recorded.keys()) {
      if (key.startsWith(`${uid}\n`)) this.#recorded.delete(key);
    }
  }
}

function podReference(pod: V1Pod): V1ObjectReference {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    name: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? '',
    uid: pod.metadata?.uid ?? '',
  };
}
