// The plan catalog in force, read from the ConfigMap awscheck-plans in the operator's
// namespace (the same one the operator enforces), reused for a short while. A missing or
// invalid ConfigMap is an error (the pricing page answers 503), never a built-in default.
import { ApiException, type CoreV1Api } from '@kubernetes/client-node';
import { CATALOG_CONFIGMAP, type PlanCatalog } from '../operator/plans/catalog.ts';
import { catalogFromConfigMap } from '../operator/plans/configmap.ts';
import type { CatalogSource } from './deps.ts';
import { portalError } from './errors.ts';

/** CatalogSourceOptions say where the catalog lives and how long a read is reused. */
export interface CatalogSourceOptions {
  readonly core: CoreV1Api;
  readonly namespace: string;
  readonly cacheMs: number;
  readonly now: () => Date;
}

/**
 * configMapCatalog reads the catalog at most once per `cacheMs`; concurrent callers share
 * one read, and a failed read is not cached, so the next request tries again.
 */
export function configMapCatalog(options: CatalogSourceOptions): CatalogSource {
  let cached: { catalog: PlanCatalog; readAt: number } | undefined;
  let reading: Promise<PlanCatalog> | undefined;
  const read = async (): Promise<PlanCatalog> => {
    try {
      const configMap = await options.core.readNamespacedConfigMap({
        name: CATALOG_CONFIGMAP,
        namespace: options.namespace,
      });
      const catalog = catalogFromConfigMap(configMap);
      cached = { catalog, readAt: options.now().getTime() };
      return catalog;
    } catch (error) {
      if (error instanceof ApiException && error.code !== 404) throw error;
      throw portalError('CatalogUnavailable', { cause: error });
    } finally {
      reading = undefined;
    }
  };
  return {
    current: async () => {
      if (cached !== undefined && options.now().getTime() - cached.readAt < options.cacheMs)
        return cached.catalog;
      reading ??= read();
      return reading;
    },
  };
}
