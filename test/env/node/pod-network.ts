// The real node's pod network, as an admission step of the test environment (never of the
// product): there is no CNI and no kube-proxy here, and private addresses are unreachable,
// so pods of the namespaces labelled NODE_NAMESPACE_LABEL run in the host's network, reach
// the apiserver on loopback, and reach AWS where the pod runner sends its pods. The same
// step sends them to the real node (its scheduler, its taint's toleration); every other
// pod stays the pod runner's.
import {
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type CoreV1Api,
} from '@kubernetes/client-node';
import { AWS_ENDPOINT_ANNOTATION } from '../pod-runner/runner.ts';
import { waitUntil } from '../processes.ts';
import { NODE_TAINT } from './kubelet.ts';
import { SCHEDULER_NAME } from './scheduler.ts';

/** NODE_NAMESPACE_LABEL marks the namespaces whose pods run on the real node. */
export const NODE_NAMESPACE_LABEL = { key: 'testenv.awscheck.io/node', value: 'real' } as const;

/** POD_NETWORK_POLICY names the policy and its binding. */
export const POD_NETWORK_POLICY = 'testenv-real-node-pods';

/** PodNetwork is where the node's pods find the apiserver and AWS. */
export interface PodNetwork {
  readonly apiServerPort: number;
  /** moto, unless the namespace's AWS_ENDPOINT_ANNOTATION names another endpoint. */
  readonly awsEndpointUrl: string;
}

/**
 * podNetworkPolicy is a MutatingAdmissionPolicy and its binding. On pod creation in a
 * labelled namespace it sets hostNetwork (a declared port becomes a host port, as the API
 * requires), the real node's scheduler and toleration, and each container's
 * KUBERNETES_SERVICE_HOST/PORT and AWS_ENDPOINT_URL. Nothing else about the pod changes.
 */
export function podNetworkPolicy(network: PodNetwork): object[] {
  const cel = (value: string): string => JSON.stringify(value);
  const env = (name: string, value: string): string =>
    `Object.spec.containers.env{name: ${cel(name)}, value: ${value}}`;
  const awsEndpoint = `namespaceObject.metadata.?annotations[?${cel(AWS_ENDPOINT_ANNOTATION)}].orValue(${cel(network.awsEndpointUrl)})`;
  const expression = `Object{
  spec: Object.spec{
    hostNetwork: true,
    schedulerName: ${cel(SCHEDULER_NAME)},
    containers: object.spec.containers.map(c, Object.spec.containers{
      name: c.name,
      env: [
        ${env('KUBERNETES_SERVICE_HOST', cel('127.0.0.1'))},
        ${env('KUBERNETES_SERVICE_PORT', cel(String(network.apiServerPort)))},
        ${env('AWS_ENDPOINT_URL', awsEndpoint)}
      ],
      ?ports: c.?ports.optMap(ports, ports.map(p, Object.spec.containers.ports{
        containerPort: p.containerPort,
        protocol: p.?protocol.orValue("TCP"),
        hostPort: p.containerPort
      }))
    })
  }
}`;
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingAdmissionPolicy',
      metadata: { name: POD_NETWORK_POLICY },
      spec: {
        failurePolicy: 'Fail',
        reinvocationPolicy: 'Never',
        matchConstraints: {
          resourceRules: [
            { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] },
          ],
          namespaceSelector: {
            matchLabels: { [NODE_NAMESPACE_LABEL.key]: NODE_NAMESPACE_LABEL.value },
          },
        },
        mutations: [
          { patchType: 'ApplyConfiguration', applyConfiguration: { expression } },
          // Tolerations are an atomic list, which only a JSON patch may add to.
          { patchType: 'JSONPatch', jsonPatch: { expression: tolerationPatch() } },
        ],
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingAdmissionPolicyBinding',
      metadata: { name: POD_NETWORK_POLICY },
      spec: { policyName: POD_NETWORK_POLICY },
    },
  ];
}

function tolerationPatch(): string {
  const cel = (value: string): string => JSON.stringify(value);
  const toleration = `Object.spec.tolerations{key: ${cel(NODE_TAINT.key)}, operator: "Equal", value: ${cel(NODE_TAINT.value)}, effect: ${cel(NODE_TAINT.effect)}}`;
  return `has(object.spec.tolerations)
  ? [JSONPatch{op: "add", path: "/spec/tolerations/-", value: ${toleration}}]
  : [JSONPatch{op: "add", path: "/spec/tolerations", value: [${toleration}]}]`;
}

/**
 * installPodNetwork applies the policy and waits until the apiserver applies it: a pod
 * created (dry run) in `probeNamespace`, a labelled namespace, comes back in the host's
 * network.
 */
export async function installPodNetwork(
  kubeConfig: KubeConfig,
  core: CoreV1Api,
  network: PodNetwork,
  probeNamespace: string,
): Promise<void> {
  const objects = KubernetesObjectApi.makeApiClient(kubeConfig);
  for (const object of podNetworkPolicy(network)) {
    await objects.patch(
      object,
      undefined,
      undefined,
      'testenv',
      true,
      PatchStrategy.ServerSideApply,
    );
  }
  await waitUntil(
    async () => {
      const pod = await core.createNamespacedPod({
        namespace: probeNamespace,
        dryRun: 'All',
        body: {
          metadata: { name: 'pod-network-probe' },
          spec: { containers: [{ name: 'probe', image: 'probe' }] },
        },
      });
      return pod.spec?.hostNetwork === true;
    },
    { what: 'the real node’s pod network policy', timeoutMs: 30_000, intervalMs: 200 },
  );
}
