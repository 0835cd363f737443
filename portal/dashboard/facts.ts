// Gathers what the dashboard shows, live from the cluster, for one tenant namespace.
import {
  ApiException,
  type CoreV1Api,
  type V1Namespace,
  type V1ResourceQuota,
} from '@kubernetes/client-node';
import type { AwsCheck } from '../../operator/api/v1alpha1/awscheck.ts';
import type { AwsCredentialRef } from '../../operator/api/v1alpha1/awscredentialref.ts';
import { GROUP, VERSION } from '../../operator/api/v1alpha1/common.ts';
import type { CatalogSource, PortalKube } from '../deps.ts';
import { QUOTA_NAME } from '../provisioning/plan.ts';
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

/** planQuota is the plan's ResourceQuota, or none while provisioning has not written it. */
async function planQuota(core: CoreV1Api, namespace: string): Promise<V1ResourceQuota[]> {
  try {
    return [await core.readNamespacedResourceQuota({ name: QUOTA_NAME, namespace })];
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return [];
    throw error;
  }
}

/**
 * gatherDashboard reads the plan's quota (by name: the portal's RBAC grants get, not
 * list), the checks and the credential refs of a tenant namespace.
 */
export async function gatherDashboard(
  kube: PortalKube,
  catalog: CatalogSource,
  namespace: V1Namespace,
): Promise<DashboardFacts> {
  const name = namespace.metadata?.name ?? '';
  const [plans, quotas, checks, credentials] = await Promise.all([
    catalog.current(),
    planQuota(kube.core, name),
    listOurs<AwsCheck>(kube, 'awschecks', name),
    listOurs<AwsCredentialRef>(kube, 'awscredentialrefs', name),
  ]);
  return { namespace, catalog: plans, quotas, checks, credentials };
}
