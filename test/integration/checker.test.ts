// The checker CLI as a separate process against moto as a separate process: resources
// seeded through the SDK, exact counts per region, tag filters, expect bounds, health,
// exit codes and the termination message (validated by the result schema).
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CognitoIdentityProviderClient,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client, RunInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { awsEnvironment, runCheckerAsShellUser, runCheckerCli } from '../support/checker-cli.ts';

const env = inject('testenv');
const aws = {
  endpoint: env.awsEndpointUrl,
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
};
const cliEnv = awsEnvironment(env.awsEndpointUrl);
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const regionArgs = REGIONS.flatMap((region) => ['--region', region]);

async function runInstances(
  region: string,
  count: number,
  tags: Record<string, string>,
): Promise<string[]> {
  const ec2 = new EC2Client({ ...aws, region });
  const answer = await ec2.send(
    new RunInstancesCommand({
      ImageId: 'ami-12c6146b',
      MinCount: count,
      MaxCount: count,
      TagSpecifications: [
        {
          ResourceType: 'instance',
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        },
      ],
    }),
  );
  return (answer.Instances ?? []).map((instance) => instance.InstanceId ?? '');
}

async function createTable(
  region: string,
  name: string,
  tags: Record<string, string>,
): Promise<void> {
  const dynamodb = new DynamoDBClient({ ...aws, region });
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
}

let stoppedId = '';

beforeAll(async () => {
  const [east] = await Promise.all([
    runInstances('us-east-1', 2, { env: 'prod' }),
    runInstances('us-east-1', 1, { env: 'dev' }),
    runInstances('eu-west-1', 1, { env: 'prod' }),
  ]);
  stoppedId = east[0] ?? '';
  await new EC2Client({ ...aws, region: 'us-east-1' }).send(
    new StopInstancesCommand({ InstanceIds: [stoppedId] }),
  );
  await Promise.all([
    createTable('us-east-1', 'orders', { env: 'prod' }),
    createTable('us-east-1', 'scratch', { env: 'dev' }),
    createTable('eu-west-1', 'orders-eu', { env: 'prod' }),
  ]);
  const eks = new EKSClient({ ...aws, region: 'us-east-1' });
  await eks.send(
    new CreateClusterCommand({
      name: 'platform',
      roleArn: 'arn:aws:iam::123456789012:role/eks',
      resourcesVpcConfig: { subnetIds: ['subnet-1', 'subnet-2'] },
      tags: { env: 'prod' },
    }),
  );
  const cognito = new CognitoIdentityProviderClient({ ...aws, region: 'us-east-1' });
  await cognito.send(
    new CreateUserPoolCommand({ PoolName: 'customers', UserPoolTags: { env: 'prod' } }),
  );
  await cognito.send(new CreateUserPoolCommand({ PoolName: 'staff' }));
});

