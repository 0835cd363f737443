// The portal's identity for tests: a minted user bound to exactly the generated portal
// RBAC (portal/rbac.ts), as test/support/operator.ts does for the operator, so billing and
// provisioning meet the apiserver's real authorization, never system:masters.
import { randomBytes } from 'node:crypto';
import {
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';
import {
  PORTAL_CATALOG_ROLE_NAME,
  PORTAL_ROLE_NAME,
  portalCatalogRole,
  portalClusterRole,
} from '../../portal/rbac.ts';
import { mintKubeconfig, type TestEnvInfo } from '../env/environment.ts';

/** PORTAL_TEST_USER is the user every test portal identity is. */
export const PORTAL_TEST_USER = 'awscheck-portal-under-test';

/**
 * portalIdentity applies the portal's ClusterRole and its catalog Role in
 * `catalogNamespace`, binds PORTAL_TEST_USER to both, and returns that user's kubeconfig.
 */
export async function portalIdentity(env: TestEnvInfo, catalogNamespace: string): Promise<string> {
  const config = new KubeConfig();
  config.loadFromFile(env.kubeconfig);
  const objects = KubernetesObjectApi.makeApiClient(config);
  for (const role of [portalClusterRole(), portalCatalogRole(catalogNamespace)])
    await objects.patch(role, undefined, undefined, 'test', true, PatchStrategy.ServerSideApply);
  const rbac = config.makeApiClient(RbacAuthorizationV1Api);
  const subjects = [
    { kind: 'User', name: PORTAL_TEST_USER, apiGroup: 'rbac.authorization.k8s.io' },
  ];
  const apiGroup = 'rbac.authorization.k8s.io';
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: `${PORTAL_ROLE_NAME}-${randomBytes(3).toString('hex')}` },
      subjects,
      roleRef: { apiGroup, kind: 'ClusterRole', name: PORTAL_ROLE_NAME },
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: catalogNamespace,
    body: {
      metadata: { name: PORTAL_CATALOG_ROLE_NAME },
      subjects,
      roleRef: { apiGroup, kind: 'Role', name: PORTAL_CATALOG_ROLE_NAME },
    },
  });
  return mintKubeconfig(env, PORTAL_TEST_USER);
}
