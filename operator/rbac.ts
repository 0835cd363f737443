// The operator's RBAC, declared once: `npm run generate` writes it as YAML and the
// end-to-end tests bind the operator's test identity to exactly this. Least privilege:
// no Secret access at all, no wildcards, writes only to what the operator owns.
import type { V1ClusterRole, V1PolicyRule, V1Role } from '@kubernetes/client-node';
import { GROUP } from './api/v1alpha1/common.ts';

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
    why: 'apply each check’s CronJob, and delete it when the check cannot be scheduled',
    apiGroups: ['batch'],
    resources: ['cronjobs'],
    verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'],
  },
  {
    why: 'start first runs, run-now runs and validations; mark runs recorded; delete stale validations',
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

/** OPERATOR_ROLE_NAME names the ClusterRole and the Role. */
export const OPERATOR_ROLE_NAME = 'awscheck-operator';
export const LEADER_ELECTION_ROLE_NAME = 'awscheck-operator-leader-election';

const rules = (declared: readonly (V1PolicyRule & { why: string })[]): V1PolicyRule[] =>
  declared.map(({ apiGroups, resources, verbs }) => ({
    apiGroups: [...(apiGroups ?? [])],
    resources: [...(resources ?? [])],
    verbs: [...verbs],
  }));

/** rbacManifests are the ClusterRole and the leader-election Role (namespace set on apply). */
export function rbacManifests(): [V1ClusterRole, V1Role] {
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
  ];
}
