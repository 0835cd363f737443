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
  ServerConfiguration,
  createConfiguration,
  type Configuration,
  type KubeConfig,
  type KubernetesObject,
  type Middleware,
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

/** ClientOptions shape every request the clients make. */
export interface ClientOptions {
  /**
   * requestTimeoutMs aborts any request that has not completed in time. The operator sets
   * it below the Lease's renew deadline, so no request outlives the leadership it was made
   * under. Watches are not made by these clients and are not cut by it.
   */
  readonly requestTimeoutMs?: number;
}

/** makeClients builds the clients from a loaded kubeconfig. */
export function makeClients(config: KubeConfig, options: ClientOptions = {}): KubeClients {
  const configuration = clientConfiguration(config, options);
  return {
    config,
    core: new CoreV1Api(configuration),
    batch: new BatchV1Api(configuration),
    custom: new CustomObjectsApi(configuration),
    coordination: new CoordinationV1Api(configuration),
    objects: new ObjectApi(config, configuration),
  };
}

// clientConfiguration is what KubeConfig.makeApiClient builds (the current cluster, the
// kubeconfig's credentials), plus our user agent and the request timeout.
function clientConfiguration(config: KubeConfig, options: ClientOptions): Configuration {
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig names no current cluster: set its current-context');
  const promiseMiddleware: Middleware[] = [
    {
      pre: async (context) => {
        context.setHeaderParam('User-Agent', 'awscheck-operator');
        const timeoutMs = options.requestTimeoutMs;
        if (timeoutMs !== undefined) context.setSignal(AbortSignal.timeout(timeoutMs));
        return Promise.resolve(context);
      },
      post: async (response) => Promise.resolve(response),
    },
  ];
  return createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: config },
    promiseMiddleware,
  });
}

// ObjectApi is client-node's generic object client on our configuration, with the
// kubeconfig's namespace as default, as KubernetesObjectApi.makeApiClient sets it.
class ObjectApi extends KubernetesObjectApi {
  constructor(kubeConfig: KubeConfig, configuration: Configuration) {
    super(configuration);
    this.setDefaultNamespace(kubeConfig);
  }
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
