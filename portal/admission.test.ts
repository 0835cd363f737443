import { describe, expect, it } from 'vitest';
import { TENANT_LABEL, tenantNamespace } from '../operator/plans/tenancy.ts';
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
    for (const validation of spec?.validations ?? []) {
      expect(validation.expression).toContain(`startsWith('${TENANT_NAMESPACE_PREFIX}')`);
      expect(validation.expression).toContain(`'${TENANT_LABEL}' in`);
    }
    expect(tenantNamespace('x').startsWith(TENANT_NAMESPACE_PREFIX)).toBe(true);
  });

  it('is bound to deny, by the same name as its policy', () => {
    const binding = portalFenceBinding('ops');

    expect(binding.spec.policyName).toBe(portalFencePolicy('ops').metadata?.name);
    expect(binding.spec.validationActions).toEqual(['Deny']);
  });
});