describe('checker run ec2', () => {
  it('lists instances with exact counts per region, an empty region counted as 0', async () => {
    const run = await runCheckerCli(
      ['run', '--service', 'ec2', '--type', 'resource_list', ...regionArgs],
      cliEnv,
    );

    expect(run.code).toBe(0);
    expect(run.result).toMatchObject({
      kind: 'run',
      outcome: 'Succeeded',
      resources: 4,
      regions: {
        'us-east-1': { resources: 3, unhealthy: 0 },
        'eu-west-1': { resources: 1, unhealthy: 0 },
        'ap-southeast-2': { resources: 0, unhealthy: 0 },
      },
    });
    expect(run.lines.filter((line) => line.event === 'resource')).toHaveLength(4);
    expect(run.lines.at(-1)).toMatchObject({ event: 'result', resources: 4 });
  });

  it('keeps only instances carrying the tag', async () => {
    const run = await runCheckerCli(
      ['run', '--service', 'ec2', '--type', 'resource_list', ...regionArgs, '--tag', 'env=prod'],
      cliEnv,
    );

    expect(run.code).toBe(0);
    expect(run.result).toMatchObject({
      resources: 3,
      regions: {
        'us-east-1': { resources: 2 },
        'eu-west-1': { resources: 1 },
        'ap-southeast-2': { resources: 0 },
      },
    });
  });

  it('fails with CountOutOfRange (exit 9) below --expect-min, and passes on the bound', async () => {
    const args = ['run', '--service', 'ec2', '--type', 'resource_list', ...regionArgs];
    const [below, onBound] = await Promise.all([
      runCheckerCli([...args, '--expect-min', '5'], cliEnv),
      runCheckerCli([...args, '--expect-min', '4', '--expect-max', '4'], cliEnv),
    ]);

    expect(below.code).toBe(9);
    expect(below.result).toMatchObject({
      outcome: 'Failed',
      reason: 'CountOutOfRange',
      message: 'found 4 ec2 resources; expected at least 5',
    });
    expect(onBound.code).toBe(0);
  });

  it('fails a health check with ResourcesUnhealthy (exit 8), naming the stopped instance', async () => {
    const run = await runCheckerCli(
      ['run', '--service', 'ec2', '--type', 'health_check', ...regionArgs, '--tag', 'env=prod'],
      cliEnv,
    );

    expect(run.code).toBe(8);
    expect(run.result).toMatchObject({
      reason: 'ResourcesUnhealthy',
      resources: 3,
      unhealthy: 1,
      regions: {
        'us-east-1': { resources: 2, unhealthy: 1 },
        'eu-west-1': { resources: 1, unhealthy: 0 },
      },
      findings: [
        {
          region: 'us-east-1',
          id: stoppedId,
          state: 'stopped',
          problems: ['instance is stopped, healthy is running'],
        },
      ],
    });
  });

  it('judges every instance from DescribeInstanceStatus when no tag filter is given', async () => {
    const run = await runCheckerCli(
      ['run', '--service', 'ec2', '--type', 'health_check', '--region', 'us-east-1'],
      cliEnv,
    );

    expect(run.code).toBe(8);
    expect(run.result).toMatchObject({
      resources: 3,
      unhealthy: 1,
      findings: [{ id: stoppedId, state: 'stopped' }],
    });
  });

  it('passes a health check of running instances', async () => {
    const run = await runCheckerCli(
      [
        'run',
        '--service',
        'ec2',
        '--type',
        'health_check',
        '--region',
        'us-east-1',
        '--tag',
        'env=dev',
      ],
      cliEnv,
    );

    expect(run.code).toBe(0);
    expect(run.result).toMatchObject({ outcome: 'Succeeded', resources: 1, unhealthy: 0 });
  });
});

