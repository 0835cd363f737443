// `npm run dev`: the main job on its embedded default. It starts the local control plane
// with moto (seeded with sample resources) and stripe-mock, installs the CRDs and the
// operator's RBAC, runs the operator and the local pod runner, applies sample checks in
// namespace `demo`, and prints the checks' status whenever it changes. Beside it runs the
// portal (a Cognito user pool in moto, Stripe through the stand-in for its hosted pages),
// where a newcomer signs up, pays, downloads a kubeconfig and applies checks. Ctrl-C stops all.
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient, CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import type { AwsCheck } from '../../operator/api/v1alpha1/awscheck.ts';
import { AWS_TEST_KEYS, conditionOf, CustomObjects } from '../support/awscheck.ts';
import { kubeClients } from '../support/kube.ts';
import { QUICKSTART_MANIFEST, startPlatform } from '../support/platform.ts';
import {
  shellExports,
  startTestEnvironment,
  stopTestEnvironment,
  type TestEnvInfo,
} from './environment.ts';

const NAMESPACE = 'demo';
const say = (line: string): void => {
  console.error(`dev: ${line}`);
};

const SAMPLE_CHECKS: readonly [string, Record<string, unknown>][] = [
  ['identity', { service: 'sts', type: 'HealthCheck' }],
  [
    'instances',
    {
      service: 'ec2',
      type: 'ResourceList',
      regions: ['us-east-1', 'eu-west-1'],
      expect: { min: 1, max: 10 },
    },
  ],
  ['instance-health', { service: 'ec2', type: 'HealthCheck', regions: ['us-east-1', 'eu-west-1'] }],
  ['tables', { service: 'dynamodb', type: 'ResourceList', expect: { min: 1 } }],
  ['too-many-instances', { service: 'ec2', type: 'ResourceList', expect: { max: 2 } }],
];

async function seedAws(env: TestEnvInfo): Promise<void> {
  const aws = {
    endpoint: env.awsEndpointUrl,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  const east = new EC2Client({ ...aws, region: 'us-east-1' });
  const west = new EC2Client({ ...aws, region: 'eu-west-1' });
  await east.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 3, MaxCount: 3 }));
  await west.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 2, MaxCount: 2 }));
  await new DynamoDBClient({ ...aws, region: 'us-east-1' }).send(
    new CreateTableCommand({
      TableName: 'orders',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

async function applySamples(env: TestEnvInfo, objects: CustomObjects): Promise<void> {
  const { core } = kubeClients(env.kubeconfig);
  await core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
  await core.createNamespacedSecret({
    namespace: NAMESPACE,
    body: { metadata: { name: 'aws-keys' }, stringData: AWS_TEST_KEYS },
  });
  await objects.create('awscredentialrefs', NAMESPACE, {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCredentialRef',
    metadata: { name: 'readonly' },
    spec: { region: 'us-east-1', secretRef: { name: 'aws-keys' } },
  });
  for (const [name, spec] of SAMPLE_CHECKS) {
    await objects.create('awschecks', NAMESPACE, {
      apiVersion: 'awscheck.io/v1alpha1',
      kind: 'AwsCheck',
      metadata: { name },
      spec: { credentialRef: { name: 'readonly' }, ...spec },
    });
  }
}

function row(check: AwsCheck): string {
  const healthy = conditionOf(check, 'Healthy');
  const cells: [string, number][] = [
    [check.metadata.name, 20],
    [check.spec.service, 9],
    [check.spec.type, 14],
    [conditionOf(check, 'Ready')?.status ?? '-', 6],
    [healthy?.status ?? '-', 8],
    [healthy?.reason ?? '-', 20],
    [resourcesOf(check), 10],
  ];
  return [...cells.map(([text, width]) => text.padEnd(width)), healthy?.message ?? ''].join(' ');
}

function resourcesOf(check: AwsCheck): string {
  return String(check.status?.lastRun?.resources ?? '-');
}

async function watchStatus(objects: CustomObjects, signal: AbortSignal): Promise<void> {
  let shown = '';
  while (!signal.aborted) {
    const rows = await Promise.all(
      SAMPLE_CHECKS.map(async ([name]) => row(await objects.check(NAMESPACE, name))),
    );
    const header =
      'NAME                 SERVICE   TYPE           READY  HEALTHY  REASON               RESOURCES  MESSAGE';
    const table = [header, ...rows].join('\n');
    if (table !== shown) {
      console.log(`\n${new Date().toISOString()}\n${table}`);
      shown = table;
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

const started = Date.now();
const env = await startTestEnvironment({ tiedToParent: true, progress: say });
say(`control plane, moto and stripe-mock up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
await seedAws(env);
const platform = await startPlatform(env, { name: 'dev' });
const { operator, portal } = platform;
const objects = new CustomObjects(env.kubeconfig);
await applySamples(env, objects);
const quickstart = join(env.runDir, 'quickstart.yaml');
await writeFile(quickstart, QUICKSTART_MANIFEST);
console.log(`
The operator runs as a user bound only to its generated RBAC; its log: ${operator.process.logFile}
In another shell:
${shellExports(env)}
  kubectl get awschecks,awscredentialrefs -n ${NAMESPACE}
  kubectl annotate awscheck instances -n ${NAMESPACE} awscheck.io/run-now=$(date +%s) --overwrite
  curl -s ${operator.url}/metrics | grep awscheck_check

The portal: ${portal.url}
  Sign up (any confirmation code works: moto sends no email), choose a plan, pay on the
  stand-in for Stripe Checkout, then download your kubeconfig from the dashboard and:
  kubectl --kubeconfig ~/Downloads/awscheck-tenant-….kubeconfig apply -f ${quickstart}

Press Ctrl-C to stop.`);
const stop = new AbortController();
const watching = watchStatus(objects, stop.signal);
await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM'), watching]);
stop.abort();
say('stopping');
await platform.stop();
await stopTestEnvironment(env);
