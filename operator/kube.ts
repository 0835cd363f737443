// The operator's writes to the apiserver, each idempotent: server-side apply for what it
// owns, create-if-absent for runs and Events (their names are deterministic), status
// replaced with the resourceVersion it was computed from (a stale cache gets 409 and a retry).
// Every request of one identity, watches included, goes over one keep-alive connection pool
// (runtime/http-pool.ts), under the client-side rate limit (runtime/rate-limit.ts).
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
import type { Metrics } from './metrics.ts';
import type { Clock } from './runtime/clock.ts';
import { systemClock } from './runtime/clock.ts';
import { KubeTransport, pooledHttpLibrary, type RequestPolicy } from './runtime/http-pool.ts';
import { TokenBucket } from './runtime/rate-limit.ts';

/** KubeClients are the API clients of one identity. */
export interface KubeClients {
  readonly config: KubeConfig;
  readonly core: CoreV1Api;
  readonly batch: BatchV1Api;
  readonly custom: CustomObjectsApi;
  readonly coordination: CoordinationV1Api;
  readonly objects: KubernetesObjectApi;
  /** The connection pool and credentials every client and watch of this identity shares. */
  readonly transport: KubeTransport;
}

/** ClientOptions shape every request the clients make. */
export interface ClientOptions {
  /**
   * requestTimeoutMs aborts any request that has not completed in time. The operator sets
   * it below the Lease's renew deadline, so no request outlives the leadership it was made
   * under. Watches are not made by these clients and are not cut by it.
   */
  readonly requestTimeoutMs?: number;
  /**
   * rateLimit is the client-side token bucket every request but watches and the Lease's
   * waits for (config.kubeClient); absent: no client-side limit.
   */
  readonly rateLimit?: { readonly qps: number; readonly burst: number };
  /** metrics count the time waited for the rate limit and the retries after 429. */
  readonly metrics?: Pick<Metrics, 'kubeRequestWait' | 'kubeRetries'>;
  /** connections bounds the pool (runtime/http-pool.ts DEFAULT_CONNECTIONS). */
  readonly connections?: number;
  /** maxRetries bounds the retries of one request after 429 (DEFAULT_MAX_RETRIES). */
  readonly maxRetries?: number;
  readonly clock?: Clock;
}

/**
 * makeClients builds the clients from a loaded kubeconfig, all on one connection pool.
 * The Lease's client skips the rate limit: leader election sends one small request per
 * retry period whatever the load, and a burst of worker requests queued in the bucket must
 * not make a renewal miss its deadline and cost the Lease (client-go's leader election
 * likewise has a client, so a limiter, of its own).
 */
export function makeClients(config: KubeConfig, options: ClientOptions = {}): KubeClients {
  const transport = new KubeTransport(config, {
    ...(options.connections === undefined ? {} : { connections: options.connections }),
  });
  const clock = options.clock ?? systemClock;
  const { metrics } = options;
  const policy: RequestPolicy = {
    clock,
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    observers: metrics && {
      waited: (seconds) => {
        metrics.kubeRequestWait.inc(seconds);
      },
      retried: () => {
        metrics.kubeRetries.inc();
      },
    },
  };
  const limiter = options.rateLimit && new TokenBucket({ ...options.rateLimit, clock });
  const configuration = clientConfiguration(transport, { ...policy, limiter }, options);
  const leaseConfiguration = clientConfiguration(transport, policy, options);
  return {
    config,
    core: new CoreV1Api(configuration),
    batch: new BatchV1Api(configuration),
    custom: new CustomObjectsApi(configuration),
    coordination: new CoordinationV1Api(leaseConfiguration),
    objects: new ObjectApi(config, configuration),
    transport,
  };
}

// clientConfiguration is what KubeConfig.makeApiClient builds (the current cluster, the
// kubeconfig's credentials), over our pool and policy, with our user agent and the request
// timeout. The timeout starts before the rate limit's wait, so it bounds the whole request.
function clientConfiguration(
  transport: KubeTransport,
  policy: RequestPolicy,
  options: ClientOptions,
): Configuration {
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
    baseServer: new ServerConfiguration(transport.server, {}),
    authMethods: { default: transport.authentication() },
    httpApi: pooledHttpLibrary(transport, policy),
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