describe('checker run dynamodb, eks, cognito-idp, sts', () => {
  it('checks DynamoDB tables per region and filters them by tag', async () => {
    const [health, prod] = await Promise.all([
      runCheckerCli(
        ['run', '--service', 'dynamodb', '--type', 'health_check', ...regionArgs],
        cliEnv,
      ),
      runCheckerCli(
        [
          'run',
          '--service',
          'dynamodb',
          '--type',
          'resource_list',
          ...regionArgs,
          '--tag',
          'env=prod',
        ],
        cliEnv,
      ),
    ]);

    expect(health.code).toBe(0);
    expect(health.result).toMatchObject({
      resources: 3,
      unhealthy: 0,
      regions: {
        'us-east-1': { resources: 2 },
        'eu-west-1': { resources: 1 },
        'ap-southeast-2': { resources: 0 },
      },
    });
    expect(prod.result).toMatchObject({ resources: 2, regions: { 'us-east-1': { resources: 1 } } });
  });

  it('checks EKS clusters and Cognito user pools', async () => {
    const [eks, pools, tagged] = await Promise.all([
      runCheckerCli(
        [
          'run',
          '--service',
          'eks',
          '--type',
          'health_check',
          '--region',
          'us-east-1',
          '--tag',
          'env=prod',
        ],
        cliEnv,
      ),
      runCheckerCli(
        ['run', '--service', 'cognito-idp', '--type', 'health_check', '--region', 'us-east-1'],
        cliEnv,
      ),
      runCheckerCli(
        [
          'run',
          '--service',
          'cognito-idp',
          '--type',
          'resource_list',
          '--region',
          'us-east-1',
          '--tag',
          'env=prod',
        ],
        cliEnv,
      ),
    ]);

    expect(eks.code).toBe(0);
    expect(eks.result).toMatchObject({ resources: 1, unhealthy: 0 });
    expect(eks.lines.find((line) => line.event === 'resource')).toMatchObject({
      id: 'platform',
      state: 'ACTIVE',
    });
    expect(pools.result).toMatchObject({ outcome: 'Succeeded', resources: 2 });
    expect(tagged.result).toMatchObject({ resources: 1 });
  });

  it('checks that each region’s STS endpoint answers', async () => {
    const run = await runCheckerCli(
      [
        'run',
        '--service',
        'sts',
        '--type',
        'health_check',
        '--region',
        'us-east-1',
        '--region',
        'eu-west-1',
      ],
      cliEnv,
    );

    expect(run.code).toBe(0);
    expect(run.result).toMatchObject({
      regions: { 'us-east-1': { resources: 1 }, 'eu-west-1': { resources: 1 } },
    });
  });

  it('refuses a tag filter for STS, whose identity has no tags', async () => {
    const run = await runCheckerCli(
      [
        'run',
        '--service',
        'sts',
        '--type',
        'health_check',
        '--region',
        'us-east-1',
        '--tag',
        'a=b',
      ],
      cliEnv,
    );

    expect(run.code).toBe(2);
    expect(run.result).toMatchObject({
      reason: 'InvalidConfiguration',
      error: { code: 'TagsUnsupported' },
    });
  });
});

describe('credentials', () => {
  it('validates keys from a mounted Secret directory without AWS key variables', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'secret-'));
    await writeFile(join(dir, 'AWS_ACCESS_KEY_ID'), 'testing\n');
    await writeFile(join(dir, 'AWS_SECRET_ACCESS_KEY'), 'testing\n');

    const run = await runCheckerCli(['validate', '--credentials-dir', dir], {
      AWS_ENDPOINT_URL: env.awsEndpointUrl,
    });

    expect(run.code).toBe(0);
    expect(run.result).toMatchObject({
      kind: 'validate',
      outcome: 'Succeeded',
      identity: { accountId: '123456789012' },
    });
  });

  it('assumes a role with the ExternalId, for validate and for run', async () => {
    const iam = new IAMClient({ ...aws, region: 'us-east-1' });
    const role = await iam.send(
      new CreateRoleCommand({
        RoleName: 'AwsCheckReadOnly',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: 'arn:aws:iam::123456789012:root' },
              Action: 'sts:AssumeRole',
              Condition: { StringEquals: { 'sts:ExternalId': 'tenant-uid-1' } },
            },
          ],
        }),
      }),
    );
    const roleArgs = ['--role-arn', role.Role?.Arn ?? '', '--external-id', 'tenant-uid-1'];

    const [validate, run] = await Promise.all([
      runCheckerCli(['validate', ...roleArgs, '--role-session-name', 'check-1'], cliEnv),
      runCheckerCli(
        [
          'run',
          '--service',
          'sts',
          '--type',
          'resource_list',
          '--region',
          'us-east-1',
          ...roleArgs,
        ],
        cliEnv,
      ),
    ]);

    expect(validate.code).toBe(0);
    expect(validate.result).toMatchObject({
      assumedRoleArn: role.Role?.Arn,
      identity: { arn: 'arn:aws:sts::123456789012:assumed-role/AwsCheckReadOnly/check-1' },
    });
    expect(run.lines.find((line) => line.event === 'resource')).toMatchObject({
      id: 'arn:aws:sts::123456789012:assumed-role/AwsCheckReadOnly/awscheck',
    });
  });
});

