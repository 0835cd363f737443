// Multi-page listings for every service module whose listing paginates: more than one
// page of resources, and the checker counts every one of them across the pages.
//
// Where moto pages a listing itself, more resources are seeded than the checker's page
// size. Where moto answers in one page whatever the page size (the fault proxy's
// PAGED_LISTINGS), the proxy pages it as AWS does, at most PAGE items a page (AWS may
// answer fewer items than asked, with a token), so a handful of resources makes three
// pages. Each case also asserts, from the proxy's log, that more than one page was asked.
// Not here: sts (no listing), lightsail (moto lacks it; its paging is a unit test,
// operator/checker/services/lightsail.test.ts).
import { APIGatewayClient, CreateRestApiCommand } from '@aws-sdk/client-api-gateway';
import { AthenaClient, CreateWorkGroupCommand } from '@aws-sdk/client-athena';
import { CloudFrontClient, CreateDistributionCommand } from '@aws-sdk/client-cloudfront';
import {
  CognitoIdentityProviderClient,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateVpcCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { CreateFileSystemCommand, EFSClient } from '@aws-sdk/client-efs';
import { CreateClusterCommand as CreateEksClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { CreateCacheClusterCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { CreateFileSystemCommand as CreateFsxCommand, FSxClient } from '@aws-sdk/client-fsx';
import { CreateRoleCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import {
  CreateClusterCommand as CreateRedshiftCommand,
  RedshiftClient,
} from '@aws-sdk/client-redshift';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { Http1Handler } from '../../operator/checker/http1.ts';
import { loadService } from '../../operator/checker/registry.ts';
import type { RunResult } from '../../operator/checker/result.ts';
import { runCheck } from '../../operator/checker/run.ts';
import type { CheckType, ServiceName } from '../../operator/checker/service-names.ts';
import { awsEnvironment, runCheckerCli } from '../support/checker-cli.ts';
import { startFaultProxy, type FaultProxy, type ProxiedRequest } from '../support/fault-proxy.ts';
import { callLimits, DEFAULT_MAX_IN_FLIGHT } from '../../operator/checker/limits.ts';

const env = inject('testenv');
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const aws = { endpoint: env.awsEndpointUrl, region: 'us-east-1', credentials };
/** PAGE is the most items the proxy answers a page for the listings it pages. */
const PAGE = 2;
let proxy: FaultProxy;

beforeAll(async () => {
  proxy = await startFaultProxy(env.awsEndpointUrl, { paging: true, pageSizeCap: PAGE });
});
afterAll(async () => {
  await proxy.close();
});
beforeEach(() => {
  proxy.clear();
});

async function check(
  service: ServiceName,
  options: { type?: CheckType; tags?: Record<string, string>; region?: string } = {},
): Promise<RunResult & { ids: string[] }> {
  const ids: string[] = [];
  const result = await runCheck(
    {
      service,
      type: options.type ?? 'resource_list',
      regions: [options.region ?? 'us-east-1'],
      tags: options.tags ?? {},
      expect: {},
      timeoutMs: 60_000,
      concurrency: 4,
    },
    {
      module: await loadService(service),
      settings: {
        credentials,
        limits: callLimits({ maxAttempts: 2, maxInFlight: DEFAULT_MAX_IN_FLIGHT }),
        endpoint: proxy.url,
      },
      emit: (line) => {
        if (line.event === 'resource') ids.push(String(line.id));
      },
      now: () => new Date(),
    },
  );
  if (result.error) throw new Error(`${service} failed: ${result.message}`);
  return { ...result, ids: ids.sort() };
}

/** seedMany makes `count` resources, `at` a time (moto serves requests on threads). */
async function seedMany(count: number, make: (i: number) => Promise<unknown>): Promise<void> {
  const at = 8;
  for (let start = 0; start < count; start += at) {
    const batch = Array.from({ length: Math.min(at, count - start) }, (_, k) => make(start + k));
    await Promise.all(batch);
  }
}

const pagesOf = (where: (r: ProxiedRequest) => boolean): number =>
  proxy.requests.filter(where).length;
const op =
  (operation: string) =>
  (r: ProxiedRequest): boolean =>
    r.operation === operation;
const restPath =
  (service: string, path: RegExp) =>
  (r: ProxiedRequest): boolean =>
    r.service === service && r.method === 'GET' && path.test(r.path);

// The listings the proxy pages: a handful of resources makes three pages of PAGE.
describe('listings moto answers in one page, paged by the proxy as AWS pages them', () => {
  it('ec2: DescribeInstanceStatus, and DescribeInstances with a tag filter, every page', async () => {
    const ec2 = new EC2Client(aws);
    const tagged = [{ ResourceType: 'instance' as const, Tags: [{ Key: 'env', Value: 'prod' }] }];
    for (let i = 0; i < 3; i += 1) {
      await ec2.send(
        new RunInstancesCommand({
          ImageId: 'ami-12c6146b',
          MinCount: 2,
          MaxCount: 2,
          TagSpecifications: tagged,
        }),
      );
    }

    const listed = await check('ec2');
    const statusPages = pagesOf(op('DescribeInstanceStatus'));
    proxy.clear();
    const byTag = await check('ec2', { tags: { env: 'prod' } });

    expect(listed.resources).toBe(6);
    expect(statusPages).toBe(3);
    expect(byTag.ids).toEqual(listed.ids);
    expect(pagesOf(op('DescribeInstances'))).toBe(3);
  });

  it('ec2 from the command line, as a Pod runs it: every instance across pages', async () => {
    await new EC2Client({ ...aws, region: 'us-west-2' }).send(
      new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 5, MaxCount: 5 }),
    );

    const run = await runCheckerCli(
      ['run', '--service', 'ec2', '--type', 'resource_list', '--region', 'us-west-2'],
      awsEnvironment(proxy.url),
    );

    expect(run.code).toBe(0);
    expect(run.result).toMatchObject({ kind: 'run', outcome: 'Succeeded', resources: 5 });
    expect(pagesOf(op('DescribeInstanceStatus'))).toBe(3);
  });

  it('vpc: DescribeVpcs', async () => {
    const ec2 = new EC2Client({ ...aws, region: 'eu-west-1' });
    for (const cidr of ['10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16', '10.4.0.0/16'])
      await ec2.send(new CreateVpcCommand({ CidrBlock: cidr }));

    const result = await check('vpc', { type: 'health_check', region: 'eu-west-1' });

    // The region's default VPC, and four more.
    expect(result).toMatchObject({ resources: 5, unhealthy: 0 });
    expect(pagesOf((r) => r.operation === 'DescribeVpcs' && r.region === 'eu-west-1')).toBe(3);
  });

  it('s3: ListBuckets', async () => {
    const s3 = new S3Client({ ...aws, forcePathStyle: true });
    for (const name of ['page-a', 'page-b', 'page-c', 'page-d', 'page-e'])
      await s3.send(new CreateBucketCommand({ Bucket: name }));

    const result = await check('s3');

    expect(result.ids).toEqual(['page-a', 'page-b', 'page-c', 'page-d', 'page-e']);
    expect(pagesOf(op('ListBuckets'))).toBe(3);
  });

  it('lambda: ListFunctions', async () => {
    const role = await new IAMClient(aws).send(
      new CreateRoleCommand({
        RoleName: 'pagination-lambda',
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
    const lambda = new LambdaClient(aws);
    for (const name of ['fn-a', 'fn-b', 'fn-c', 'fn-d', 'fn-e']) {
      await lambda.send(
        new CreateFunctionCommand({
          FunctionName: name,
          Runtime: 'python3.12',
          Role: role.Role?.Arn,
          Handler: 'index.handler',
          Code: {
            ZipFile: new Uint8Array([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]),
          },
        }),
      );
    }

    const result = await check('lambda', { type: 'health_check' });

    expect(result.ids).toEqual(['fn-a', 'fn-b', 'fn-c', 'fn-d', 'fn-e']);
    expect(pagesOf(op('ListFunctions'))).toBe(3);
  });

  it('kinesis: ListStreams', async () => {
    const kinesis = new KinesisClient({ ...aws, requestHandler: new Http1Handler(10_000) });
    for (const name of ['st-a', 'st-b', 'st-c', 'st-d', 'st-e'])
      await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));

    const result = await check('kinesis');

    expect(result.ids).toEqual(['st-a', 'st-b', 'st-c', 'st-d', 'st-e']);
    expect(pagesOf(op('ListStreams'))).toBe(3);
  });

  it('apigateway: GetRestApis', async () => {
    const api = new APIGatewayClient(aws);
    for (const name of ['api-a', 'api-b', 'api-c', 'api-d', 'api-e'])
      await api.send(new CreateRestApiCommand({ name }));

    const result = await check('apigateway');

    expect(result.resources).toBe(5);
    expect(pagesOf(op('GetRestApis'))).toBe(3);
  });

  it('athena: ListWorkGroups', async () => {
    const athena = new AthenaClient(aws);
    for (const name of ['wg-a', 'wg-b', 'wg-c', 'wg-d'])
      await athena.send(new CreateWorkGroupCommand({ Name: name }));

    const result = await check('athena');

    expect(result.ids).toEqual(['primary', 'wg-a', 'wg-b', 'wg-c', 'wg-d']);
    expect(pagesOf(op('ListWorkGroups'))).toBe(3);
  });

  it('ecs: ListClusters and ListServices', async () => {
    const ecs = new ECSClient(aws);
    for (const cluster of ['c-a', 'c-b', 'c-c', 'c-d', 'c-e'])
      await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'web',
        containerDefinitions: [{ name: 'web', image: 'nginx', memory: 128 }],
      }),
    );
    for (const service of ['s-a', 's-b', 's-c', 's-d', 's-e']) {
      await ecs.send(
        new CreateServiceCommand({
          cluster: 'c-a',
          serviceName: service,
          taskDefinition: 'web',
          desiredCount: 0,
        }),
      );
    }

    const result = await check('ecs');

    expect(result.resources).toBe(5);
    expect(pagesOf(op('ListClusters'))).toBe(3);
    // Three pages for c-a, one (empty) for each of the other four clusters.
    expect(pagesOf(op('ListServices'))).toBe(3 + 4);
  });

  it('iam: ListUsers, once for the account', async () => {
    const iam = new IAMClient(aws);
    for (const name of ['u-a', 'u-b', 'u-c', 'u-d', 'u-e'])
      await iam.send(new CreateUserCommand({ UserName: name }));

    const result = await check('iam');

    expect(result.ids).toEqual(['u-a', 'u-b', 'u-c', 'u-d', 'u-e']);
    expect(pagesOf(op('ListUsers'))).toBe(3);
  });

  it('redshift: DescribeClusters', async () => {
    const redshift = new RedshiftClient(aws);
    for (const id of ['rs-a', 'rs-b', 'rs-c', 'rs-d', 'rs-e']) {
      await redshift.send(
        new CreateRedshiftCommand({
          ClusterIdentifier: id,
          NodeType: 'dc2.large',
          MasterUsername: 'admin',
          MasterUserPassword: 'Password123',
          ClusterType: 'single-node',
        }),
      );
    }

    const result = await check('redshift');

    expect(result.ids).toEqual(['rs-a', 'rs-b', 'rs-c', 'rs-d', 'rs-e']);
    expect(pagesOf(op('DescribeClusters'))).toBe(3);
  });
});

