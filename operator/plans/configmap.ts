// The plan catalog as a ConfigMap: how it is shipped to a cluster, and how it is read back.
import type { V1ConfigMap } from '@kubernetes/client-node';
import {
  CATALOG_CONFIGMAP,
  CATALOG_KEY,
  catalogFileText,
  parseCatalog,
  type PlanCatalog,
} from './catalog.ts';

/** DEFAULT_CATALOG_NAMESPACE is the namespace of the default install. */
export const DEFAULT_CATALOG_NAMESPACE = 'awscheck-system';

/** catalogConfigMap is the catalog file as the ConfigMap of an install in `namespace`. */
export function catalogConfigMap(namespace = DEFAULT_CATALOG_NAMESPACE): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: CATALOG_CONFIGMAP,
      namespace,
      labels: { 'app.kubernetes.io/part-of': 'awscheck-operator' },
    },
    data: { [CATALOG_KEY]: catalogFileText() },
  };
}

/** catalogFromConfigMap parses the catalog a ConfigMap holds, or throws saying what is wrong. */
export function catalogFromConfigMap(configMap: V1ConfigMap): PlanCatalog {
  const { namespace = '', name = '' } = configMap.metadata ?? {};
  const source = `ConfigMap ${namespace}/${name} key ${CATALOG_KEY}`;
  const text = configMap.data?.[CATALOG_KEY];
  if (text === undefined) throw new Error(`plan catalog ${source} is missing`);
  return parseCatalog(text, source);
}
