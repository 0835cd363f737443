// Pods on the real node, as the node tier's tests run them: a namespace labelled for the
// node, a pod created there, and its end as the kubelet reports it.
import type {
  CoreV1Api,
  V1ContainerStateTerminated,
  V1Pod,
  V1PodSpec,
} from '@kubernetes/client-node';
import type { TestEnvInfo } from '../env/environment.ts';
import type { NodeInfo } from '../env/node/node.ts';
import { eventually } from '../support/eventually.ts';
import { createNamespace } from '../support/kube.ts';

/** nodeOf is the environment's real node; the node project's global setup always adds one. */
export function nodeOf(env: TestEnvInfo): NodeInfo & { readonly image: string } {
  const { node } = env;
  if (node?.image === undefined) {
    throw new Error(
      'the environment has no real node with the built image: run the node tier with `--project node`, or start one with `npm run testenv -- up --node`',
    );
  }
  return { ...node, image: node.image };
}

/** nodeLabels are the labels that send a namespace's pods to the real node. */
export function nodeLabels(node: NodeInfo): Record<string, string> {
  return { [node.namespaceLabel.key]: node.namespaceLabel.value };
}

/** createNodeNamespace makes a namespace whose pods run on the real node. */
export async function createNodeNamespace(
  core: CoreV1Api,
  node: NodeInfo,
  prefix: string,
): Promise<string> {
  return createNamespace(core, prefix, nodeLabels(node));
}

/** createPod creates a one-off pod (restartPolicy Never) and returns its name. */
export async function createPod(
  core: CoreV1Api,
  namespace: string,
  name: string,
  spec: V1PodSpec,
): Promise<string> {
  const once: V1PodSpec = structuredClone(spec);
  once.restartPolicy = 'Never';
  await core.createNamespacedPod({ namespace, body: { metadata: { name }, spec: once } });
  return name;
}

/** Terminated is a pod whose only container ended, with the kubelet's account of it. */
export interface Terminated {
  readonly pod: V1Pod;
  readonly state: V1ContainerStateTerminated;
}

/** terminated waits until the pod's container has terminated. */
export async function terminated(
  core: CoreV1Api,
  namespace: string,
  name: string,
  timeoutMs = 90_000,
): Promise<Terminated> {
  return eventually(
    `pod ${namespace}/${name} to terminate`,
    async () => {
      const pod = await core.readNamespacedPod({ name, namespace });
      const state = pod.status?.containerStatuses?.[0]?.state?.terminated;
      return state === undefined ? undefined : { pod, state };
    },
    timeoutMs,
  );
}

/** waiting waits until the pod's container waits for `reason`, and returns the message. */
export async function waitingFor(
  core: CoreV1Api,
  namespace: string,
  name: string,
  reason: string,
): Promise<string> {
  return eventually(`pod ${namespace}/${name} to wait with ${reason}`, async () => {
    const pod = await core.readNamespacedPod({ name, namespace });
    const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting;
    return waiting?.reason === reason ? (waiting.message ?? '') : undefined;
  });
}

/** eventMessages lists the messages of a pod's Events with `reason`, once there is one. */
export async function eventMessages(
  core: CoreV1Api,
  namespace: string,
  name: string,
  reason: string,
): Promise<string[]> {
  return eventually(`a ${reason} Event of pod ${namespace}/${name}`, async () => {
    const events = await core.listNamespacedEvent({
      namespace,
      fieldSelector: `involvedObject.name=${name},reason=${reason}`,
    });
    const messages = events.items.map((event) => event.message ?? '');
    return messages.length > 0 ? messages : undefined;
  });
}

/** logsOf reads a container's log through the apiserver, which asks the kubelet. */
export async function logsOf(core: CoreV1Api, namespace: string, name: string): Promise<string> {
  return core.readNamespacedPodLog({ name, namespace });
}
