// The operator's and the tenants' RBAC, declared once: `npm run generate` writes it as YAML
// and the tests bind the operator's and a tenant's test identities to exactly this. Least
// privilege: the operator has no Secret access at all, no wildcards, writes only to what
// it owns (its power to create Jobs is fenced at admission: operator/admission.ts);
// tenants manage our kinds and their Secrets in their own namespace, and nothing else.
import type { V1ClusterRole, V1PolicyRule, V1Role } from '@kubernetes/client-node';
import { GROUP } from './api/v1alpha1/common.ts';
import { CATALOG_CONFIGMAP } from './plans/catalog.ts';

/** OPERATOR_RULES are the cluster-wide permissions, each with the reason it is needed. */
export const OPERATOR_RULES: readonly (V1PolicyRule & { readonly why: string })[] = [
  {
    why: 'read the checks and credential refs it reconciles',
    apiGroups: [GROUP],
    resources: ['awschecks', 'awscredentialrefs'],
    verbs: ['get', 'list', 'watch'],
  },
  {
    why: 'write their status',
    apiGroups: [GROUP],
    resources: ['awschecks/status', 'awscredentialrefs/status'],
    verbs: ['get', 'update', 'patch'],
  },
  {
    why: 'own children that block their owner’s deletion (OwnerReferencesPermissionEnforcement)',
    apiGroups: [GROUP],
    resources: ['awschecks/finalizers', 'awscredentialrefs/finalizers'],
    verbs: ['update'],
  },
  {
    why: 'apply each check’s CronJob, and suspend it while the check cannot be scheduled',
    apiGroups: ['batch'],
    resources: ['cronjobs'],
    verbs: ['get', 'list', 'watch', 'create', 'patch'],
  },
  {
    why: 'start first runs, run-now runs and validations; resume queued runs within the plan’s concurrent runs (spec.suspend only); delete them once recorded',
    apiGroups: ['batch'],
    resources: ['jobs'],
    verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'],
  },
  {
    why: 'read run results from the termination messages of its Pods',
    apiGroups: [''],
    resources: ['pods'],
    verbs: ['get', 'list', 'watch'],
  },
  {
    why: 'read tenants’ namespaces: plan labels and the UID the ExternalId derives from',
    apiGroups: [''],
    resources: ['namespaces'],
    verbs: ['get', 'list', 'watch'],
  },
  { why: 'report run outcomes', apiGroups: [''], resources: ['events'], verbs: ['create'] },
  {
    why: 'read why a run’s Pod cannot start (the kubelet’s FailedMount), listed for that Pod alone by field selector while it waits in ContainerCreating; never watched',
    apiGroups: [''],
    resources: ['events'],
    verbs: ['list'],
  },
];

/** LEADER_ELECTION_RULES are granted only in the operator's own namespace. */
export const LEADER_ELECTION_RULES: readonly (V1PolicyRule & { readonly why: string })[] = [
  {
    why: 'hold the leader Lease',
    apiGroups: ['coordination.k8s.io'],
    resources: ['leases'],
    verbs: ['get', 'create', 'update'],
  },
];

/**
 * CATALOG_RULES are granted only in the operator's own namespace, and only on the plan
 * catalog by name: the operator watches it with the field selector metadata.name, which
 * the apiserver authorizes against resourceNames. It reads no other ConfigMap (not its
 * admission parameters) and writes none.
 */
export const CATALOG_RULES: readonly (V1PolicyRule & { readonly why: string })[] = [
  {
    why: 'read and watch the plan catalog, so a changed plan applies without a restart',
    apiGroups: [''],
    resources: ['configmaps'],
    resourceNames: [CATALOG_CONFIGMAP],
    verbs: ['get', 'list', 'watch'],
  },
];

/** OPERATOR_ROLE_NAME names the ClusterRole and the Role. */
export const OPERATOR_ROLE_NAME = 'awscheck-operator';
export const LEADER_ELECTION_ROLE_NAME = 'awscheck-operator-leader-election';
/** CATALOG_ROLE_NAME names the Role, in the operator's namespace, that reads the catalog. */
export const CATALOG_ROLE_NAME = 'awscheck-operator-plan-catalog';

