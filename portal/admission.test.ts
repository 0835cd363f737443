import { describe, expect, it } from 'vitest';
import {
  TENANT_CLUSTER_ROLE,
  TENANT_LABEL,
  TENANT_SERVICE_ACCOUNT,
  tenantNamespace,
} from '../operator/plans/tenancy.ts';
import {
  portalFenceBinding,
  portalFencePolicy,
  portalUsername,
  TENANT_NAMESPACE_PREFIX,
} from './admission.ts';

describe('the portal’s admission fence', () => {
  it('matches only the install’s portal ServiceAccount', () => {
    expect(portalFencePolicy('ops').spec?.matchConditions).toEqual([
      {
        name: 'is-the-portal',
        expression: "request.userInfo.username == 'system:serviceaccount:ops:awscheck-portal'",
      },
    ]);
    expect(portalUsername('awscheck-system')).toBe(
      'system:serviceaccount:awscheck-system:awscheck-portal',
    );
  });

  it('covers every kind the portal writes, and requires the tenant prefix and label', () => {
    const spec = portalFencePolicy().spec;
    const resources = spec?.matchConstraints?.resourceRules?.flatMap((r) => r.resources ?? []);

    expect(resources?.sort()).toEqual(
      [
        'limitranges',
        'namespaces',
        'networkpolicies',
        'resourcequotas',
        'rolebindings',
        'serviceaccounts',
        'serviceaccounts/token',
      ].sort(),
    );
    for (const validation of (spec?.validations ?? []).slice(0, 2)) {
      expect(validation.expression).toContain(`startsWith('${TENANT_NAMESPACE_PREFIX}')`);
      expect(validation.expression).toContain(`'${TENANT_LABEL}' in`);
    }
    expect(tenantNamespace('x').startsWith(TENANT_NAMESPACE_PREFIX)).toBe(true);
  });

  it('pins a RoleBinding to the tenant ClusterRole and the tenant ServiceAccount of its namespace', () => {
    const pin = portalFencePolicy().spec?.validations?.[2]?.expression ?? '';

    for (const part of [
      "request.resource.resource != 'rolebindings'",
      "object.roleRef.kind == 'ClusterRole'",
      `object.roleRef.name == '${TENANT_CLUSTER_ROLE}'`,
      'size(object.subjects) == 1',
      "object.subjects[0].kind == 'ServiceAccount'",
      `object.subjects[0].name == '${TENANT_SERVICE_ACCOUNT}'`,
      'object.subjects[0].namespace == request.namespace',
    ])
      expect(pin).toContain(part);
  });

  it('is bound to deny, by the same name as its policy', () => {
    const binding = portalFenceBinding('ops');

    expect(binding.spec.policyName).toBe(portalFencePolicy('ops').metadata?.name);
    expect(binding.spec.validationActions).toEqual(['Deny']);
  });
});
