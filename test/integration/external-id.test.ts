// The platform's ExternalId against a role that requires it (the confused-deputy rule):
// the checker CLI, as a pod runs it, assumes a role whose trust policy says
// `StringEquals sts:ExternalId <tenant A's id>` on an AWS that enforces IAM (moto with
// INITIAL_NO_AUTH_ACTION_COUNT=0) and judges trust policies as AWS does (the trust gate
// in front of it: moto 5.2.5 lets an AssumeRole without the ExternalId through).
import { trustPolicy } from '../../portal/connect-aws/template.ts';
import {
  AssumeRoleCommand,
  STSClient,
  STSServiceException,
  type AssumeRoleCommandOutput,
} from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  openTrust,
  startEnforcingAws,
  type EnforcingAws,
  type IamUser,
} from '../support/enforcing-aws.ts';
import { awsEnvironment, runCheckerCli } from '../support/checker-cli.ts';

// Ids of the shape the operator derives (`awscheck-<namespace uid>`).
const TENANT_A = 'awscheck-0b9f3c52-6a41-4d0e-9d7e-2f1a00000a0a';
const TENANT_B = 'awscheck-0b9f3c52-6a41-4d0e-9d7e-2f1a00000b0b';

let aws: EnforcingAws;
let platform: IamUser;
let tenantRole: string;
let openRole: string;

beforeAll(async () => {
  aws = await startEnforcingAws('moto-iam-external-id');
  // The identity the platform starts from: it may assume roles and ask who it is, no more.
  platform = await aws.createUser('platform', ['sts:AssumeRole', 'sts:GetCallerIdentity']);
  tenantRole = await aws.createRole('TenantAReadOnly', trustPolicy(platform.arn, TENANT_A));
  // The control: the same principal and action, without the condition.
  openRole = await aws.createRole('NoExternalIdRequired', openTrust(platform.arn));
});

afterAll(async () => {
  await aws.stop();
});

const roleArgs = (roleArn: string, externalId: string): string[] => [
  '--role-arn',
  roleArn,
  '--external-id',
  externalId,
  '--role-session-name',
  'awscheck-tenant-a',
];

describe('a role whose trust policy requires the tenant’s ExternalId', () => {
  it('is assumed with the tenant’s id: validate proves the role, and a run as the role succeeds', async () => {
    const env = awsEnvironment(aws.gate.url, platform.keys);
    const [validate, run] = await Promise.all([
      runCheckerCli(['validate', ...roleArgs(tenantRole, TENANT_A)], env),
      runCheckerCli(
        [
          'run',
          '--service',
          'sts',
          '--type',
          'health_check',
          '--region',
          'us-east-1',
          ...roleArgs(tenantRole, TENANT_A),
        ],
        env,
      ),
    ]);

    expect(validate.code).toBe(0);
    expect(validate.result).toMatchObject({
      kind: 'validate',
      outcome: 'Succeeded',
      identity: {
        accountId: ACCOUNT,
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/TenantAReadOnly/awscheck-tenant-a`,
      },
    });
    expect(run.code).toBe(0);
    expect(run.result).toMatchObject({ kind: 'run', outcome: 'Succeeded', resources: 1 });
    const granted = aws.gate.decisions.filter((d) => d.roleArn === tenantRole);
    expect(granted.map((d) => [d.externalId, d.effect])).toEqual([
      [TENANT_A, 'Allow'],
      [TENANT_A, 'Allow'],
    ]);
  });

  it('refuses another tenant’s id: PermissionDenied, AccessDenied on sts:AssumeRole', async () => {
    const env = awsEnvironment(aws.gate.url, platform.keys);

    const [refused, control] = await Promise.all([
      runCheckerCli(['validate', ...roleArgs(tenantRole, TENANT_B)], env),
      // The same keys and the same id on a role without the condition are accepted, so the
      // refusal above comes from the condition alone, not the principal or the keys.
      runCheckerCli(['validate', ...roleArgs(openRole, TENANT_B)], env),
    ]);

    expect(refused.code).toBe(4);
    expect(refused.result).toMatchObject({
      kind: 'validate',
      outcome: 'Failed',
      reason: 'PermissionDenied',
      error: { code: 'AccessDenied', operation: 'sts:AssumeRole', httpStatus: 403 },
    });
    expect(refused.result.message).toContain(
      `User: ${platform.arn} is not authorized to perform: sts:AssumeRole`,
    );
    // moto refuses a wrong ExternalId itself; the gate's verdict beside it names the rule.
    expect(
      aws.gate.decisions.find((d) => d.externalId === TENANT_B && d.roleArn === tenantRole),
    ).toMatchObject({
      moto: 'AccessDenied',
      effect: 'ImplicitDeny',
      reason: `statement 0: StringEquals sts:ExternalId [${TENANT_A}] does not hold: "${TENANT_B}"`,
    });
    expect(control.code).toBe(0);
    expect(control.result.kind === 'validate' && control.result.identity?.arn).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/NoExternalIdRequired/awscheck-tenant-a`,
    );
  });

  it('refuses no id: the checker never sends an AssumeRole without one', async () => {
    const result = await runCheckerCli(
      ['validate', '--role-arn', tenantRole],
      awsEnvironment(aws.gate.url, platform.keys),
    );

    expect(result.code).toBe(2);
    expect(result.result).toMatchObject({ kind: 'usage', reason: 'InvalidConfiguration' });
    expect(result.result.message).toContain('--role-arn and --external-id go together');
  });

  it('refuses no id at AWS: AccessDenied in STS’s wire shape, where moto alone grants it', async () => {
    const assume = (endpoint: string): Promise<AssumeRoleCommandOutput> =>
      new STSClient({
        endpoint,
        region: 'us-east-1',
        credentials: platform.keys,
        maxAttempts: 1,
      }).send(new AssumeRoleCommand({ RoleArn: tenantRole, RoleSessionName: 'no-external-id' }));

    const refusal = await assume(aws.gate.url).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(refusal).toBeInstanceOf(STSServiceException);
    expect(refusal).toMatchObject({
      name: 'AccessDenied',
      message: `User: ${platform.arn} is not authorized to perform: sts:AssumeRole on resource: ${tenantRole}`,
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
    });
    expect((refusal as STSServiceException).$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const decision = aws.gate.decisions.at(-1);
    expect(decision).toMatchObject({
      externalId: undefined,
      moto: 'Granted',
      effect: 'ImplicitDeny',
    });
    expect(decision?.reason).toContain(`[${TENANT_A}] does not hold: absent from the request`);
    // Why the gate exists: moto 5.2.5 itself (iam/policy_conditions.py, verify_condition over
    // no values) grants the role without the ExternalId its trust policy requires. When this
    // fails, moto has learnt the rule and the gate may go.
    const granted = await assume(aws.moto.url);
    expect(granted.AssumedRoleUser?.Arn).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/TenantAReadOnly/no-external-id`,
    );
  });
});
