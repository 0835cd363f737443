// Provisioning as the portal does it, for tests: the portal's ServiceAccount awscheck-portal
// in a namespace of its own, bound by exactly the generated manifests (portal/rbac.ts:
// ClusterRole, ClusterRoleBinding, catalog Role and RoleBinding; the ClusterRoleBinding
// renamed per install so test files sharing the apiserver do not rebind each other's),
// acting through a token minted by a TokenRequest as the portal's pod would; a catalog a
// test can change; and tenant states made as Stripe events would make them.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { defaultCatalog, type Plan, type PlanCatalog } from '../../operator/plans/catalog.ts';
import { tenantRoleManifest } from '../../operator/rbac.ts';
import type { CatalogSource, PortalKube } from '../../portal/deps.ts';
import type { TenantState } from '../../portal/provisioning/tenant-state.ts';
import { tenantVersion } from '../../portal/provisioning/join.ts';
import { stateVersion } from '../../portal/provisioning/version.ts';
import { PORTAL_SERVICE_ACCOUNT, portalRbacManifests } from '../../portal/rbac.ts';
import type { TestEnvInfo } from '../env/environment.ts';
import {
  portalFenceBinding,
  portalFencePolicy,
  PORTAL_FENCE_POLICY,
} from '../../portal/admission.ts';
import { QUOTA_NAME } from '../../portal/provisioning/plan.ts';
import { applyObject } from './admission.ts';
import { eventually } from './eventually.ts';
import { installCrds } from './crds.ts';
import { kubeClients, uniqueName } from './kube.ts';

/** PortalServiceAccount is one installed portal identity. */
export interface PortalServiceAccount {
  /** The namespace its ServiceAccount lives in (the operator's namespace in a real install). */
  readonly namespace: string;
  /** A kubeconfig file acting as the portal's ServiceAccount. */
  readonly kubeconfig: string;
  readonly kube: PortalKube;
}

/** portalKube makes the portal's clients from a kubeconfig file. */
export function portalKube(kubeconfigPath: string): PortalKube {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfigPath);
  return {
    config,
    core: config.makeApiClient(CoreV1Api),
    custom: config.makeApiClient(CustomObjectsApi),
  };
}

/**
 * installPortalServiceAccount installs the CRDs, the tenant ClusterRole (the one the
 * portal may bind), the generated portal RBAC for a fresh ServiceAccount and its admission
 * fence (portal/admission.ts, in force before it returns), once the quota controller
 * counts our kinds (awaitQuotaDiscovery).
 */
export async function installPortalServiceAccount(env: TestEnvInfo): Promise<PortalServiceAccount> {
  await installCrds(env.kubeconfig);
  await applyObject(env.kubeconfig, tenantRoleManifest());
  await awaitQuotaDiscovery(env.kubeconfig);
  const admin = kubeClients(env.kubeconfig);
  const namespace = `awscheck-portal-${randomBytes(3).toString('hex')}`;
  await admin.core.createNamespace({ body: { metadata: { name: namespace } } });
  await admin.core.createNamespacedServiceAccount({
    namespace,
    body: { metadata: { name: PORTAL_SERVICE_ACCOUNT } },
  });
  const [clusterRole, binding, role, roleBinding] = portalRbacManifests(namespace);
  binding.metadata = { name: `${namespace}-portal` };
  for (const object of [clusterRole, binding, role, roleBinding])
    await applyObject(env.kubeconfig, object);
  await applyObject(env.kubeconfig, portalFencePolicy(namespace));
  await applyObject(env.kubeconfig, portalFenceBinding(namespace));
  const issued = await admin.core.createNamespacedServiceAccountToken({
    name: PORTAL_SERVICE_ACCOUNT,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const kubeconfig = join(env.runDir, `${namespace}.kubeconfig`);
  const cluster = { server: env.apiServerUrl, 'certificate-authority': env.caCert };
  await writeFile(
    kubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'test', cluster }],
      users: [{ name: 'portal', user: { token: issued.status?.token } }],
      contexts: [{ name: 'portal', context: { cluster: 'test', user: 'portal' } }],
      'current-context': 'portal',
    }),
    { mode: 0o600 },
  );
  const kube = portalKube(kubeconfig);
  await awaitPortalFence(kube, namespace);
  return { namespace, kubeconfig, kube };
}

/** PORTAL_FENCE_DENIAL starts the message of every refusal by the portal's fence. */
export const PORTAL_FENCE_DENIAL = `ValidatingAdmissionPolicy '${PORTAL_FENCE_POLICY}.`;

// awaitPortalFence waits until the fence refuses the portal a quota outside tenant
// namespaces (a dry run: nothing is written either way), so every test runs inside it.
async function awaitPortalFence(kube: PortalKube, namespace: string): Promise<void> {
  await eventually(`the portal's admission fence in ${namespace}`, async () => {
    try {
      await kube.core.createNamespacedResourceQuota({
        namespace,
        body: { metadata: { name: 'fence-probe' }, spec: { hard: { pods: '1' } } },
        dryRun: 'All',
      });
    } catch (error) {
      if (String((error as { body?: unknown }).body).includes(PORTAL_FENCE_DENIAL)) return true;
    }
    return undefined;
  });
}

/** SettableCatalog is a CatalogSource a test changes, as an edit of the ConfigMap would. */
export interface SettableCatalog extends CatalogSource {
  set(catalog: PlanCatalog): void;
}

/** settableCatalog starts from `catalog` (default: the shipped one). */
export function settableCatalog(catalog: PlanCatalog = defaultCatalog()): SettableCatalog {
  let current = catalog;
  return {
    current: async () => Promise.resolve(current),
    set: (next) => {
      current = next;
    },
  };
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
