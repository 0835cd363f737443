// The operator's writes to the apiserver, each idempotent: server-side apply for what it
// owns, create-if-absent for runs and Events (their names are deterministic), status
// replaced with the resourceVersion it was computed from (a stale cache gets 409 and a retry).
import {
  ApiException,
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
  type V1Job,
} from '@kubernetes/client-node';
import { GROUP, VERSION } from './api/v1alpha1/common.ts';
import { FIELD_MANAGER } from './labels.ts';

/** KubeClients are the API clients of one identity. */
export interface KubeClients {
  readonly config: KubeConfig;
  readonly core: CoreV1Api;
  readonly batch: BatchV1Api;
  readonly custom: CustomObjectsApi;
  readonly coordination: CoordinationV1Api;
  readonly objects: KubernetesObjectApi;
}

/** makeClients builds the clients from a loaded kubeconfig. */
export function makeClients(config: KubeConfig): KubeClients {
  return {
    config,
    core: config.makeApiClient(CoreV1Api),
    batch: config.makeApiClient(BatchV1Api),
    custom: config.makeApiClient(CustomObjectsApi),
    coordination: config.makeApiClient(CoordinationV1Api),
    objects: KubernetesObjectApi.makeApiClient(config),
  };
}

/** isStatus tells whether an error is an apiserver answer with this HTTP status. */
export function isStatus(error: unknown, code: number): boolean {
  return error instanceof ApiException && error.code === code;
}

/** apply writes an object by server-side apply under the operator's field manager. */
export async function apply<T extends KubernetesObject>(
  clients: KubeClients,
  object: T,
): Promise<T> {
  return clients.objects.patch(
    object,
    undefined,
    undefined,
    FIELD_MANAGER,
    true,
    PatchStrategy.ServerSideApply,
  );
}

/** createJobIfAbsent creates a Job; an existing Job of that name is the same run. */
export async function createJobIfAbsent(clients: KubeClients, job: V1Job): Promise<boolean> {
  try {
    await clients.batch.createNamespacedJob({
      namespace: job.metadata?.namespace ?? '',
      body: job,
      fieldManager: FIELD_MANAGER,
    });
    return true;
  } catch (error) {
    if (isStatus(error, 409)) return false;
    throw error;
  }
}

/** deleteJob deletes a Job and its Pods; one already gone is fine. */
export async function deleteJob(
  clients: KubeClients,
  namespace: string,
  name: string,
): Promise<void> {
  try {
    await clients.batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' });
  } catch (error) {
    if (!isStatus(error, 404)) throw error;
  }
}

/** CustomObjectRef names one of our custom objects at the version its status was computed from. */
export interface CustomObjectRef {
  readonly plural: string;
  readonly object: KubernetesObject;
}

/** replaceStatus writes a custom object's status through the status subresource. */
export async function replaceStatus(
  clients: KubeClients,
  ref: CustomObjectRef,
  status: object,
): Promise<void> {
  const { metadata } = ref.object;
  await clients.custom.replaceNamespacedCustomObjectStatus({
    group: GROUP,
    version: VERSION,
    plural: ref.plural,
    namespace: metadata?.namespace ?? '',
    name: metadata?.name ?? '',
    body: { ...ref.object, status },
    fieldManager: FIELD_MANAGER,
  });
}

/** labelJob adds labels to a Job; a Job already gone needs none. */
export async function labelJob(
  clients: KubeClients,
  namespace: string,
  name: string,
  labels: Readonly<Record<string, string>>,
): Promise<void> {
  try {
    await clients.batch.patchNamespacedJob(
      { name, namespace, body: { metadata: { labels } }, fieldManager: FIELD_MANAGER },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  } catch (error) {
    if (!isStatus(error, 404)) throw error;
  }
}
