// The CloudFormation template a tenant deploys to let the platform read its account: one
// IAM role that trusts exactly the platform principal, only with the tenant's ExternalId
// (the confused-deputy rule), holding exactly the checker's least-privilege policy. Pure:
// the same inputs give the same text. Long-form intrinsics (Fn::GetAtt), no YAML tags.
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { SECRET_KEYS } from '../../operator/checker/credentials.ts';

/** IamPolicyDocument is an IAM policy as iam-policy.json holds it. */
export interface IamPolicyDocument {
  readonly Version: string;
  readonly Statement: readonly Record<string, unknown>[];
}

/** ROLE_LOGICAL_ID is the role's logical id in the template. */
export const ROLE_LOGICAL_ID = 'AwsCheckReadOnlyRole';

/** ROLE_ARN_OUTPUT is the output holding the role's ARN, for the AwsCredentialRef. */
export const ROLE_ARN_OUTPUT = 'RoleArn';

/** DEFAULT_ROLE_NAME is the role's name unless the stack's RoleName parameter changes it. */
export const DEFAULT_ROLE_NAME = 'AwsCheckReadOnly';

/** checkerPolicy is the checker's least-privilege policy, operator/checker/iam-policy.json. */
export function checkerPolicy(): IamPolicyDocument {
  const url = new URL('../../operator/checker/iam-policy.json', import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as IamPolicyDocument;
}

/** RoleTemplateInputs are what makes one tenant's template. */
export interface RoleTemplateInputs {
  readonly principalArn: string;
  readonly externalId: string;
  readonly policy: IamPolicyDocument;
}

/** trustPolicy lets exactly `principalArn` assume the role, only with `externalId`. */
export function trustPolicy(principalArn: string, externalId: string): IamPolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: principalArn },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': externalId } },
      },
    ],
  };
}

/** roleTemplate is the CloudFormation template (YAML) of the read-only role. */
export function roleTemplate(inputs: RoleTemplateInputs): string {
  const template = {
    AWSTemplateFormatVersion: '2010-09-09',
    Description:
      'Read-only role for awscheck: trusts the platform principal with your ExternalId only',
    Parameters: {
      RoleName: { Type: 'String', Default: DEFAULT_ROLE_NAME, Description: 'Name of the role' },
    },
    Resources: {
      [ROLE_LOGICAL_ID]: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: { Ref: 'RoleName' },
          Description: 'awscheck reads this account through this role',
          MaxSessionDuration: 3600,
          AssumeRolePolicyDocument: trustPolicy(inputs.principalArn, inputs.externalId),
          Policies: [{ PolicyName: 'awscheck-read-only', PolicyDocument: inputs.policy }],
        },
      },
    },
    Outputs: {
      [ROLE_ARN_OUTPUT]: {
        Description: 'The role ARN to put in your AwsCredentialRef',
        Value: { 'Fn::GetAtt': [ROLE_LOGICAL_ID, 'Arn'] },
      },
    },
  };
  return stringify(template, { lineWidth: 0 });
}

/**
 * credentialRefYaml is the AwsCredentialRef a tenant applies once the stack is created:
 * assumeRole alone, starting from the platform identity (the operator must allow it).
 */
export function credentialRefYaml(namespace: string, roleArn: string): string {
  return stringify(
    {
      apiVersion: 'awscheck.io/v1alpha1',
      kind: 'AwsCredentialRef',
      metadata: { name: 'aws-readonly', namespace },
      spec: { region: 'us-east-1', assumeRole: { roleArn, sessionName: 'awscheck' } },
    },
    { lineWidth: 0 },
  );
}

/** KEYS_SECRET_NAME is the Secret of access keys the key-based AwsCredentialRef names. */
export const KEYS_SECRET_NAME = 'aws-readonly-keys';

/**
 * keyBasedCredentialYaml is the alternative that needs no platform identity: a Secret of
 * access keys (placeholders, filled in by the tenant) and an AwsCredentialRef that starts
 * from them (secretRef) and assumes the role; two YAML documents.
 */
export function keyBasedCredentialYaml(namespace: string, roleArn: string): string {
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: KEYS_SECRET_NAME, namespace },
    type: 'Opaque',
    stringData: {
      [SECRET_KEYS.accessKeyId]: '<access key id of the user the role trusts>',
      [SECRET_KEYS.secretAccessKey]: '<its secret access key>',
    },
  };
  const ref = {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCredentialRef',
    metadata: { name: 'aws-readonly', namespace },
    spec: {
      region: 'us-east-1',
      secretRef: { name: KEYS_SECRET_NAME },
      assumeRole: { roleArn, sessionName: 'awscheck' },
    },
  };
  return [secret, ref].map((doc) => stringify(doc, { lineWidth: 0 })).join('---\n');
}
