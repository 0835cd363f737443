import {
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { Clock } from './clock.ts';
import { systemClock } from './clock.ts';

/** InformerEvent is what changed in the cache. */
export type InformerEvent = 'add' | 'update' | 'delete';

/** InformerOptions describe one watched collection. */
export interface InformerOptions<T extends KubernetesObject> {
  /** API path of the collection, e.g. `/apis/batch/v1/jobs` (all namespaces). */
  readonly path: string;
  readonly list: () => Promise<KubernetesListObject<T>>;
  /** Only objects with these labels are cached: the operator watches only its own children. */
  readonly labelSelector?: string;
  /** Only objects matching these fields are cached (e.g. `metadata.name=awscheck-plans`). */
  readonly fieldSelector?: string;
  readonly onEvent: (event: InformerEvent, object: T) => void;
  readonly onError: (error: unknown, retryInMs: number) => void;
  readonly clock?: Clock;
  readonly maxBackoffMs?: number;
}

/** Informer is a watched, cached collection. */
export interface Informer<T extends KubernetesObject> {
  get(name: string, namespace?: string): T | undefined;
  list(namespace?: string): readonly T[];
  /** synced resolves once the first full list is in the cache. */
  readonly synced: Promise<void>;
  isSynced(): boolean;
  stop(): Promise<void>;
}

/**
 * startInformer lists then watches a collection into a cache. client-node's ListWatch
 * relists on 410 Gone and backs off between ordinary reconnects; it stops on any other
 * error, so this restarts it with a capped exponential backoff until `stop`.
 */
export function startInformer<T extends KubernetesObject>(
  kubeConfig: KubeConfig,
  options: InformerOptions<T>,
): Informer<T> {
  const clock = options.clock ?? systemClock;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const stopped = new AbortController();
  let failures = 0;
  let synced = false;
  let markSynced: () => void = () => undefined;
  const syncedPromise = new Promise<void>((resolve) => (markSynced = resolve));

  // ListWatch fills its cache right after the list resolves, so synced is marked on the
  // next turn of the event loop, when the listed objects are in the cache.
  const list = async (): Promise<KubernetesListObject<T>> => {
    const result = await options.list();
    failures = 0;
    setImmediate(() => {
      synced = true;
      markSynced();
    });
    return result;
  };
  const watch = new ListWatch<T>(
    options.path,
    new Watch(kubeConfig),
    list,
    false,
    options.labelSelector,
    options.fieldSelector,
  );
  const restartLater = (error: unknown): void => {
    if (stopped.signal.aborted) return;
    failures += 1;
    const delay = Math.min(1_000 * 2 ** (failures - 1), maxBackoffMs);
    options.onError(error, delay);
    clock.sleep(delay, stopped.signal).then(start, () => undefined);
  };
  const start = (): void => {
    watch.start().catch(restartLater);
  };
  watch.on('add', (object) => {
    options.onEvent('add', object);
  });
  watch.on('update', (object) => {
    options.onEvent('update', object);
  });
  watch.on('delete', (object) => {
    options.onEvent('delete', object);
  });
  watch.on('error', restartLater);
  start();
  return {
    get: (name, namespace) => watch.get(name, namespace),
    list: (namespace) => watch.list(namespace),
    synced: syncedPromise,
    isSynced: () => synced,
    stop: async () => {
      stopped.abort();
      await watch.stop();
    },
  };
}
