// Provisioning as the portal does it, for tests: the portal's one identity
// (portal-identity.ts) in a namespace of its own, once the quota controller counts our
// kinds; a catalog a test can change; tenant namespaces read as the admin sees them; and
// tenant states made as Stripe events would make them.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiException, type V1ConfigMap, type V1Namespace } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { pino } from 'pino';
import {
  CATALOG_CONFIGMAP,
  CATALOG_KEY,
  defaultCatalog,
  type Plan,
  type PlanCatalog,
} from '../../operator/plans/catalog.ts';
import { configMapCatalog } from '../../portal/catalog-source.ts';
import { TENANT_LABEL, tenantNamespace } from '../../operator/plans/tenancy.ts';
import type { CatalogSource } from '../../portal/deps.ts';
import type { TenantState } from '../../portal/provisioning/tenant-state.ts';
import { tenantVersion } from '../../portal/provisioning/join.ts';
import { stateVersion } from '../../portal/provisioning/version.ts';
import type { TestEnvInfo } from '../env/environment.ts';
import { QUOTA_NAME } from '../../portal/provisioning/plan.ts';
import { eventually } from './eventually.ts';
import { installCrds } from './crds.ts';
import { kubeClients, uniqueName } from './kube.ts';
import { installPortalServiceAccount, type PortalServiceAccount } from './portal-identity.ts';

export { PORTAL_FENCE_DENIAL, type PortalServiceAccount } from './portal-identity.ts';

/**
 * installTenantPortal installs the portal's identity (installPortalServiceAccount) in a
 * fresh namespace of its own, once the quota controller counts our kinds
 * (awaitQuotaDiscovery), for tests that provision through createProvisioner directly.
 */
export async function installTenantPortal(env: TestEnvInfo): Promise<PortalServiceAccount> {
  await installCrds(env.kubeconfig);
  await awaitQuotaDiscovery(env.kubeconfig);
  return installPortalServiceAccount(env, `awscheck-portal-${randomBytes(3).toString('hex')}`);
}

/** readTenantNamespace is a tenant's Namespace as the admin reads it, or undefined. */
export async function readTenantNamespace(
  adminKubeconfig: string,
  tenantId: string,
): Promise<V1Namespace | undefined> {
  try {
    return await kubeClients(adminKubeconfig).core.readNamespace({
      name: tenantNamespace(tenantId),
    });
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return undefined;
    throw error;
  }
}

/** countTenantNamespaces is how many namespaces carry TENANT_LABEL. */
export async function countTenantNamespaces(adminKubeconfig: string): Promise<number> {
  const listed = await kubeClients(adminKubeconfig).core.listNamespace({
    labelSelector: TENANT_LABEL,
  });
  return listed.items.length;
}

/** ClusterCatalog is the portal's real catalog source over a ConfigMap a test edits. */
export interface ClusterCatalog extends CatalogSource {
  /** set replaces the ConfigMap's catalog, as `kubectl edit` would. */
  set(catalog: PlanCatalog): Promise<void>;
}

/**
 * clusterCatalog writes `catalog` (default: the shipped one) as the ConfigMap
 * awscheck-plans in the portal's namespace and reads it back as the portal does
 * (configMapCatalog, as the portal's identity, never cached), so a test that changes a
 * plan goes through the same ConfigMap, RBAC and parsing as a running portal.
 */
export async function clusterCatalog(
  env: TestEnvInfo,
  portal: PortalServiceAccount,
  catalog: PlanCatalog = defaultCatalog(),
): Promise<ClusterCatalog> {
  const { core } = kubeClients(env.kubeconfig);
  const namespace = portal.namespace;
  const body = (next: PlanCatalog): V1ConfigMap => ({
    metadata: { name: CATALOG_CONFIGMAP, namespace },
    data: { [CATALOG_KEY]: stringify(next) },
  });
  const set = async (next: PlanCatalog): Promise<void> => {
    await core.replaceNamespacedConfigMap({ name: CATALOG_CONFIGMAP, namespace, body: body(next) });
  };
  try {
    await core.createNamespacedConfigMap({ namespace, body: body(catalog) });
  } catch (error) {
    if (!(error instanceof ApiException && error.code === 409)) throw error;
    await set(catalog);
  }
  const source = configMapCatalog({
    core: portal.kube.core,
    namespace,
    cacheMs: 0,
    now: () => new Date(),
  });
  return { current: () => source.current(), set };
}

