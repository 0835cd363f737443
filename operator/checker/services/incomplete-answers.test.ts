// Every module refuses an answer it cannot count honestly: a resource without its id is
// a failed run (ServiceError, IncompleteAnswer), never a resource called "unknown" and
// never silently skipped; an ECS DescribeServices failure entry fails the run with the
// service's ARN and AWS's reason. The answers are stubbed at the SDK client, because no
// emulator answers this way.
import { APIGatewayClient, GetRestApisCommand } from '@aws-sdk/client-api-gateway';
import { AthenaClient, ListWorkGroupsCommand } from '@aws-sdk/client-athena';
import { CloudFrontClient, ListDistributionsCommand } from '@aws-sdk/client-cloudfront';
import {
  CognitoIdentityProviderClient,
  ListUserPoolsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  DescribeInstanceStatusCommand,
  DescribeInstancesCommand,
  DescribeNatGatewaysCommand,
  DescribeVpcsCommand,
  DescribeVpnConnectionsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  DescribeServicesCommand,
  ECSClient,
  ListClustersCommand,
  ListServicesCommand,
} from '@aws-sdk/client-ecs';
import { DescribeFileSystemsCommand as DescribeEfs, EFSClient } from '@aws-sdk/client-efs';
import { DescribeCacheClustersCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { DescribeFileSystemsCommand as DescribeFsx, FSxClient } from '@aws-sdk/client-fsx';
import { IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { GetInstancesCommand, LightsailClient } from '@aws-sdk/client-lightsail';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { DescribeClustersCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { loadService } from '../registry.ts';
import { runCheck } from '../run.ts';
import type { CheckType, ServiceName } from '../service-names.ts';
import { callLimits, DEFAULT_MAX_IN_FLIGHT } from '../limits.ts';

const restores: (() => void)[] = [];
afterEach(() => {
  for (const restore of restores.splice(0)) restore();
});

// stub answers `command` on every client of `client`'s class with `answer`.
function stub(
  client: Parameters<typeof mockClient>[0],
  ...answers: readonly [unknown, unknown][]
): void {
  const mock = mockClient(client);
  for (const [command, answer] of answers) mock.on(command as never).resolves(answer as never);
  restores.push(() => {
    mock.restore();
  });
}

async function run(
  service: ServiceName,
  type: CheckType,
  tags: Record<string, string> = {},
): ReturnType<typeof runCheck> {
  return runCheck(
    {
      service,
      type,
      regions: ['eu-west-1'],
      tags,
      expect: {},
      timeoutMs: 10_000,
      concurrency: 1,
    },
    {
      module: await loadService(service),
      settings: {
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
        limits: callLimits({ maxAttempts: 1, maxInFlight: DEFAULT_MAX_IN_FLIGHT }),
      },
      emit: () => undefined,
      now: () => new Date(),
    },
  );
}

// One answer per module that lists a resource without the field that names it.
const WITHOUT_ID: readonly (readonly [string, ServiceName, () => void, Record<string, string>?])[] =
  [
    [
      'sts identity without Arn',
      'sts',
      () => {
        stub(STSClient, [GetCallerIdentityCommand, { UserId: 'AIDA', Account: '123456789012' }]);
      },
    ],
    [
      'ec2 status without InstanceId',
      'ec2',
      () => {
        stub(EC2Client, [DescribeInstanceStatusCommand, { InstanceStatuses: [{}] }]);
      },
    ],
    [
      'ec2 tagged instance without InstanceId',
      'ec2',
      () => {
        stub(EC2Client, [DescribeInstancesCommand, { Reservations: [{ Instances: [{}] }] }]);
      },
      { env: 'prod' },
    ],
    [
      'ecs service without serviceArn',
      'ecs',
      () => {
        stub(
          ECSClient,
          [ListClustersCommand, { clusterArns: ['arn:aws:ecs:eu-west-1:1:cluster/c'] }],
          [ListServicesCommand, { serviceArns: ['arn:aws:ecs:eu-west-1:1:service/c/s'] }],
          [DescribeServicesCommand, { services: [{ serviceName: 's' }], failures: [] }],
        );
      },
    ],
    [
      'apigateway API without id',
      'apigateway',
      () => {
        stub(APIGatewayClient, [GetRestApisCommand, { items: [{ name: 'api' }] }]);
      },
    ],
    [
      'athena workgroup without Name',
      'athena',
      () => {
        stub(AthenaClient, [ListWorkGroupsCommand, { WorkGroups: [{ State: 'ENABLED' }] }]);
      },
    ],
    [
      'cloudfront distribution without Id',
      'cloudfront',
      () => {
        stub(CloudFrontClient, [
          ListDistributionsCommand,
          { DistributionList: { Items: [{ Status: 'Deployed', Enabled: true }] } },
        ]);
      },
    ],
    [
      'cloudfront tag filter without the ARN to read tags by',
      'cloudfront',
      () => {
        stub(CloudFrontClient, [
          ListDistributionsCommand,
          { DistributionList: { Items: [{ Id: 'E1', Status: 'Deployed' }] } },
        ]);
      },
      { env: 'prod' },
    ],
    [
      'cognito-idp pool without Id',
      'cognito-idp',
      () => {
        stub(CognitoIdentityProviderClient, [ListUserPoolsCommand, { UserPools: [{ Name: 'p' }] }]);
      },
    ],
    [
      'efs file system without FileSystemId',
      'efs',
      () => {
        stub(EFSClient, [DescribeEfs, { FileSystems: [{ LifeCycleState: 'available' }] }]);
      },
    ],
    [
      'elasticache cluster without CacheClusterId',
      'elasticache',
      () => {
        stub(ElastiCacheClient, [DescribeCacheClustersCommand, { CacheClusters: [{}] }]);
      },
    ],
    [
      'elasticache tag filter without the ARN',
      'elasticache',
      () => {
        stub(ElastiCacheClient, [
          DescribeCacheClustersCommand,
          { CacheClusters: [{ CacheClusterId: 'c' }] },
        ]);
      },
      { env: 'prod' },
    ],
    [
      'fsx file system without FileSystemId',
      'fsx',
      () => {
        stub(FSxClient, [DescribeFsx, { FileSystems: [{ Lifecycle: 'AVAILABLE' }] }]);
      },
    ],
    [
      'iam user without UserName',
      'iam',
      () => {
        stub(IAMClient, [ListUsersCommand, { Users: [{ UserId: 'AIDA' }] }]);
      },
    ],
    [
      'kinesis stream without StreamName',
      'kinesis',
      () => {
        stub(KinesisClient, [
          ListStreamsCommand,
          { StreamSummaries: [{ StreamStatus: 'ACTIVE' }] },
        ]);
      },
    ],
    [
      'lambda function without FunctionName',
      'lambda',
      () => {
        stub(LambdaClient, [ListFunctionsCommand, { Functions: [{ State: 'Active' }] }]);
      },
    ],
    [
      'lambda tag filter without the FunctionArn',
      'lambda',
      () => {
        stub(LambdaClient, [ListFunctionsCommand, { Functions: [{ FunctionName: 'f' }] }]);
      },
      { env: 'prod' },
    ],
    [
      'lightsail instance without name',
      'lightsail',
      () => {
        stub(LightsailClient, [
          GetInstancesCommand,
          { instances: [{ state: { name: 'running' } }] },
        ]);
      },
    ],
    [
      'rds instance without DBInstanceIdentifier',
      'rds',
      () => {
        stub(RDSClient, [DescribeDBInstancesCommand, { DBInstances: [{}] }]);
      },
    ],
    [
      'redshift cluster without ClusterIdentifier',
      'redshift',
      () => {
        stub(RedshiftClient, [DescribeClustersCommand, { Clusters: [{}] }]);
      },
    ],
    [
      's3 bucket without Name',
      's3',
      () => {
        stub(S3Client, [ListBucketsCommand, { Buckets: [{ BucketRegion: 'eu-west-1' }] }]);
      },
    ],
    [
      'secretsmanager secret without Name',
      'secretsmanager',
      () => {
        stub(SecretsManagerClient, [ListSecretsCommand, { SecretList: [{}] }]);
      },
    ],
    [
      'vpc without VpcId',
      'vpc',
      () => {
        stub(EC2Client, [DescribeVpcsCommand, { Vpcs: [{ State: 'available' }] }]);
      },
    ],
    [
      'NAT gateway without NatGatewayId',
      'vpc',
      () => {
        stub(
          EC2Client,
          [DescribeVpcsCommand, { Vpcs: [] }],
          [DescribeNatGatewaysCommand, { NatGateways: [{ State: 'available' }] }],
        );
      },
    ],
    [
      'VPN connection without VpnConnectionId',
      'vpc',
      () => {
        stub(
          EC2Client,
          [DescribeVpcsCommand, { Vpcs: [] }],
          [DescribeNatGatewaysCommand, { NatGateways: [] }],
          [DescribeVpnConnectionsCommand, { VpnConnections: [{ State: 'available' }] }],
        );
      },
    ],
  ];

describe('a resource without an id fails the run', () => {
  const cases = WITHOUT_ID.map(([name, service, answer, tags]) => ({
    name,
    service,
    answer,
    tags,
  }));

  it.each(cases)('$name ($service)', async ({ service, answer, tags }) => {
    for (const type of ['resource_list', 'health_check'] as const) {
      answer();
      const result = await run(service, type, tags);
      for (const restore of restores.splice(0)) restore();

      expect(result, type).toMatchObject({
        outcome: 'Failed',
        reason: 'ServiceError',
        resources: 0,
        error: { code: 'IncompleteAnswer', category: 'ServiceError' },
      });
      expect(JSON.stringify(result)).not.toContain('unknown');
    }
  });
});

describe('ecs DescribeServices failures', () => {
  it('fail the run with the ARN and AWS’s reason, never a shorter count', async () => {
    const arn = 'arn:aws:ecs:eu-west-1:123456789012:service/prod/web';
    stub(
      ECSClient,
      [ListClustersCommand, { clusterArns: ['arn:aws:ecs:eu-west-1:123456789012:cluster/prod'] }],
      [ListServicesCommand, { serviceArns: [arn, `${arn}-2`] }],
      [
        DescribeServicesCommand,
        {
          services: [{ serviceArn: `${arn}-2`, status: 'ACTIVE' }],
          failures: [{ arn, reason: 'MISSING' }],
        },
      ],
    );

    const result = await run('ecs', 'resource_list');

    expect(result).toMatchObject({
      outcome: 'Failed',
      reason: 'ServiceError',
      resources: 0,
      error: {
        code: 'DescribeFailure',
        operation: 'ecs:DescribeServices',
        region: 'eu-west-1',
        message: `ecs:DescribeServices failed for ${arn}: MISSING`,
      },
    });
  });
});
