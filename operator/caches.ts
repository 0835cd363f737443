// The operator's view of the cluster: one informer per kind it reads. Jobs and Pods are
// label-selected, so those caches hold only what the operator made; CronJobs are all
// cached (see below).
import type {
  KubernetesObject,
  V1ConfigMap,
  V1CronJob,
  V1Job,
  V1Namespace,
  V1Pod,
} from '@kubernetes/client-node';
import { GROUP, VERSION } from './api/v1alpha1/common.ts';
import { shapeFor } from './cache-shape.ts';
import type { KubeClients, KubeList } from './kube.ts';
import { describe, type Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import { CATALOG_CONFIGMAP } from './plans/catalog.ts';
import { MANAGED_SELECTOR } from './labels.ts';
import {
  startInformer,
  type Informer,
  type InformerEvent,
  type ListAnswer,
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
    list: () => Promise<ListAnswer<T>>,
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
  const listCustom = (plural: string) => async (page: Page) =>
    custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural, ...page });
  const selector = MANAGED_SELECTOR;
  const catalogSelector = `metadata.name=${CATALOG_CONFIGMAP}`;
  const caches: Caches = {
    checks: start(
      'checks',
      `/apis/${GROUP}/${VERSION}/awschecks`,
      paged('checks', listCustom('awschecks')),
    ),
    credentials: start(
      'credentials',
      `/apis/${GROUP}/${VERSION}/awscredentialrefs`,
      paged('credentials', listCustom('awscredentialrefs')),
    ),
    namespaces: start(
      'namespaces',
      '/api/v1/namespaces',
      paged('namespaces', (page) => core.listNamespace(page)),
    ),
    // Every CronJob, not only ours: a check refuses to take over a CronJob of its CronJob's
    // name that is not its own, judged from this cache rather than a GET per new check.
    cronJobs: start(
      'cronJobs',
      '/apis/batch/v1/cronjobs',
      paged('cronJobs', (page) => batch.listCronJobForAllNamespaces(page)),
    ),
    jobs: start(
      'jobs',
      '/apis/batch/v1/jobs',
      paged('jobs', (page) => batch.listJobForAllNamespaces({ labelSelector: selector, ...page })),
      { labelSelector: selector },
    ),
    pods: start(
      'pods',
      '/api/v1/pods',
      paged('pods', (page) => core.listPodForAllNamespaces({ labelSelector: selector, ...page })),
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

/** LIST_PAGE_SIZE is how many objects one page of a cache's list holds (client-go's 500). */
export const LIST_PAGE_SIZE = 500;

/** Page asks for one page of a list. */
interface Page {
  readonly limit: number;
  readonly continue?: string;
}

/**
 * paged lists a collection page by page, shaping each page as it arrives, so a relist of
 * thousands of objects never holds them all whole at once. Every page is of the first
 * page's snapshot; the list carries its resourceVersion, where the watch resumes.
 */
export function paged<T extends KubernetesObject>(
  kind: CacheKind,
  page: (page: Page) => Promise<KubeList<T>>,
): () => Promise<ListAnswer<T>> {
  const shape = shaped<T>(kind);
  return async () => {
    const items: T[] = [];
    let next: string | undefined;
    let resourceVersion: string | undefined;
    do {
      const answer = await page({ limit: LIST_PAGE_SIZE, ...(next && { continue: next }) });
      for (const item of answer.items) items.push(shape(item));
      resourceVersion ??= answer.metadata?.resourceVersion;
      next = answer.metadata?.continue;
    } while (next);
    // Without it the watch could not resume where the list ended.
    if (resourceVersion === undefined)
      throw new Error(`the apiserver's list of ${kind} carries no resourceVersion`);
    return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion }, items };
  };
}

// shaped is the cache's shape typed for its informer: it keeps every field of T the
// operator reads and drops only the others, so what remains is still read as a T.
function shaped<T extends KubernetesObject>(kind: CacheKind): (object: T) => T {
  const shape = shapeFor(kind);
  return (object) => shape(object) as T;
}
