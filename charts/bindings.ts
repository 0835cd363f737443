// The operator's role bindings, declared once for every install: the ClusterRole cluster-wide,
// the leader-election and plan-catalog Roles in the operator's own namespace, each bound to
// the operator's ServiceAccount only.
import type { V1ClusterRoleBinding, V1RoleBinding } from '@kubernetes/client-node';
import {
  CATALOG_ROLE_NAME,
  LEADER_ELECTION_ROLE_NAME,
  OPERATOR_ROLE_NAME,
} from '../operator/rbac.ts';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/**
 * operatorBindings binds the generated ClusterRole and the two Roles (operator/rbac.ts) to
 * ServiceAccount `serviceAccount` of `namespace`; each binding is named after its role.
 */
export function operatorBindings(
  namespace: string,
  serviceAccount: string,
): [V1ClusterRoleBinding, V1RoleBinding, V1RoleBinding] {
  const subjects = [{ kind: 'ServiceAccount', name: serviceAccount, namespace }];
  const roleBinding = (name: string): V1RoleBinding => ({
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'RoleBinding',
    metadata: { name, namespace },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name },
    subjects,
  });
  return [
    {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: OPERATOR_ROLE_NAME },
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: OPERATOR_ROLE_NAME },
      subjects,
    },
    roleBinding(LEADER_ELECTION_ROLE_NAME),
    roleBinding(CATALOG_ROLE_NAME),
  ];
}
