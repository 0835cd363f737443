import type { Caches } from '../caches.ts';
import type { OperatorConfig } from '../config.ts';
import type { KubeClients } from '../kube.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Clock } from '../runtime/clock.ts';
import type { CatalogKeeper } from './plan-facts.ts';

/** ControllerContext is what every reconcile reads from and writes through. */
export interface ControllerContext {
  readonly config: OperatorConfig;
  readonly clients: KubeClients;
  readonly caches: Caches;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly clock: Clock;
  /** The plan catalog in force for this process. */
  readonly catalog: CatalogKeeper;
}

/**
 * ReconcileResult tells the worker when to look at a key again although nothing changed
 * (a run's deadline, the next revalidation). Undefined: only when something changes.
 */
export interface ReconcileResult {
  readonly requeueAfterMs?: number;
  /**
   * backoff: the object waits on something that frees itself (a ResourceQuota); look again
   * after the key's growing backoff, as after an error, though its status is written.
   */
  readonly backoff?: boolean;
}

/** splitKey turns a queue key `namespace/name` back into its parts. */
export function splitKey(key: string): { namespace: string; name: string } {
  const at = key.indexOf('/');
  return { namespace: key.slice(0, at), name: key.slice(at + 1) };
}
