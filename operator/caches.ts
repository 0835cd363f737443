// The operator's view of the cluster: one informer per kind it reads. Children are
// label-selected, so the caches hold only what the operator made.
import type {
  KubernetesListObject,
  KubernetesObject,
  V1ConfigMap,
  V1CronJob,
  V1Job,
  V1Namespace,
  V1Pod,
} from '@kubernetes/client-node';
import { GROUP, VERSION } from './api/v1alpha1/common.ts';
import { shapeFor } from './cache-shape.ts';
import type { KubeClients } from './kube.ts';
import { describe, type Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import { CATALOG_CONFIGMAP } from './plans/catalog.ts';
import { MANAGED_SELECTOR } from './labels.ts';
import {
  startInformer,
  type Informer,
  type InformerEvent,
  type WatchEnd,
} from './runtime/informer.ts';

/** Caches are the informers the controllers read from. */
export interface Caches {
  readonly checks: Informer<KubernetesObject>;
  readonly credentials: Informer<KubernetesObject>;
  readonly namespaces: Informer<V1Namespace>;
  readonly cronJobs: Informer<V1CronJob>;
  readonly jobs: Informer<V1Job>;
  readonly pods: Informer<V1Pod>;
  /** The plan catalog ConfigMap, alone, in the operator's namespace. */
  readonly catalog: Informer<V1ConfigMap>;
}

/**
 * CacheObservers hear how the caches' watches fare: every restart is logged and counted,
 * by reason (closed, expired, error). A watch the apiserver ends at the timeout it was
 * asked for is routine and logged at info; every other end is a warning.
 */
export interface CacheObservers {
  readonly log: Logger;
  readonly metrics: Metrics;
}

/** CacheKind names one of the caches. */
export type CacheKind = keyof Caches;

/** CacheListener hears every change in every cache. */
export type CacheListener = (
  kind: CacheKind,
  event: InformerEvent,
  object: KubernetesObject,
) => void;

/**
 * startCaches starts every informer; `synced` resolves when all have listed. The catalog
 * is watched by name in `namespace` (the operator's), which its RBAC allows by name only.
 */
export function startCaches(
  clients: KubeClients,
  namespace: string,
  listener: CacheListener,
  observers: CacheObservers,
): { caches: Caches; synced: Promise<void>; stop: () => Promise<void> } {
  const onError = (kind: CacheKind, error: unknown, retryInMs: number): void => {
    observers.metrics.watchRestarts.inc({ cache: kind, reason: 'error' });
    observers.log.warn({ cache: kind, retryInMs, err: describe(error) }, 'watch failed; retrying');
  };
  const onWatchEnd = (kind: CacheKind, end: WatchEnd): void => {
    observers.metrics.watchRestarts.inc({ cache: kind, reason: end.reason });
    const fields = { cache: kind, ...end };
    if (end.routine) observers.log.info(fields, 'watch ended at its timeout; resuming');
    else if (end.reason === 'expired') observers.log.warn(fields, 'watch expired (410); relisting');
    else observers.log.warn(fields, 'watch closed early; resuming');
  };
  const { transport, core, batch, custom } = clients;
  const start = <T extends KubernetesObject>(
    kind: CacheKind,
    path: string,
    list: () => Promise<KubernetesListObject<T>>,
    selectors: { labelSelector?: string; fieldSelector?: string } = {},
  ): Informer<T> =>
    startInformer<T>(transport, {
      path,
      list,
      ...selectors,
      transform: shaped<T>(kind),
      onEvent: (event, object) => {
        listener(kind, event, object);
      },
      onError: (error, retry) => {
        onError(kind, error, retry);
      },
      onWatchEnd: (end) => {
        onWatchEnd(kind, end);
      },
    });
  const listCustom =
    (plural: string) => async (): Promise<KubernetesListObject<KubernetesObject>> =>
      (await custom.listClusterCustomObject({
        group: GROUP,
        version: VERSION,
        plural,
      })) as KubernetesListObject<KubernetesObject>;
  const selector = MANAGED_SELECTOR;
  const catalogSelector = `metadata.name=${CATALOG_CONFIGMAP}`;
  const caches: Caches = {
    checks: start('checks', `/apis/${GROUP}/${VERSION}/awschecks`, listCustom('awschecks')),
    credentials: start(
      'credentials',
      `/apis/${GROUP}/${VERSION}/awscredentialrefs`,
      listCustom('awscredentialrefs'),
    ),
    namespaces: start('namespaces', '/api/v1/namespaces', () => core.listNamespace()),
    cronJobs: start(
      'cronJobs',
      '/apis/batch/v1/cronjobs',
      () => batch.listCronJobForAllNamespaces({ labelSelector: selector }),
      { labelSelector: selector },
    ),
    jobs: start(
      'jobs',
      '/apis/batch/v1/jobs',
      () => batch.listJobForAllNamespaces({ labelSelector: selector }),
      { labelSelector: selector },
    ),
    pods: start(
      'pods',
      '/api/v1/pods',
      () => core.listPodForAllNamespaces({ labelSelector: selector }),
      { labelSelector: selector },
    ),
    catalog: start(
      'catalog',
      `/api/v1/namespaces/${namespace}/configmaps`,
      () => core.listNamespacedConfigMap({ namespace, fieldSelector: catalogSelector }),
      { fieldSelector: catalogSelector },
    ),
  };
  const informers = Object.values(caches) as Informer<KubernetesObject>[];
  return {
    caches,
    synced: Promise.all(informers.map((i) => i.synced)).then(() => undefined),
    stop: async () => {
      await Promise.all(informers.map((i) => i.stop()));
    },
  };
}

// shaped is the cache's shape typed for its informer: it keeps every field of T the
// operator reads and drops only the others, so what remains is still read as a T.
function shaped<T extends KubernetesObject>(kind: CacheKind): (object: T) => T {
  const shape = shapeFor(kind);
  return (object) => shape(object) as T;
}
