// The trust-policy stand-in against AWS's documented evaluation rules (IAM User Guide:
// "Policy evaluation logic", "Condition operators", "Conditions with multiple context keys
// or values"), and against the cases moto 5.2.5 gets wrong (see trust-policy.ts).
import { describe, expect, it } from 'vitest';
import {
  evaluateTrustPolicy,
  UnsupportedPolicyError,
  wildcard,
  type AssumeRoleRequest,
  type TrustEffect,
} from './trust-policy.ts';

const READER = 'arn:aws:iam::123456789012:user/reader';
const TENANT_A = 'awscheck-7c1e0d2a-0000-4000-8000-00000000000a';
const TENANT_B = 'awscheck-7c1e0d2a-0000-4000-8000-00000000000b';

function request(externalId: string | undefined, principalArn = READER): AssumeRoleRequest {
  return {
    action: 'sts:AssumeRole',
    principalArn,
    context: {
      'sts:ExternalId': externalId,
      'sts:RoleSessionName': 'awscheck-tenant',
      'aws:PrincipalArn': principalArn,
      'aws:PrincipalAccount': '123456789012',
    },
  };
}

function policy(...statements: object[]): object {
  return { Version: '2012-10-17', Statement: statements };
}

function allow(extra: object = {}): object {
  return { Effect: 'Allow', Principal: { AWS: READER }, Action: 'sts:AssumeRole', ...extra };
}

const requiresTenantA = policy(
  allow({ Condition: { StringEquals: { 'sts:ExternalId': TENANT_A } } }),
);

function effect(document: object, req: AssumeRoleRequest): TrustEffect {
  return evaluateTrustPolicy(document, req).effect;
}

describe('the sts:ExternalId condition (the confused-deputy rule)', () => {
  it.each([
    ['the tenant’s id', TENANT_A, 'Allow'],
    ['another tenant’s id', TENANT_B, 'ImplicitDeny'],
    ['no id (moto 5.2.5 allows this)', undefined, 'ImplicitDeny'],
    [
      'the id in another case (StringEquals is case-sensitive)',
      TENANT_A.toUpperCase(),
      'ImplicitDeny',
    ],
    ['an empty id', '', 'ImplicitDeny'],
  ] as const)('StringEquals with %s: %s', (_, id, expected) => {
    expect(effect(requiresTenantA, request(id))).toBe(expected);
  });

  it('names the condition that did not hold, and what the request sent', () => {
    expect(evaluateTrustPolicy(requiresTenantA, request(TENANT_B)).reason).toBe(
      `statement 0: StringEquals sts:ExternalId [${TENANT_A}] does not hold: "${TENANT_B}"`,
    );
    expect(evaluateTrustPolicy(requiresTenantA, request(undefined)).reason).toContain(
      'absent from the request',
    );
  });

  it('reads condition key names case-insensitively (moto 5.2.5 ignores sts:externalid)', () => {
    const lower = policy(allow({ Condition: { StringEquals: { 'sts:externalid': TENANT_A } } }));
    expect(effect(lower, request(TENANT_A))).toBe('Allow');
    expect(effect(lower, request(TENANT_B))).toBe('ImplicitDeny');
  });

  it('ORs the values of one key: either tenant’s id is accepted, a third is not', () => {
    const both = policy(
      allow({ Condition: { StringEquals: { 'sts:ExternalId': [TENANT_A, TENANT_B] } } }),
    );
    expect(effect(both, request(TENANT_A))).toBe('Allow');
    expect(effect(both, request(TENANT_B))).toBe('Allow');
    expect(effect(both, request('awscheck-other'))).toBe('ImplicitDeny');
  });

  it('ANDs keys and operators', () => {
    const twoKeys = policy(
      allow({
        Condition: {
          StringEquals: { 'sts:ExternalId': TENANT_A, 'aws:PrincipalAccount': '123456789012' },
          StringLike: { 'sts:RoleSessionName': 'awscheck-*' },
        },
      }),
    );
    expect(effect(twoKeys, request(TENANT_A))).toBe('Allow');
    expect(effect(twoKeys, request(TENANT_B))).toBe('ImplicitDeny');
    const session = { ...request(TENANT_A), context: { ...request(TENANT_A).context } };
    session.context['sts:RoleSessionName'] = 'someone';
    expect(effect(twoKeys, session)).toBe('ImplicitDeny');
  });

  it('evaluates StringLike with * and ? (moto 5.2.5 lets any id through)', () => {
    const like = policy(allow({ Condition: { StringLike: { 'sts:ExternalId': 'awscheck-?a*' } } }));
    expect(effect(like, request('awscheck-xa1'))).toBe('Allow');
    expect(effect(like, request('awscheck-a'))).toBe('ImplicitDeny');
    expect(effect(like, request(undefined))).toBe('ImplicitDeny');
  });

  it('treats an absent key as true for negated operators, IfExists and Null "true"', () => {
    const cases = [
      [{ StringNotEquals: { 'sts:ExternalId': TENANT_B } }, undefined, 'Allow'],
      [{ StringNotEquals: { 'sts:ExternalId': TENANT_B } }, TENANT_B, 'ImplicitDeny'],
      [{ StringNotEquals: { 'sts:ExternalId': [TENANT_A, TENANT_B] } }, TENANT_B, 'ImplicitDeny'],
      [{ StringNotLike: { 'sts:ExternalId': 'awscheck-*' } }, 'other', 'Allow'],
      [{ StringEqualsIfExists: { 'sts:ExternalId': TENANT_A } }, undefined, 'Allow'],
      [{ StringEqualsIfExists: { 'sts:ExternalId': TENANT_A } }, TENANT_B, 'ImplicitDeny'],
      [{ StringEqualsIgnoreCase: { 'sts:ExternalId': TENANT_A } }, TENANT_A.toUpperCase(), 'Allow'],
      [{ Null: { 'sts:ExternalId': 'true' } }, undefined, 'Allow'],
      [{ Null: { 'sts:ExternalId': 'false' } }, undefined, 'ImplicitDeny'],
      [{ Null: { 'sts:ExternalId': false } }, TENANT_A, 'Allow'],
    ] as const;
    for (const [condition, id, expected] of cases) {
      expect([condition, id, effect(policy(allow({ Condition: condition })), request(id))]).toEqual(
        [condition, id, expected],
      );
    }
  });
});