// The listings moto pages itself: one resource more than the checker's page size.
// Seeding a hundred resources takes moto from seconds (DynamoDB) to a minute (EKS) on a
// busy machine.
describe(
  'listings moto pages itself, seeded past the checker’s page size',
  { timeout: 180_000 },
  () => {
    it('dynamodb: ListTables (pages of 100)', async () => {
      const dynamodb = new DynamoDBClient(aws);
      await seedMany(101, (i) =>
        dynamodb.send(
          new CreateTableCommand({
            TableName: `table-${String(i).padStart(3, '0')}`,
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
            KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          }),
        ),
      );

      const result = await check('dynamodb');

      expect(result.resources).toBe(101);
      expect(pagesOf(op('ListTables'))).toBe(2);
    });

    it('cognito-idp: ListUserPools (pages of 60)', async () => {
      const cognito = new CognitoIdentityProviderClient(aws);
      await seedMany(61, (i) => cognito.send(new CreateUserPoolCommand({ PoolName: `pool-${i}` })));

      const result = await check('cognito-idp');

      expect(result.resources).toBe(61);
      expect(pagesOf(op('ListUserPools'))).toBe(2);
    });

    it('secretsmanager: ListSecrets (pages of 100)', async () => {
      const secrets = new SecretsManagerClient(aws);
      await seedMany(101, (i) =>
        secrets.send(new CreateSecretCommand({ Name: `secret-${i}`, SecretString: 'x' })),
      );

      const result = await check('secretsmanager');

      expect(result.resources).toBe(101);
      expect(pagesOf(op('ListSecrets'))).toBe(2);
    });

    it('rds: DescribeDBInstances (pages of 100)', async () => {
      const rds = new RDSClient(aws);
      await seedMany(101, (i) =>
        rds.send(
          new CreateDBInstanceCommand({
            DBInstanceIdentifier: `db-${i}`,
            DBInstanceClass: 'db.t3.micro',
            Engine: 'postgres',
            AllocatedStorage: 20,
            MasterUsername: 'admin',
            MasterUserPassword: 'password123',
          }),
        ),
      );

      const result = await check('rds');

      expect(result.resources).toBe(101);
      expect(pagesOf(op('DescribeDBInstances'))).toBe(2);
    });

    it('elasticache: DescribeCacheClusters (pages of 100)', async () => {
      const elasticache = new ElastiCacheClient(aws);
      await seedMany(101, (i) =>
        elasticache.send(
          new CreateCacheClusterCommand({
            CacheClusterId: `cache-${i}`,
            Engine: 'redis',
            CacheNodeType: 'cache.t3.micro',
            NumCacheNodes: 1,
          }),
        ),
      );

      const result = await check('elasticache');

      expect(result.resources).toBe(101);
      expect(pagesOf(op('DescribeCacheClusters'))).toBe(2);
    });

    it('efs: DescribeFileSystems (pages of 100)', async () => {
      const efs = new EFSClient(aws);
      await seedMany(101, (i) =>
        efs.send(new CreateFileSystemCommand({ CreationToken: `fs-${i}` })),
      );

      const result = await check('efs');

      expect(result.resources).toBe(101);
      expect(pagesOf(restPath('elasticfilesystem', /^\/2015-02-01\/file-systems/))).toBe(2);
    });

    it('fsx: DescribeFileSystems (pages of 100)', async () => {
      const fsx = new FSxClient(aws);
      await seedMany(101, () =>
        fsx.send(
          new CreateFsxCommand({
            FileSystemType: 'LUSTRE',
            StorageCapacity: 1200,
            SubnetIds: ['subnet-1'],
          }),
        ),
      );

      const result = await check('fsx');

      expect(result.resources).toBe(101);
      expect(pagesOf(op('DescribeFileSystems'))).toBe(2);
    });

    it('eks: ListClusters (pages of 100)', async () => {
      const eks = new EKSClient(aws);
      await seedMany(101, (i) =>
        eks.send(
          new CreateEksClusterCommand({
            name: `cluster-${i}`,
            roleArn: 'arn:aws:iam::123456789012:role/eks',
            resourcesVpcConfig: { subnetIds: ['subnet-1'] },
          }),
        ),
      );

      const result = await check('eks');

      expect(result.resources).toBe(101);
      expect(pagesOf(restPath('eks', /^\/clusters/))).toBe(2);
    });

    it('cloudfront: ListDistributions (pages of 100)', async () => {
      const cloudfront = new CloudFrontClient(aws);
      await seedMany(101, (i) =>
        cloudfront.send(
          new CreateDistributionCommand({
            DistributionConfig: {
              CallerReference: `site-${i}`,
              Comment: 'pagination',
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
        ),
      );

      const result = await check('cloudfront');

      expect(result.resources).toBe(101);
      expect(pagesOf(restPath('cloudfront', /^\/2020-05-31\/distribution/))).toBe(2);
    });
  },
);