/** TENANT_ROLE_NAME names the ClusterRole the portal binds in each tenant's namespace. */
export const TENANT_ROLE_NAME = 'awscheck-tenant';

/** TENANT_VERBS are every verb on an object but deletecollection: one object at a time. */
export const TENANT_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

/**
 * TENANT_RULES are what a tenant may do, granted only in its own namespace by a
 * RoleBinding (the portal writes it) to the ClusterRole TENANT_ROLE_NAME: our two kinds,
 * the Secrets that hold their keys, and reading Events. Nothing else, on purpose.
 *
 * Why a tenant cannot obtain the checker's platform-identity token (a ServiceAccount token
 * for the audience AWSCHECK_PLATFORM_TOKEN_AUDIENCE, default `awscheck.io/checker`, which
 * the platform role's trust policy requires): the apiserver issues a token for a chosen
 * audience only (1) through a TokenRequest, `create serviceaccounts/token`; (2) into a
 * Pod's projected volume, so to whoever may create a Pod, directly or through any workload
 * (Job, CronJob, Deployment, ReplicaSet, StatefulSet, DaemonSet, ReplicationController),
 * or read it from a running Pod (`pods/exec`, `pods/attach`, `pods/portforward`,
 * `pods/ephemeralcontainers`). This role grants none of these, nor ServiceAccounts, Roles
 * or RoleBindings (no way to grant itself more), nor `impersonate`, `bind` or `escalate`.
 * What it does grant cannot stand in: a legacy token Secret a tenant may create or read
 * (type `kubernetes.io/service-account-token`) carries the apiserver's own audiences, never
 * ours, so the cluster must never list the platform audience in `--api-audiences`. The
 * only Pods that carry the token are the operator's checker runs, and the admission fence
 * (operator/admission.ts) admits a token for that audience only in the checker's exact
 * shape (its image and command, no env, no other volume), whose program never prints
 * it. Events hold no token. Everything here is namespaced, so nothing reaches another
 * tenant. Who else can mint such a token: anyone who may create Pods or TokenRequests in
 * any namespace (cluster and platform admins); they are trusted with the platform role.
 */
export const TENANT_RULES: readonly (V1PolicyRule & { readonly why: string })[] = [
  {
    why: 'declare checks and credential refs, and read their status',
    apiGroups: [GROUP],
    resources: ['awschecks', 'awscredentialrefs'],
    verbs: TENANT_VERBS,
  },
  {
    why: 'keep the access keys a credential ref names (the operator never reads them)',
    apiGroups: [''],
    resources: ['secrets'],
    verbs: TENANT_VERBS,
  },
  {
    why: 'read the run outcomes the operator reports as Events',
    apiGroups: ['', 'events.k8s.io'],
    resources: ['events'],
    verbs: ['get', 'list', 'watch'],
  },
];

const rules = (declared: readonly (V1PolicyRule & { why: string })[]): V1PolicyRule[] =>
  declared.map(({ apiGroups, resources, resourceNames, verbs }) => ({
    apiGroups: [...(apiGroups ?? [])],
    resources: [...(resources ?? [])],
    ...(resourceNames !== undefined && { resourceNames: [...resourceNames] }),
    verbs: [...verbs],
  }));

/** tenantRoleManifest is the tenants' ClusterRole, bound per namespace by a RoleBinding. */
export function tenantRoleManifest(): V1ClusterRole {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: TENANT_ROLE_NAME },
    rules: rules(TENANT_RULES),
  };
}

/**
 * rbacManifests are the ClusterRole, the leader-election Role and the plan-catalog Role
 * (the Roles' namespace is set on apply: the operator's own).
 */
export function rbacManifests(): [V1ClusterRole, V1Role, V1Role] {
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: OPERATOR_ROLE_NAME },
      rules: rules(OPERATOR_RULES),
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: LEADER_ELECTION_ROLE_NAME },
      rules: rules(LEADER_ELECTION_RULES),
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: CATALOG_ROLE_NAME },
      rules: rules(CATALOG_RULES),
    },
  ];
}
