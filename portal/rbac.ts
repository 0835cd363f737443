// The portal's RBAC, declared once: `npm run generate` writes it to
// crds/rbac/awscheck-portal.yaml, and the tests bind the portal's test identity to exactly
// this. Least privilege: the portal provisions tenant namespaces and what is inside them,
// may bind only the tenant ClusterRole, mints tokens only for the tenant ServiceAccount,
// reads (never writes) tenants' checks for the dashboard, and has no Secret access, no
// wildcard and no delete: a downgrade or a cancellation never removes a tenant's objects.
import type {
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1PolicyRule,
  V1Role,
  V1RoleBinding,
} from '@kubernetes/client-node';
import { GROUP } from '../operator/api/v1alpha1/common.ts';
import { CATALOG_CONFIGMAP } from '../operator/plans/catalog.ts';
import { TENANT_CLUSTER_ROLE, TENANT_SERVICE_ACCOUNT } from '../operator/plans/tenancy.ts';

/** PORTAL_ROLE_NAME names the portal's ClusterRole, Role, bindings and ServiceAccount. */
export const PORTAL_ROLE_NAME = 'awscheck-portal';

/** PORTAL_CATALOG_ROLE_NAME names the Role in the operator's namespace to read the catalog. */
export const PORTAL_CATALOG_ROLE_NAME = 'awscheck-portal-catalog';

/** PORTAL_SERVICE_ACCOUNT is the ServiceAccount the portal runs as. */
export const PORTAL_SERVICE_ACCOUNT = 'awscheck-portal';

/** PORTAL_DEFAULT_NAMESPACE is the namespace of the default install (the operator's). */
export const PORTAL_DEFAULT_NAMESPACE = 'awscheck-system';

type Rule = V1PolicyRule & { readonly why: string };

/** PORTAL_RULES are the portal's cluster-wide permissions, each with the reason. */
export const PORTAL_RULES: readonly Rule[] = [
  {
    why: 'provision a namespace per tenant, read what it records (plan, version, marker), list tenants to resync',
    apiGroups: [''],
    resources: ['namespaces'],
    verbs: ['get', 'list', 'create', 'patch'],
  },
  {
    why: 'apply the plan’s quota and limits, and the tenant ServiceAccount, in tenant namespaces; get: resync reads each to see drift, the dashboard reads the quota',
    apiGroups: [''],
    resources: ['resourcequotas', 'limitranges', 'serviceaccounts'],
    verbs: ['get', 'create', 'patch'],
  },
  {
    why: 'apply the RoleBinding that grants the tenant ClusterRole in a tenant namespace; get: resync sees drift',
    apiGroups: ['rbac.authorization.k8s.io'],
    resources: ['rolebindings'],
    verbs: ['get', 'create', 'patch'],
  },
  {
    why: 'bind the tenant ClusterRole, and no other, without holding its rights (no Secrets)',
    apiGroups: ['rbac.authorization.k8s.io'],
    resources: ['clusterroles'],
    verbs: ['bind'],
    resourceNames: [TENANT_CLUSTER_ROLE],
  },
  {
    why: 'apply the default-deny NetworkPolicy in tenant namespaces; get: resync sees drift',
    apiGroups: ['networking.k8s.io'],
    resources: ['networkpolicies'],
    verbs: ['get', 'create', 'patch'],
  },
  {
    why: 'mint the short-lived token of the tenant ServiceAccount for the kubeconfig download',
    apiGroups: [''],
    resources: ['serviceaccounts/token'],
    verbs: ['create'],
    resourceNames: [TENANT_SERVICE_ACCOUNT],
  },
  {
    why: 'list the tenant’s checks and credential refs for the dashboard and connect-aws pages',
    apiGroups: [GROUP],
    resources: ['awschecks', 'awscredentialrefs'],
    verbs: ['list'],
  },
];

/** PORTAL_CATALOG_RULES are granted only in the operator's namespace. */
export const PORTAL_CATALOG_RULES: readonly Rule[] = [
  {
    why: 'read the plan catalog ConfigMap, and no other ConfigMap',
    apiGroups: [''],
    resources: ['configmaps'],
    verbs: ['get'],
    resourceNames: [CATALOG_CONFIGMAP],
  },
];

const rules = (declared: readonly Rule[]): V1PolicyRule[] =>
  declared.map(({ apiGroups, resources, verbs, resourceNames }) => ({
    apiGroups: [...(apiGroups ?? [])],
    resources: [...(resources ?? [])],
    verbs: [...verbs],
    ...(resourceNames === undefined ? {} : { resourceNames: [...resourceNames] }),
  }));

/** portalClusterRole is the portal's ClusterRole. */
export function portalClusterRole(): V1ClusterRole {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: PORTAL_ROLE_NAME },
    rules: rules(PORTAL_RULES),
  };
}

/** portalCatalogRole is the Role, in `namespace`, that reads the catalog ConfigMap. */
export function portalCatalogRole(namespace: string): V1Role {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: PORTAL_CATALOG_ROLE_NAME, namespace },
    rules: rules(PORTAL_CATALOG_RULES),
  };
}

/**
 * portalRbacManifests are the default install's: the ClusterRole and its binding, the
 * catalog Role and its binding, all for ServiceAccount awscheck-portal in `namespace`.
 */
export function portalRbacManifests(
  namespace = PORTAL_DEFAULT_NAMESPACE,
): [V1ClusterRole, V1ClusterRoleBinding, V1Role, V1RoleBinding] {
  const subjects = [{ kind: 'ServiceAccount', name: PORTAL_SERVICE_ACCOUNT, namespace }];
  return [
    portalClusterRole(),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: PORTAL_ROLE_NAME },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: PORTAL_ROLE_NAME,
      },
      subjects,
    },
    portalCatalogRole(namespace),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: PORTAL_CATALOG_ROLE_NAME, namespace },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: PORTAL_CATALOG_ROLE_NAME,
      },
      subjects,
    },
  ];
}
