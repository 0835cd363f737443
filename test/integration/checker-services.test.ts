// Every service module moto emulates, against moto: resources seeded through the SDK,
// then listed and health-checked by the checker (in-process, through the real SDK and
// moto's HTTP API), with tag filters. Lightsail, which moto lacks, is covered by
// operator/checker/services/lightsail.test.ts.
import {
  APIGatewayClient,
  CreateDeploymentCommand,
  CreateRestApiCommand,
  GetResourcesCommand,
  PutIntegrationCommand,
  PutMethodCommand,
} from '@aws-sdk/client-api-gateway';
import { AthenaClient, CreateWorkGroupCommand } from '@aws-sdk/client-athena';
import { CloudFrontClient, CreateDistributionCommand } from '@aws-sdk/client-cloudfront';
import { CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { CreateFileSystemCommand, EFSClient } from '@aws-sdk/client-efs';
import { CreateCacheClusterCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  KinesisClient,
} from '@aws-sdk/client-kinesis';
import { CreateFileSystemCommand as CreateFsxCommand, FSxClient } from '@aws-sdk/client-fsx';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import {
  CreateClusterCommand as CreateRedshiftCommand,
  RedshiftClient,
} from '@aws-sdk/client-redshift';
import { CreateBucketCommand, PutBucketTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { Http1Handler } from '../../operator/checker/http1.ts';
import { loadService } from '../../operator/checker/registry.ts';
import type { RunResult } from '../../operator/checker/result.ts';
import { runCheck } from '../../operator/checker/run.ts';
import type { ServiceName } from '../../operator/checker/service-names.ts';
import type { CheckType } from '../../operator/checker/service-names.ts';
import { callLimits, DEFAULT_MAX_IN_FLIGHT } from '../../operator/checker/limits.ts';

const env = inject('testenv');
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const aws = (
  region = 'us-east-1',
): { endpoint: string; region: string; credentials: typeof credentials } => ({
  endpoint: env.awsEndpointUrl,
  region,
  credentials,
});
const prod = [{ Key: 'env', Value: 'prod' }];

async function check(
  service: ServiceName,
  type: CheckType,
  options: { regions?: string[]; tags?: Record<string, string> } = {},
): Promise<RunResult & { ids: string[] }> {
  const ids: string[] = [];
  const result = await runCheck(
    {
      service,
      type,
      regions: options.regions ?? ['us-east-1'],
      tags: options.tags ?? {},
      expect: {},
      timeoutMs: 30_000,
      concurrency: 4,
    },
    {
      module: await loadService(service),
      settings: {
        credentials,
        limits: callLimits({ maxAttempts: 2, maxInFlight: DEFAULT_MAX_IN_FLIGHT }),
        endpoint: env.awsEndpointUrl,
      },
      emit: (line) => {
        if (line.event === 'resource') ids.push(String(line.id));
      },
      now: () => new Date(),
    },
  );
  if (result.error) throw new Error(`${service} ${type} failed: ${result.message}`);
  return { ...result, ids: ids.sort() };
}

beforeAll(async () => {
  const s3 = new S3Client({ ...aws(), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'logs-east' }));
  await s3.send(new PutBucketTaggingCommand({ Bucket: 'logs-east', Tagging: { TagSet: prod } }));
  await new S3Client({ ...aws('eu-west-1'), forcePathStyle: true }).send(
    new CreateBucketCommand({
      Bucket: 'logs-eu',
      CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
    }),
  );
});

describe('s3', () => {
  it('lists buckets per region and checks each answers', async () => {
    const all = await check('s3', 'health_check', { regions: ['us-east-1', 'eu-west-1'] });
    const tagged = await check('s3', 'resource_list', {
      regions: ['us-east-1', 'eu-west-1'],
      tags: { env: 'prod' },
    });

    expect(all).toMatchObject({
      outcome: 'Succeeded',
      regions: { 'us-east-1': { resources: 1 }, 'eu-west-1': { resources: 1 } },
    });
    expect(tagged.ids).toEqual(['logs-east']);
  });
});

describe('lambda', () => {
  it('lists functions, checks their state, filters by tag', async () => {
    const iam = new IAMClient(aws());
    const role = await iam.send(
      new CreateRoleCommand({
        RoleName: 'lambda-exec',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'lambda.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      }),
    );
    const lambda = new LambdaClient(aws());
    for (const [name, tags] of [
      ['resize', { env: 'prod' }],
      ['cleanup', {}],
    ] as const) {
      await lambda.send(
        new CreateFunctionCommand({
          FunctionName: name,
          Runtime: 'python3.12',
          Role: role.Role?.Arn,
          Handler: 'index.handler',
          Code: {
            ZipFile: new Uint8Array([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]),
          },
          Tags: tags,
        }),
      );
    }

    const health = await check('lambda', 'health_check');
    const tagged = await check('lambda', 'resource_list', { tags: { env: 'prod' } });

    expect(health).toMatchObject({ outcome: 'Succeeded', resources: 2, unhealthy: 0 });
    expect(tagged.ids).toEqual(['resize']);
  });
});

describe('ecs', () => {
  it('judges running against desired tasks for every service of every cluster', async () => {
    const ecs = new ECSClient(aws());
    await ecs.send(new CreateClusterCommand({ clusterName: 'web' }));
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'web',
        containerDefinitions: [{ name: 'web', image: 'nginx', memory: 128 }],
      }),
    );
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'web',
        serviceName: 'idle',
        taskDefinition: 'web',
        desiredCount: 0,
        tags: [{ key: 'env', value: 'prod' }],
      }),
    );

    const health = await check('ecs', 'health_check');
    const tagged = await check('ecs', 'resource_list', { tags: { env: 'prod' } });

    expect(health).toMatchObject({ outcome: 'Succeeded', resources: 1, unhealthy: 0 });
    expect(tagged.resources).toBe(1);
  });
});

