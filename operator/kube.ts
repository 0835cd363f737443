// The operator's requests to the apiserver, each idempotent: server-side apply for what it
// owns, create-if-absent for runs and Events (their names are deterministic), status
// replaced with the resourceVersion it was computed from (a stale cache gets 409 and a retry).
// Every request of one identity, watches included, goes over one keep-alive connection pool
// (runtime/http-pool.ts), under the client-side rate limit (runtime/rate-limit.ts), as plain
// JSON (runtime/kube-rest.ts): only the requests below, nothing of client-node's generated
// clients is loaded. Tools that want those use kube-typed.ts on the same pool.
import type {
  CoreV1Event,
  KubeConfig,
  KubernetesObject,
  V1ConfigMap,
  V1CronJob,
  V1Job,
  V1Lease,
  V1Namespace,
  V1Pod,
} from '@kubernetes/client-node';
import { GROUP, VERSION } from './api/v1alpha1/common.ts';
import { FIELD_MANAGER } from './labels.ts';
import type { Metrics } from './metrics.ts';
import type { Clock } from './runtime/clock.ts';
import { systemClock } from './runtime/clock.ts';
import { KubeTransport, type RequestPolicy } from './runtime/http-pool.ts';
import type { KubeIdentity } from './runtime/kube-identity.ts';
import { ApiException, KubeRest, type Query } from './runtime/kube-rest.ts';
import { TokenBucket } from './runtime/rate-limit.ts';

/** USER_AGENT names the operator in the apiserver's logs and metrics. */
export const USER_AGENT = 'awscheck-operator';

/** KubeList is a list as the apiserver sends it. */
export interface KubeList<T> {
  readonly metadata?: { readonly resourceVersion?: string; readonly continue?: string };
  readonly items: T[];
}

/** ListParams select and page a list. */
export interface ListParams {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly limit?: number;
  readonly continue?: string;
}

/** Where one object of a namespace is. */
interface Named {
  readonly name: string;
  readonly namespace: string;
}

/** PatchType is how a patch's body is read: a JSON merge patch, or a server-side apply. */
export type PatchType = 'merge' | 'apply';

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** Per-call options: a signal that aborts the request beside the client's own timeout. */
export interface CallOptions {
  readonly signal?: AbortSignal;
}

const listQuery = (params: ListParams = {}): Query => ({
  labelSelector: params.labelSelector,
  fieldSelector: params.fieldSelector,
  limit: params.limit,
  continue: params.continue,
});