describe('checker from a fresh clone, as the README shows it', () => {
  const argv = ['run', '--service', 'sts', '--type', 'health_check', '--region', 'us-east-1'];

  // No build (the bin runs cli.ts from source) and no --termination-log (a shell user
  // has no writable /dev/termination-log): the result is on stdout, the exit code its own.
  it.each([
    ['npx checker', ['npx', '--no-install', 'checker', ...argv]],
    ['the bin script under any node on PATH', ['operator/checker/bin.js', ...argv]],
  ] as const)('%s runs and exits 0', async (_, command) => {
    const run = await runCheckerAsShellUser(command, cliEnv);

    expect(run.stderr).not.toMatch(/termination|ERR_/);
    expect(run.code).toBe(0);
    expect(run.lines.at(-1)).toMatchObject({ event: 'result', outcome: 'Succeeded', resources: 1 });
  });
});

describe('the platform identity (web identity)', () => {
  it('assumes the platform role with the projected token, then the tenant role, for validate and run', async () => {
    const iam = new IAMClient({ ...aws, region: 'us-east-1' });
    const trust = (principal: Record<string, string>, action: string): string =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: principal, Action: action }],
      });
    const platform = await iam.send(
      new CreateRoleCommand({
        RoleName: 'AwsCheckPlatform',
        AssumeRolePolicyDocument: trust(
          { Federated: 'arn:aws:iam::123456789012:oidc-provider/cluster.example' },
          'sts:AssumeRoleWithWebIdentity',
        ),
      }),
    );
    const tenant = await iam.send(
      new CreateRoleCommand({
        RoleName: 'TenantReadOnly',
        AssumeRolePolicyDocument: trust({ AWS: platform.Role?.Arn ?? '' }, 'sts:AssumeRole'),
      }),
    );
    const dir = await mkdtemp(join(tmpdir(), 'identity-'));
    const tokenFile = join(dir, 'token');
    await writeFile(tokenFile, 'eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJhd3NjaGVjayJ9.c2ln\n');
    const platformArgs = [
      '--web-identity-token-file',
      tokenFile,
      '--platform-role-arn',
      platform.Role?.Arn ?? '',
      '--role-session-name',
      'awscheck-tenant-a',
    ];
    const tenantArgs = ['--role-arn', tenant.Role?.Arn ?? '', '--external-id', 'tenant-a-uid'];
    // No key variables: the token is the only source, and nothing ambient may stand in.
    const noKeys = { AWS_ENDPOINT_URL: env.awsEndpointUrl };

    const [asPlatform, asTenant, run] = await Promise.all([
      runCheckerCli(['validate', ...platformArgs], noKeys),
      runCheckerCli(['validate', ...platformArgs, ...tenantArgs], noKeys),
      runCheckerCli(
        ['run', '--service', 'sts', '--type', 'resource_list', '--region', 'eu-west-1'].concat(
          platformArgs,
          tenantArgs,
        ),
        noKeys,
      ),
    ]);

    expect(asPlatform.code).toBe(0);
    expect(asPlatform.result).toMatchObject({
      identity: {
        arn: 'arn:aws:sts::123456789012:assumed-role/AwsCheckPlatform/awscheck-tenant-a',
      },
    });
    expect(asTenant.code).toBe(0);
    expect(asTenant.result).toMatchObject({
      assumedRoleArn: tenant.Role?.Arn,
      identity: { arn: 'arn:aws:sts::123456789012:assumed-role/TenantReadOnly/awscheck-tenant-a' },
    });
    expect(run.code).toBe(0);
    expect(run.lines.find((line) => line.event === 'resource')).toMatchObject({
      id: 'arn:aws:sts::123456789012:assumed-role/TenantReadOnly/awscheck-tenant-a',
    });
  });
});