describe('rds, efs, elasticache, redshift, secretsmanager, kinesis', () => {
  beforeAll(async () => {
    await new RDSClient(aws()).send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'orders-db',
        DBInstanceClass: 'db.t3.micro',
        Engine: 'postgres',
        AllocatedStorage: 20,
        MasterUsername: 'admin',
        MasterUserPassword: 'password123',
        Tags: prod,
      }),
    );
    await new EFSClient(aws()).send(
      new CreateFileSystemCommand({ CreationToken: 'shared', Tags: prod }),
    );
    await new ElastiCacheClient(aws()).send(
      new CreateCacheClusterCommand({
        CacheClusterId: 'sessions',
        Engine: 'redis',
        CacheNodeType: 'cache.t3.micro',
        NumCacheNodes: 1,
        Tags: prod,
      }),
    );
    await new RedshiftClient(aws()).send(
      new CreateRedshiftCommand({
        ClusterIdentifier: 'warehouse',
        NodeType: 'dc2.large',
        MasterUsername: 'admin',
        MasterUserPassword: 'Password123',
        ClusterType: 'single-node',
        Tags: prod,
      }),
    );
    await new SecretsManagerClient(aws()).send(
      new CreateSecretCommand({ Name: 'db-password', SecretString: 'x', Tags: prod }),
    );
    // moto serves HTTP/1.1 only; the SDK's Kinesis client defaults to HTTP/2.
    const kinesis = new KinesisClient({ ...aws(), requestHandler: new Http1Handler(10_000) });
    await kinesis.send(new CreateStreamCommand({ StreamName: 'events', ShardCount: 1 }));
    await kinesis.send(new AddTagsToStreamCommand({ StreamName: 'events', Tags: { env: 'prod' } }));
  });

  it.each([
    ['rds', 'orders-db'],
    ['efs', undefined],
    ['elasticache', 'sessions'],
    ['redshift', 'warehouse'],
    ['secretsmanager', 'db-password'],
    ['kinesis', 'events'],
  ] as const)('%s: one healthy resource, found again by its tag', async (service, id) => {
    const health = await check(service, 'health_check');
    const tagged = await check(service, 'resource_list', { tags: { env: 'prod' } });
    const untagged = await check(service, 'resource_list', { tags: { env: 'dev' } });

    expect(health).toMatchObject({ outcome: 'Succeeded', resources: 1, unhealthy: 0 });
    if (id !== undefined) expect(health.ids).toEqual([id]);
    expect(tagged.ids).toEqual(health.ids);
    expect(untagged.resources).toBe(0);
  });
});

describe('vpc', () => {
  it('counts the default VPC and a tagged one, each available', async () => {
    const ec2 = new EC2Client(aws('eu-west-1'));
    await ec2.send(
      new CreateVpcCommand({
        CidrBlock: '10.1.0.0/16',
        TagSpecifications: [{ ResourceType: 'vpc', Tags: prod }],
      }),
    );

    const health = await check('vpc', 'health_check', { regions: ['eu-west-1'] });
    const tagged = await check('vpc', 'resource_list', {
      regions: ['eu-west-1'],
      tags: { env: 'prod' },
    });

    expect(health).toMatchObject({ outcome: 'Succeeded', resources: 2, unhealthy: 0 });
    expect(tagged.resources).toBe(1);
  });
});