const namespaced = (group: string, namespace: string, resource: string, name?: string): string =>
  `${group}/namespaces/${encodeURIComponent(namespace)}/${resource}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;

const CORE = '/api/v1';
const BATCH = '/apis/batch/v1';
const COORDINATION = '/apis/coordination.k8s.io/v1';

/** CoreApi: the core/v1 requests the operator makes. */
export class CoreApi {
  readonly #rest: KubeRest;
  constructor(rest: KubeRest) {
    this.#rest = rest;
  }
  async listNamespace(params?: ListParams): Promise<KubeList<V1Namespace>> {
    return this.#rest.call('GET', `${CORE}/namespaces`, { query: listQuery(params) });
  }
  async listPodForAllNamespaces(params?: ListParams): Promise<KubeList<V1Pod>> {
    return this.#rest.call('GET', `${CORE}/pods`, { query: listQuery(params) });
  }
  async listNamespacedPod(params: ListParams & { namespace: string }): Promise<KubeList<V1Pod>> {
    const path = namespaced(CORE, params.namespace, 'pods');
    return this.#rest.call('GET', path, { query: listQuery(params) });
  }
  async listNamespacedConfigMap(
    params: ListParams & { namespace: string },
  ): Promise<KubeList<V1ConfigMap>> {
    const path = namespaced(CORE, params.namespace, 'configmaps');
    return this.#rest.call('GET', path, { query: listQuery(params) });
  }
  async listNamespacedEvent(
    params: ListParams & { namespace: string },
  ): Promise<KubeList<CoreV1Event>> {
    const path = namespaced(CORE, params.namespace, 'events');
    return this.#rest.call('GET', path, { query: listQuery(params) });
  }
  async createNamespacedEvent(params: {
    namespace: string;
    body: CoreV1Event;
  }): Promise<CoreV1Event> {
    const path = namespaced(CORE, params.namespace, 'events');
    return this.#rest.call('POST', path, { body: params.body });
  }
}

/** BatchApi: the batch/v1 requests the operator makes. */
export class BatchApi {
  readonly #rest: KubeRest;
  constructor(rest: KubeRest) {
    this.#rest = rest;
  }
  async listCronJobForAllNamespaces(params?: ListParams): Promise<KubeList<V1CronJob>> {
    return this.#rest.call('GET', `${BATCH}/cronjobs`, { query: listQuery(params) });
  }
  async listJobForAllNamespaces(params?: ListParams): Promise<KubeList<V1Job>> {
    return this.#rest.call('GET', `${BATCH}/jobs`, { query: listQuery(params) });
  }
  async createNamespacedJob(params: {
    namespace: string;
    body: V1Job;
    fieldManager?: string;
  }): Promise<V1Job> {
    const path = namespaced(BATCH, params.namespace, 'jobs');
    const query = { fieldManager: params.fieldManager };
    return this.#rest.call('POST', path, { query, body: params.body });
  }
  async readNamespacedJob(params: Named): Promise<V1Job> {
    return this.#rest.call('GET', namespaced(BATCH, params.namespace, 'jobs', params.name));
  }
  async deleteNamespacedJob(
    params: Named & { propagationPolicy?: 'Background' | 'Foreground' | 'Orphan' },
  ): Promise<void> {
    const path = namespaced(BATCH, params.namespace, 'jobs', params.name);
    await this.#rest.call('DELETE', path, {
      query: { propagationPolicy: params.propagationPolicy },
    });
  }
  async patchNamespacedJob(params: Patch<V1Job>): Promise<V1Job> {
    return this.#patch(namespaced(BATCH, params.namespace, 'jobs', params.name), params);
  }
  async patchNamespacedCronJob(params: Patch<V1CronJob>): Promise<V1CronJob> {
    return this.#patch(namespaced(BATCH, params.namespace, 'cronjobs', params.name), params);
  }
  async #patch<T>(path: string, params: Patch<T>): Promise<T> {
    return this.#rest.call('PATCH', path, {
      query: { fieldManager: params.fieldManager, force: params.force },
      body: params.body,
      contentType: PATCH_CONTENT_TYPES[params.patchType],
    });
  }
}

/** Patch is one patch of one object, by merge or server-side apply. */
export interface Patch<T> extends Named {
  readonly body: T | object;
  readonly patchType: PatchType;
  readonly fieldManager: string;
  /** Apply only: take the fields other managers own (the operator owns its children). */
  readonly force?: boolean;
}

/** CustomApi: the requests for the operator's own kinds. */
export class CustomApi {
  readonly #rest: KubeRest;
  constructor(rest: KubeRest) {
    this.#rest = rest;
  }
  async listClusterCustomObject(
    params: ListParams & { group: string; version: string; plural: string },
  ): Promise<KubeList<KubernetesObject>> {
    const path = `/apis/${params.group}/${params.version}/${params.plural}`;
    return this.#rest.call('GET', path, { query: listQuery(params) });
  }
  async replaceNamespacedCustomObjectStatus(
    params: Named & { group: string; version: string; plural: string; body: object },
  ): Promise<KubernetesObject> {
    const group = `/apis/${params.group}/${params.version}`;
    const path = `${namespaced(group, params.namespace, params.plural, params.name)}/status`;
    return this.#rest.call('PUT', path, {
      query: { fieldManager: FIELD_MANAGER },
      body: params.body,
    });
  }
}

/** CoordinationApi: the Lease requests of leader election. */
export class CoordinationApi {
  readonly #rest: KubeRest;
  constructor(rest: KubeRest) {
    this.#rest = rest;
  }
  async readNamespacedLease(params: Named, options: CallOptions = {}): Promise<V1Lease> {
    const path = namespaced(COORDINATION, params.namespace, 'leases', params.name);
    return this.#rest.call('GET', path, { signal: options.signal });
  }
  async createNamespacedLease(
    params: { namespace: string; body: V1Lease },
    options: CallOptions = {},
  ): Promise<V1Lease> {
    const path = namespaced(COORDINATION, params.namespace, 'leases');
    return this.#rest.call('POST', path, { body: params.body, signal: options.signal });
  }
  async replaceNamespacedLease(
    params: Named & { body: V1Lease },
    options: CallOptions = {},
  ): Promise<V1Lease> {
    const path = namespaced(COORDINATION, params.namespace, 'leases', params.name);
    return this.#rest.call('PUT', path, { body: params.body, signal: options.signal });
  }
}

/** KubeClients are the API clients of one identity. */
export interface KubeClients {
  readonly core: CoreApi;
  readonly batch: BatchApi;
  readonly custom: CustomApi;
  readonly coordination: CoordinationApi;
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

/** ClientPolicies are what makeClients' requests go through, with and without the limiter. */
export interface ClientPolicies {
  readonly limited: RequestPolicy;
  readonly unlimited: RequestPolicy;
}

/** clientPolicies are the request policies ClientOptions describe. */
export function clientPolicies(options: ClientOptions): ClientPolicies {
  const clock = options.clock ?? systemClock;
  const { metrics } = options;
  const unlimited: RequestPolicy = {
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
  return { limited: { ...unlimited, limiter }, unlimited };
}

/**
 * makeClients builds the clients of one identity, all on one connection pool. The Lease's
 * client skips the rate limit: leader election sends one small request per retry period
 * whatever the load, and a burst of worker requests queued in the bucket must not make a
 * renewal miss its deadline and cost the Lease (client-go's leader election likewise has a
 * client, so a limiter, of its own). A client-node KubeConfig is taken for its identity.
 */
export function makeClients(
  source: KubeIdentity | KubeConfig,
  options: ClientOptions = {},
): KubeClients {
  const transport = new KubeTransport(source, {
    ...(options.connections === undefined ? {} : { connections: options.connections }),
  });
  const { limited, unlimited } = clientPolicies(options);
  const rest = { requestTimeoutMs: options.requestTimeoutMs, userAgent: USER_AGENT };
  const worker = new KubeRest(transport, limited, rest);
  return {
    core: new CoreApi(worker),
    batch: new BatchApi(worker),
    custom: new CustomApi(worker),
    coordination: new CoordinationApi(new KubeRest(transport, unlimited, rest)),
    transport,
  };
}

/** isStatus tells whether an error is an apiserver answer with this HTTP status. */
export function isStatus(error: unknown, code: number): boolean {
  return error instanceof ApiException && error.code === code;
}

/** applyCronJob writes a CronJob by server-side apply under the operator's field manager. */
export async function applyCronJob(clients: KubeClients, cronJob: V1CronJob): Promise<V1CronJob> {
  return clients.batch.patchNamespacedCronJob({
    name: cronJob.metadata?.name ?? '',
    namespace: cronJob.metadata?.namespace ?? '',
    body: cronJob,
    patchType: 'apply',
    fieldManager: FIELD_MANAGER,
    force: true,
  });
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
): Promise<KubernetesObject> {
  const { metadata } = ref.object;
  return clients.custom.replaceNamespacedCustomObjectStatus({
    group: GROUP,
    version: VERSION,
    plural: ref.plural,
    namespace: metadata?.namespace ?? '',
    name: metadata?.name ?? '',
    body: { ...ref.object, status },
  });
}
