import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  checkerPolicy,
  credentialRefYaml,
  KEYS_SECRET_NAME,
  keyBasedCredentialYaml,
  ROLE_ARN_OUTPUT,
  ROLE_LOGICAL_ID,
  roleTemplate,
} from './template.ts';
import { AwsCredentialRefSpec } from '../../operator/api/v1alpha1/awscredentialref.ts';
import { SECRET_KEYS } from '../../operator/checker/credentials.ts';
import policyFile from '../../operator/checker/iam-policy.json' with { type: 'json' };

const PRINCIPAL = 'arn:aws:iam::111122223333:role/awscheck-platform';
const EXTERNAL_ID = 'awscheck-6f1c2a3e-0000-4000-8000-1234567890ab';

interface ParsedTemplate {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  Outputs: Record<string, { Value: unknown }>;
}

function parsed(): ParsedTemplate {
  // The plain yaml parser: a CloudFormation short tag (!Sub, !GetAtt) would fail it.
  return parse(
    roleTemplate({ principalArn: PRINCIPAL, externalId: EXTERNAL_ID, policy: checkerPolicy() }),
  ) as ParsedTemplate;
}

describe('roleTemplate', () => {
  it('creates exactly one resource, an IAM role', () => {
    const { Resources } = parsed();
    expect(Object.keys(Resources)).toEqual([ROLE_LOGICAL_ID]);
    expect(Resources[ROLE_LOGICAL_ID]?.Type).toBe('AWS::IAM::Role');
  });

  it('trusts exactly the platform principal, only with the tenant’s ExternalId', () => {
    const role = parsed().Resources[ROLE_LOGICAL_ID];
    expect(role?.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: PRINCIPAL },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'sts:ExternalId': EXTERNAL_ID } },
        },
      ],
    });
  });

  it('holds exactly the checker’s policy, iam-policy.json, and no managed policy', () => {
    const properties = parsed().Resources[ROLE_LOGICAL_ID]?.Properties ?? {};
    expect(properties.Policies).toEqual([
      { PolicyName: 'awscheck-read-only', PolicyDocument: policyFile },
    ]);
    expect(properties.ManagedPolicyArns).toBeUndefined();
  });

  it('outputs the role ARN with the long-form Fn::GetAtt', () => {
    expect(parsed().Outputs[ROLE_ARN_OUTPUT]?.Value).toEqual({
      'Fn::GetAtt': [ROLE_LOGICAL_ID, 'Arn'],
    });
  });

  it('is the same text for the same inputs, and differs per ExternalId', () => {
    const inputs = { principalArn: PRINCIPAL, externalId: EXTERNAL_ID, policy: checkerPolicy() };
    expect(roleTemplate(inputs)).toBe(roleTemplate(inputs));
    expect(roleTemplate({ ...inputs, externalId: 'awscheck-other' })).not.toBe(
      roleTemplate(inputs),
    );
  });
});

describe('credentialRefYaml', () => {
  it('is an AwsCredentialRef that assumes the role, without a user-set ExternalId', () => {
    const ref = parse(credentialRefYaml('tenant-abc', 'arn:aws:iam::111122223333:role/R')) as {
      kind: string;
      metadata: { namespace: string };
      spec: { assumeRole: Record<string, unknown> };
    };
    expect(ref.kind).toBe('AwsCredentialRef');
    expect(ref.metadata.namespace).toBe('tenant-abc');
    expect(ref.spec.assumeRole.roleArn).toBe('arn:aws:iam::111122223333:role/R');
    expect(ref.spec.assumeRole).not.toHaveProperty('externalId');
  });
});

describe('keyBasedCredentialYaml', () => {
  it('is a Secret of the two keys the checker reads and a ref starting from it that assumes the role', () => {
    const [secret, ref] = parseAllDocuments(
      keyBasedCredentialYaml('tenant-abc', 'arn:aws:iam::111122223333:role/R'),
    ).map((doc) => doc.toJS() as Record<string, unknown>);
    expect(secret).toMatchObject({
      kind: 'Secret',
      metadata: { name: KEYS_SECRET_NAME, namespace: 'tenant-abc' },
    });
    expect(Object.keys((secret as { stringData: object }).stringData).sort()).toEqual([
      SECRET_KEYS.accessKeyId,
      SECRET_KEYS.secretAccessKey,
    ]);
    const spec = AwsCredentialRefSpec.parse((ref as { spec: unknown }).spec);
    expect(ref).toMatchObject({ kind: 'AwsCredentialRef', metadata: { namespace: 'tenant-abc' } });
    expect(spec.secretRef?.name).toBe(KEYS_SECRET_NAME);
    expect(spec.assumeRole?.roleArn).toBe('arn:aws:iam::111122223333:role/R');
  });
});