/** withPlan is a catalog with one plan's limits changed. */
export function withPlan(catalog: PlanCatalog, name: string, change: Partial<Plan>): PlanCatalog {
  const plan = catalog.plans[name];
  if (plan === undefined) throw new Error(`the catalog has no plan ${name}`);
  return { plans: { ...catalog.plans, [name]: { ...plan, ...change } } };
}

/** quietLog is a logger that writes nothing. */
export const quietLog = pino({ level: 'silent' });

/** newTenantId is a fresh tenant id, shaped like a Cognito sub. */
export function newTenantId(): string {
  return uniqueName('sub');
}

/**
 * paidState is the state a subscription event at second `at` asks for: plan on subscription
 * `sub_<epoch>` (created at `epoch`), Stripe status `status`.
 */
export function paidState(
  tenantId: string,
  plan: string,
  times: { readonly epoch: number; readonly at: number },
  status = 'active',
): TenantState {
  const version = stateVersion({
    epoch: times.epoch,
    event: times.at,
    status,
    tiebreak: `evt_${times.at}`,
  });
  const billing = { customerId: 'cus_test', subscriptionId: `sub_${times.epoch}`, status, version };
  return {
    tenantId,
    plan,
    billing,
    freeSince: undefined,
    version: tenantVersion(billing, undefined),
  };
}

/**
 * quotaCounted waits until the quota controller has counted a tenant's plan quota (its
 * status holds every hard limit of its spec): until then the quota admission refuses every
 * create it covers with "status unknown for quota". A custom resource is counted only once
 * the controller's discovery has seen its CRD (every 30 s), so this can take that long.
 */
export async function quotaCounted(adminKubeconfig: string, namespace: string): Promise<void> {
  const admin = kubeClients(adminKubeconfig);
  await eventually(
    `the quota of ${namespace} to be counted`,
    async () => {
      const quota = await admin.core.readNamespacedResourceQuota({ name: QUOTA_NAME, namespace });
      const spec = quota.spec?.hard ?? {};
      const { hard = {}, used = {} } = quota.status ?? {};
      const counted = Object.entries(spec).every(
        ([key, value]) => hard[key] === value && used[key] !== undefined,
      );
      return counted ? true : undefined;
    },
    90_000,
  );
}

/**
 * awaitQuotaDiscovery waits until the quota controller counts our kinds. It finds a new
 * CRD by discovery every 30 s, and a quota created before that is left uncounted until
 * the controller's next full resync (minutes), refusing every create with "status unknown
 * for quota". A real cluster installs the CRDs long before its first tenant; a test
 * environment installs them moments before, so tests wait here, once, before provisioning:
 * a probe quota's limit is bumped each try (a changed limit makes the controller recount).
 */
export async function awaitQuotaDiscovery(adminKubeconfig: string): Promise<void> {
  const admin = kubeClients(adminKubeconfig);
  const namespace = uniqueName('quota-probe');
  await admin.core.createNamespace({ body: { metadata: { name: namespace } } });
  const resource = 'count/awschecks.awscheck.io';
  let tries = 0;
  await eventually(
    'the quota controller to count AwsChecks',
    async () => {
      tries += 1;
      const body = { metadata: { name: 'probe' }, spec: { hard: { [resource]: String(tries) } } };
      await (tries === 1
        ? admin.core.createNamespacedResourceQuota({ namespace, body })
        : admin.core.replaceNamespacedResourceQuota({ name: 'probe', namespace, body }));
      await sleep(500);
      const quota = await admin.core.readNamespacedResourceQuota({ name: 'probe', namespace });
      return quota.status?.used?.[resource] === undefined ? undefined : true;
    },
    90_000,
  );
  await admin.core.deleteNamespace({ name: namespace });
}