describe('iam and athena', () => {
  it('judges IAM users by access-key age, once for the account ("global")', async () => {
    const iam = new IAMClient(aws());
    await iam.send(new CreateUserCommand({ UserName: 'deploy', Tags: prod }));
    await iam.send(new CreateAccessKeyCommand({ UserName: 'deploy' }));

    const health = await check('iam', 'health_check', { regions: ['us-east-1', 'eu-west-1'] });
    const tagged = await check('iam', 'resource_list', { tags: { env: 'prod' } });

    expect(health).toMatchObject({
      outcome: 'Succeeded',
      regions: { global: { resources: 1, unhealthy: 0 } },
    });
    expect(tagged.ids).toEqual(['deploy']);
  });

  it('lists Athena workgroups, the built-in primary among them', async () => {
    await new AthenaClient(aws()).send(new CreateWorkGroupCommand({ Name: 'analysts' }));

    const health = await check('athena', 'health_check');

    expect(health.ids).toEqual(['analysts', 'primary']);
    expect(health.unhealthy).toBe(0);
  });
});

describe('apigateway, cloudfront, fsx', () => {
  it('judges REST APIs by their stages', async () => {
    const api = new APIGatewayClient(aws());
    const deployed = await api.send(
      new CreateRestApiCommand({ name: 'orders', tags: { env: 'prod' } }),
    );
    await api.send(new CreateRestApiCommand({ name: 'draft' }));
    const resources = await api.send(new GetResourcesCommand({ restApiId: deployed.id }));
    const root = resources.items?.find((r) => r.path === '/')?.id;
    await api.send(
      new PutMethodCommand({
        restApiId: deployed.id,
        resourceId: root,
        httpMethod: 'GET',
        authorizationType: 'NONE',
      }),
    );
    await api.send(
      new PutIntegrationCommand({
        restApiId: deployed.id,
        resourceId: root,
        httpMethod: 'GET',
        type: 'MOCK',
      }),
    );
    await api.send(new CreateDeploymentCommand({ restApiId: deployed.id, stageName: 'prod' }));

    const health = await check('apigateway', 'health_check');
    const tagged = await check('apigateway', 'resource_list', { tags: { env: 'prod' } });

    expect(health).toMatchObject({
      outcome: 'Failed',
      reason: 'ResourcesUnhealthy',
      resources: 2,
      unhealthy: 1,
    });
    expect(health.findings).toEqual([
      {
        region: 'us-east-1',
        id: expect.any(String) as unknown,
        state: 'no stages',
        problems: ['the API has no stage: nothing is deployed for clients to call'],
      },
    ]);
    expect(tagged.ids).toEqual([deployed.id]);
  });

  it('lists CloudFront distributions once, as global', async () => {
    const cloudfront = new CloudFrontClient(aws());
    await cloudfront.send(
      new CreateDistributionCommand({
        DistributionConfig: {
          CallerReference: 'site',
          Comment: 'site',
          Enabled: true,
          Origins: {
            Quantity: 1,
            Items: [
              {
                Id: 'origin',
                DomainName: 'example.s3.amazonaws.com',
                S3OriginConfig: { OriginAccessIdentity: '' },
              },
            ],
          },
          DefaultCacheBehavior: {
            TargetOriginId: 'origin',
            ViewerProtocolPolicy: 'allow-all',
            MinTTL: 0,
            ForwardedValues: { QueryString: false, Cookies: { Forward: 'none' } },
          },
        },
      }),
    );

    const health = await check('cloudfront', 'health_check', {
      regions: ['eu-west-1', 'us-west-2'],
    });

    expect(health).toMatchObject({ regions: { global: { resources: 1, unhealthy: 0 } } });
  });
});

describe('fsx', () => {
  // moto's FSx reports no Lifecycle, which the health rule rightly calls unknown; the
  // inventory is what it can show.
  it('lists file systems and filters them by tag', async () => {
    const created = await new FSxClient(aws()).send(
      new CreateFsxCommand({
        FileSystemType: 'LUSTRE',
        StorageCapacity: 1200,
        SubnetIds: ['subnet-1'],
        Tags: prod,
      }),
    );

    const tagged = await check('fsx', 'resource_list', { tags: { env: 'prod' } });
    const health = await check('fsx', 'health_check');

    expect(tagged.ids).toEqual([created.FileSystem?.FileSystemId]);
    expect(health.findings[0]).toMatchObject({
      state: 'unknown',
      problems: ['file system is unknown, healthy is AVAILABLE or UPDATING'],
    });
  });
});
