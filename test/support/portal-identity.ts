// The portal's one identity for tests, as a real install runs it: the ServiceAccount
// awscheck-portal in the install's namespace (where the catalog ConfigMap lives), bound by
// exactly the generated manifests (portal/rbac.ts: ClusterRole, ClusterRoleBinding, catalog
// Role and RoleBinding; the ClusterRoleBinding renamed per install so test files sharing
// the apiserver do not rebind each other's), fenced by the generated admission policy
// (portal/admission.ts, bound for that ServiceAccount's username and in force before it
// returns), acting through a token minted by a TokenRequest as the portal's pod would.
// Billing, webhook, provisioning and isolation tests, the benchmark, `npm run dev` and the
// browser journey all use it, so all of them meet the same authorization and admission.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiException, KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { tenantRoleManifest } from '../../operator/rbac.ts';
import {
  portalFenceBinding,
  portalFencePolicy,
  PORTAL_FENCE_POLICY,
} from '../../portal/admission.ts';
import type { PortalKube } from '../../portal/deps.ts';
import { portalKube as clientsOf } from '../../portal/real-deps.ts';
import { PORTAL_SERVICE_ACCOUNT, portalRbacManifests } from '../../portal/rbac.ts';
import type { TestEnvInfo } from '../env/environment.ts';
import { applyObject } from './admission.ts';
import { installCrds } from './crds.ts';
import { eventually } from './eventually.ts';
import { kubeClients } from './kube.ts';

/** PORTAL_TOKEN_SECONDS is how long the portal's test token lives (a day: `npm run dev`). */
const PORTAL_TOKEN_SECONDS = 24 * 3600;

/** PORTAL_FENCE_DENIAL starts the message of every refusal by the portal's fence. */
export const PORTAL_FENCE_DENIAL = `ValidatingAdmissionPolicy '${PORTAL_FENCE_POLICY}.`;

/** PortalServiceAccount is one installed portal identity. */
export interface PortalServiceAccount {
  /** The namespace its ServiceAccount lives in (the install's, holding the catalog). */
  readonly namespace: string;
  /** A kubeconfig file acting as the portal's ServiceAccount. */
  readonly kubeconfig: string;
  readonly kube: PortalKube;
}

/** TEST_KUBE_TIMEOUT_MS is PORTAL_KUBE_TIMEOUT_SECONDS's default. */
const TEST_KUBE_TIMEOUT_MS = 10_000;

/** portalKube makes the portal's clients from a kubeconfig file. */
export function portalKube(kubeconfigPath: string): PortalKube {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfigPath);
  return clientsOf(config, TEST_KUBE_TIMEOUT_MS);
}

async function createIfAbsent(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if (!(error instanceof ApiException && error.code === 409)) throw error;
  }
}

/**
 * installPortalServiceAccount installs, for the ServiceAccount awscheck-portal in
 * `namespace` (created when absent), the CRDs, the tenant ClusterRole (the one the portal
 * may bind), the generated portal RBAC and its admission fence, and returns its identity.
 */
export async function installPortalServiceAccount(
  env: TestEnvInfo,
  namespace: string,
): Promise<PortalServiceAccount> {
  await installCrds(env.kubeconfig);
  await applyObject(env.kubeconfig, tenantRoleManifest());
  const admin = kubeClients(env.kubeconfig);
  await createIfAbsent(() =>
    admin.core.createNamespace({ body: { metadata: { name: namespace } } }),
  );
  await createIfAbsent(() =>
    admin.core.createNamespacedServiceAccount({
      namespace,
      body: { metadata: { name: PORTAL_SERVICE_ACCOUNT } },
    }),
  );
  const [clusterRole, binding, role, roleBinding] = portalRbacManifests(namespace);
  binding.metadata = { name: `${namespace}-portal` };
  for (const object of [clusterRole, binding, role, roleBinding])
    await applyObject(env.kubeconfig, object);
  await applyObject(env.kubeconfig, portalFencePolicy(namespace));
  await applyObject(env.kubeconfig, portalFenceBinding(namespace));
  const issued = await admin.core.createNamespacedServiceAccountToken({
    name: PORTAL_SERVICE_ACCOUNT,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: PORTAL_TOKEN_SECONDS } },
  });
  const kubeconfig = join(env.runDir, `${namespace}-portal.kubeconfig`);
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

/**
 * portalIdentity is the kubeconfig of the portal's ServiceAccount in `catalogNamespace`
 * (installPortalServiceAccount): the identity every test portal runs as.
 */
export async function portalIdentity(env: TestEnvInfo, catalogNamespace: string): Promise<string> {
  return (await installPortalServiceAccount(env, catalogNamespace)).kubeconfig;
}

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
