// The admission fence around the portal's power, declared once: `npm run generate` writes
// it beside the portal's RBAC (crds/rbac/awscheck-portal.yaml), and the tests install it.
//
// The portal may create and patch Namespaces, quotas, limits, ServiceAccounts, RoleBindings
// and NetworkPolicies cluster-wide, because tenant namespaces are made on demand and RBAC
// cannot name namespaces that do not exist yet. That would let a compromised portal relabel
// or re-quota any namespace (kube-system's included) or bind the tenant role in the
// operator's. A ValidatingAdmissionPolicy narrows it: a write by the portal's identity is
// admitted only for a Namespace named `tenant-…` carrying TENANT_LABEL, or inside one; and
// a RoleBinding only as the one provisioning writes: roleRef the ClusterRole
// awscheck-tenant, one subject, the ServiceAccount awscheck-tenant of its own namespace.
//
// The policy matches the portal by its username in a match condition, so each install
// (the default names ServiceAccount awscheck-portal in awscheck-system) has its own policy
// and binding. Every other identity is not matched at all.
import type {
  V1ValidatingAdmissionPolicy,
  V1ValidatingAdmissionPolicyBinding,
} from '@kubernetes/client-node';
import {
  TENANT_CLUSTER_ROLE,
  TENANT_LABEL,
  TENANT_SERVICE_ACCOUNT,
} from '../operator/plans/tenancy.ts';
import { PORTAL_DEFAULT_NAMESPACE, PORTAL_SERVICE_ACCOUNT } from './rbac.ts';

/** PORTAL_FENCE_POLICY starts the names of the policy and binding of each install. */
export const PORTAL_FENCE_POLICY = 'awscheck-portal-tenants-only';

/** TENANT_NAMESPACE_PREFIX starts every tenant namespace's name (tenantNamespace). */
export const TENANT_NAMESPACE_PREFIX = 'tenant-';

const isTenant = (object: string): string =>
  `${object}.metadata.name.startsWith('${TENANT_NAMESPACE_PREFIX}') && ` +
  `has(${object}.metadata.labels) && '${TENANT_LABEL}' in ${object}.metadata.labels`;

/** portalUsername is the username of the portal's ServiceAccount in a namespace. */
export function portalUsername(namespace: string): string {
  return `system:serviceaccount:${namespace}:${PORTAL_SERVICE_ACCOUNT}`;
}

const isTenantBinding =
  `object.roleRef.apiGroup == 'rbac.authorization.k8s.io' && ` +
  `object.roleRef.kind == 'ClusterRole' && object.roleRef.name == '${TENANT_CLUSTER_ROLE}' && ` +
  `has(object.subjects) && size(object.subjects) == 1 && ` +
  `object.subjects[0].kind == 'ServiceAccount' && ` +
  `object.subjects[0].name == '${TENANT_SERVICE_ACCOUNT}' && ` +
  `has(object.subjects[0].namespace) && object.subjects[0].namespace == request.namespace`;

const policyName = (namespace: string): string => `${PORTAL_FENCE_POLICY}.${namespace}`;

/** portalFencePolicy is the policy of the portal installed in `namespace`. */
export function portalFencePolicy(
  namespace = PORTAL_DEFAULT_NAMESPACE,
  username = portalUsername(namespace),
): V1ValidatingAdmissionPolicy {
  const operations = ['CREATE', 'UPDATE'];
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: policyName(namespace) },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          {
            apiGroups: [''],
            apiVersions: ['v1'],
            operations,
            resources: [
              'namespaces',
              'resourcequotas',
              'limitranges',
              'serviceaccounts',
              'serviceaccounts/token',
            ],
          },
          {
            apiGroups: ['rbac.authorization.k8s.io'],
            apiVersions: ['v1'],
            operations,
            resources: ['rolebindings'],
          },
          {
            apiGroups: ['networking.k8s.io'],
            apiVersions: ['v1'],
            operations,
            resources: ['networkpolicies'],
          },
        ],
      },
      matchConditions: [
        { name: 'is-the-portal', expression: `request.userInfo.username == '${username}'` },
      ],
      validations: [
        {
          expression: `request.resource.resource != 'namespaces' || (${isTenant('object')})`,
          message: `the portal writes only tenant namespaces (named ${TENANT_NAMESPACE_PREFIX}…, labelled ${TENANT_LABEL})`,
          reason: 'Forbidden',
        },
        {
          expression: `request.resource.resource == 'namespaces' || (${isTenant('namespaceObject')})`,
          message: `the portal writes only inside tenant namespaces (named ${TENANT_NAMESPACE_PREFIX}…, labelled ${TENANT_LABEL})`,
          reason: 'Forbidden',
        },
        {
          expression: `request.resource.resource != 'rolebindings' || (${isTenantBinding})`,
          message: `the portal binds only ClusterRole ${TENANT_CLUSTER_ROLE} to ServiceAccount ${TENANT_SERVICE_ACCOUNT} of the same namespace`,
          reason: 'Forbidden',
        },
      ],
    },
  };
}

/** portalFenceBinding binds the install's policy, denying what it refuses. */
export function portalFenceBinding(
  namespace = PORTAL_DEFAULT_NAMESPACE,
): V1ValidatingAdmissionPolicyBinding {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: policyName(namespace) },
    spec: { policyName: policyName(namespace), validationActions: ['Deny'] },
  };
}
