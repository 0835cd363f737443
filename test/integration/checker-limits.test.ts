// The checker's bounds toward AWS, seen from a proxy in front of moto: at most
// --max-in-flight calls on the wire at once over every region, adaptive retry on each
// protocol's own throttling answer, and throttling that outlasts the retries failing the
// run with the throttling error, its call and region.
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { awsEnvironment, runCheckerCli, type CheckerRun } from '../support/checker-cli.ts';
import { startFaultProxy, throttlingFault, type FaultProxy } from '../support/fault-proxy.ts';

const env = inject('testenv');
let proxy: FaultProxy;

beforeAll(async () => {
  proxy = await startFaultProxy(env.awsEndpointUrl);
});
afterAll(async () => {
  await proxy.close();
});
beforeEach(() => {
  proxy.clear();
});

const REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'eu-west-1',
  'eu-west-2',
  'eu-central-1',
  'ap-southeast-2',
];

const run = (
  service: string,
  regions: readonly string[],
  ...extra: string[]
): Promise<CheckerRun> =>
  runCheckerCli(
    [
      'run',
      ...['--service', service, '--type', 'resource_list'],
      ...regions.flatMap((region) => ['--region', region]),
      ...extra,
    ],
    awsEnvironment(proxy.url),
  );

describe('--max-in-flight bounds the calls on the wire over every region', () => {
  it.each([2, 8])(
    '8 regions scanned at once, --max-in-flight %i: the proxy holds at most that many',
    async (limit) => {
      // Every call is held long enough for the others to pile up behind it.
      proxy.inject({ service: 'ec2', fault: { delayMs: 500 } });

      const checked = await run(
        'ec2',
        REGIONS,
        '--concurrency',
        '8',
        '--max-in-flight',
        String(limit),
      );

      expect(checked.result).toMatchObject({ outcome: 'Succeeded', resources: 0 });
      expect(new Set(proxy.requests.map((r) => r.region))).toEqual(new Set(REGIONS));
      expect(proxy.peakInFlight).toBe(limit);
    },
  );
});

// One service per wire protocol, by signing name, with the listing it calls first.
const PROTOCOL_SERVICES: readonly { service: string; signing: string; operation: string }[] = [
  { service: 'ec2', signing: 'ec2', operation: 'DescribeInstanceStatus' },
  { service: 'sts', signing: 'sts', operation: 'GetCallerIdentity' },
  { service: 'dynamodb', signing: 'dynamodb', operation: 'ListTables' },
  { service: 'cognito-idp', signing: 'cognito-idp', operation: 'ListUserPools' },
  { service: 'lambda', signing: 'lambda', operation: 'ListFunctions' },
  { service: 's3', signing: 's3', operation: 'ListBuckets' },
];

describe('adaptive retry on each protocol’s throttling answer', () => {
  it.each(PROTOCOL_SERVICES)(
    '$service: its first 2 calls throttled, then answered: the run slows down and succeeds',
    async ({ service, signing, operation }) => {
      const throttle = throttlingFault(signing);
      proxy.inject({ service: signing, operation, times: 2, fault: throttle });

      const checked = await run(service, ['us-east-1']);

      expect(checked.code).toBe(0);
      expect(checked.result.outcome).toBe('Succeeded');
      const calls = proxy.requests.filter((r) => r.operation === operation);
      expect(calls.map((r) => r.faulted)).toEqual([true, true, false]);
      // Every attempt came from the run's one adaptive retry strategy.
      expect(new Set(proxy.requests.map((r) => r.retryMode))).toEqual(new Set(['adaptive']));
    },
  );

  it.each(PROTOCOL_SERVICES)(
    '$service: throttled on every attempt: ServiceLimitExceeded naming the call and region, exit 5',
    async ({ service, signing, operation }) => {
      const throttle = throttlingFault(signing);
      proxy.inject({ service: signing, operation, region: 'eu-west-1', fault: throttle });

      const checked = await run(service, ['us-east-1', 'eu-west-1'], '--max-attempts', '2');

      expect(checked.code).toBe(5);
      const attempts = proxy.requests.filter((r) => r.region === 'eu-west-1' && r.faulted);
      expect(attempts).toHaveLength(2);
      expect(checked.result).toMatchObject({
        outcome: 'Failed',
        reason: 'ServiceLimitExceeded',
        error: {
          category: 'ServiceLimitExceeded',
          code: throttle.code,
          operation: `${service}:${operation}`,
          region: 'eu-west-1',
          httpStatus: throttle.status,
        },
      });
      expect(checked.result.message).toMatch(
        new RegExp(
          `^ServiceLimitExceeded: ${service}:${operation} in eu-west-1 failed with ${throttle.code}: `,
        ),
      );
    },
  );
});
