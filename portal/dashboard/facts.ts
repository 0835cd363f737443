// Gathers what the dashboard shows, live from the cluster, for one tenant namespace.
import type { V1Namespace } from '@kubernetes/client-node';
import type { AwsCheck } from '../../operator/api/v1alpha1/awscheck.ts';
import type { AwsCredentialRef } from '../../operator/api/v1alpha1/awscredentialref.ts';
import { GROUP, VERSION } from '../../operator/api/v1alpha1/common.ts';
import type { CatalogSource, PortalKube } from '../deps.ts';
import type { DashboardFacts } from './plan.ts';

/** listOurs lists one of our kinds in a namespace. */
export async function listOurs<T>(
  kube: PortalKube,
  plural: 'awschecks' | 'awscredentialrefs',
  namespace: string,
): Promise<T[]> {
  const list = (await kube.custom.listNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    plural,
    namespace,
  })) as { items?: T[] };
  return list.items ?? [];
}

/** gatherDashboard reads the quotas, checks and credential refs of a tenant namespace. */
export async function gatherDashboard(
  kube: PortalKube,
  catalog: CatalogSource,
  namespace: V1Namespace,
): Promise<DashboardFacts> {
  const name = namespace.metadata?.name ?? '';
  const [plans, quotas, checks, credentials] = await Promise.all([
    catalog.current(),
    kube.core.listNamespacedResourceQuota({ namespace: name }),
    listOurs<AwsCheck>(kube, 'awschecks', name),
    listOurs<AwsCredentialRef>(kube, 'awscredentialrefs', name),
  ]);
  return { namespace, catalog: plans, quotas: quotas.items, checks, credentials };
}