describe('Principal, Action and Effect', () => {
  it.each([
    ['the caller’s ARN', READER, 'Allow'],
    ['a list holding the caller’s ARN', ['arn:aws:iam::123456789012:user/x', READER], 'Allow'],
    ['the account root', 'arn:aws:iam::123456789012:root', 'Allow'],
    ['the account id', '123456789012', 'Allow'],
    ['*', '*', 'Allow'],
    ['another user', 'arn:aws:iam::123456789012:user/someone-else', 'ImplicitDeny'],
    ['another account', 'arn:aws:iam::210987654321:root', 'ImplicitDeny'],
  ] as const)('AWS principal %s', (_, aws, expected) => {
    expect(effect(policy(allow({ Principal: { AWS: aws } })), request(TENANT_A))).toBe(expected);
  });

  it('a service principal does not name an IAM user (moto 5.2.5 answers 500 here)', () => {
    const service = policy(allow({ Principal: { Service: 'ec2.amazonaws.com' } }));
    expect(effect(service, request(TENANT_A))).toBe('ImplicitDeny');
    expect(effect(policy(allow({ Principal: '*' })), request(TENANT_A))).toBe('Allow');
  });

  it('matches actions case-insensitively with wildcards, and honours NotAction', () => {
    expect(effect(policy(allow({ Action: 'STS:assume*' })), request(TENANT_A))).toBe('Allow');
    expect(
      effect(policy(allow({ Action: 'sts:AssumeRoleWithWebIdentity' })), request(TENANT_A)),
    ).toBe('ImplicitDeny');
    const notAction = { Effect: 'Allow', Principal: '*', NotAction: 'sts:TagSession' };
    expect(effect(policy(notAction), request(TENANT_A))).toBe('Allow');
    expect(effect(policy({ ...notAction, NotAction: 'sts:*' }), request(TENANT_A))).toBe(
      'ImplicitDeny',
    );
  });

  it('lets an applicable Deny win over any Allow, in either order; an inapplicable one not', () => {
    const deny = {
      Sid: 'NoTenantB',
      Effect: 'Deny',
      Principal: '*',
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'sts:ExternalId': TENANT_B } },
    };
    const denied = evaluateTrustPolicy(policy(allow(), deny), request(TENANT_B));
    expect(denied).toEqual({
      effect: 'ExplicitDeny',
      reason: 'statement NoTenantB denies sts:AssumeRole',
    });
    expect(effect(policy(deny, allow()), request(TENANT_B))).toBe('ExplicitDeny');
    expect(effect(policy(deny, allow()), request(TENANT_A))).toBe('Allow');
  });

  it('takes a single statement object, and denies implicitly when nothing applies', () => {
    expect(effect({ Statement: allow() }, request(undefined))).toBe('Allow');
    expect(effect(policy(), request(TENANT_A))).toBe('ImplicitDeny');
  });
});

describe('what the stand-in does not model is an error, never a pass', () => {
  it.each([
    ['a set qualifier', { 'ForAnyValue:StringEquals': { 'sts:ExternalId': TENANT_A } }],
    ['a numeric operator', { NumericLessThan: { 'sts:ExternalId': '1' } }],
    ['a key it does not know', { StringEquals: { 'aws:SourceIp': '10.0.0.1' } }],
    ['a policy variable', { StringEquals: { 'sts:ExternalId': '${aws:username}' } }],
  ])('%s', (_, condition) => {
    expect(() =>
      evaluateTrustPolicy(policy(allow({ Condition: condition })), request(TENANT_A)),
    ).toThrow(UnsupportedPolicyError);
  });

  it('NotPrincipal, a statement without an action, and a document that is not a policy', () => {
    const bad = [
      policy({ Effect: 'Allow', NotPrincipal: { AWS: READER }, Action: 'sts:AssumeRole' }),
      policy({ Effect: 'Allow', Principal: '*' }),
      { Statement: 'everything' },
    ];
    for (const document of bad) {
      expect(() => evaluateTrustPolicy(document, request(TENANT_A))).toThrow(
        UnsupportedPolicyError,
      );
    }
  });
});

describe('wildcard', () => {
  it('escapes everything but * and ?', () => {
    expect(wildcard('a.b*').test('a.bcd')).toBe(true);
    expect(wildcard('a.b*').test('axbcd')).toBe(false);
    expect(wildcard('(x)?').test('(x)1')).toBe(true);
    expect(wildcard('a').test('A')).toBe(false);
  });
});
