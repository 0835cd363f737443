// Faults moto cannot produce, injected by a proxy in front of it in each protocol's real
// wire format: the SDK parses them and retries them itself, and the checker classifies
// what is left, fails fast and aborts what is still in flight.
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { ErrorCategory } from '../../operator/api/v1alpha1/reasons.ts';
import { ERROR_NAME_CATEGORIES } from '../../operator/checker/errors.ts';
import { loadService } from '../../operator/checker/registry.ts';
import { runCheck } from '../../operator/checker/run.ts';
import type { ClientSettings } from '../../operator/checker/service.ts';
import type { ServiceName } from '../../operator/checker/service-names.ts';
import { awsEnvironment, runCheckerCli } from '../support/checker-cli.ts';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';
import { callLimits, DEFAULT_MAX_IN_FLIGHT } from '../../operator/checker/limits.ts';

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

// One service per wire protocol, each with the signing name the proxy matches on.
const PROTOCOL_SERVICES: readonly { service: ServiceName; signing: string; protocol: string }[] = [
  { service: 'ec2', signing: 'ec2', protocol: 'EC2 query/XML' },
  { service: 'sts', signing: 'sts', protocol: 'query/XML' },
  { service: 'dynamodb', signing: 'dynamodb', protocol: 'JSON 1.0' },
  { service: 'cognito-idp', signing: 'cognito-idp', protocol: 'JSON 1.1' },
  { service: 'eks', signing: 'eks', protocol: 'REST-JSON' },
];

// The HTTP status AWS answers each category with.
const STATUS: Record<ErrorCategory, number> = {
  AuthenticationFailed: 403,
  PermissionDenied: 403,
  ServiceLimitExceeded: 400,
  ServiceError: 503,
  DeadlineExceeded: 408,
  InvalidConfiguration: 400,
};

// These two never come over the wire: the SDK raises them itself (TimeoutError is
// exercised by its real cause below; CredentialsProviderError only if a provider of the
// SDK's own were used, which the checker never does).
const CLIENT_SIDE = ['TimeoutError', 'CredentialsProviderError'];
const wireNames = Object.entries(ERROR_NAME_CATEGORIES).filter(
  ([name]) => !CLIENT_SIDE.includes(name),
);

const settings = (overrides: Partial<ClientSettings> = {}): ClientSettings => ({
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  limits: callLimits({ maxAttempts: 1, maxInFlight: DEFAULT_MAX_IN_FLIGHT }),
  endpoint: proxy.url,
  ...overrides,
});

async function runInProcess(
  service: ServiceName,
  clientSettings: ClientSettings,
): Promise<Awaited<ReturnType<typeof runCheck>>> {
  return runCheck(
    {
      service,
      type: 'resource_list',
      regions: ['us-east-1'],
      tags: {},
      expect: {},
      timeoutMs: 30_000,
      concurrency: 2,
    },
    {
      module: await loadService(service),
      settings: clientSettings,
      emit: () => undefined,
      now: () => new Date(),
    },
  );
}

describe('every error name of the classification table, parsed by the SDK from the wire', () => {
  it.each(wireNames)('%s → %s in every protocol', async (code, category) => {
    for (const { service, signing, protocol } of PROTOCOL_SERVICES) {
      proxy.clear();
      proxy.inject({ service: signing, fault: { status: STATUS[category], code } });

      const result = await runInProcess(service, settings());

      expect(result.error, `${code} over ${protocol}`).toMatchObject({
        category,
        code,
        message: expect.stringMatching(new RegExp(`^injected ${code}\\b`)) as unknown,
        region: 'us-east-1',
        requestId: expect.stringMatching(/^fault-\d+$/) as unknown,
        httpStatus: STATUS[category],
      });
      expect(result.error?.operation).toMatch(new RegExp(`^${service}:[A-Z]\\w+$`));
    }
  });

  it('TimeoutError: an answer slower than the request timeout → DeadlineExceeded', async () => {
    proxy.inject({ service: 'dynamodb', fault: { delayMs: 5_000 } });

    const result = await runInProcess('dynamodb', settings({ requestTimeoutMs: 200 }));

    expect(result.error).toMatchObject({ category: 'DeadlineExceeded', code: 'TimeoutError' });
  });

  it('the platform identity without its token file → InvalidConfiguration, exit 2, no call made', async () => {
    const run = await runCheckerCli(
      [
        'run',
        '--service',
        'sts',
        '--type',
        'health_check',
        '--region',
        'us-east-1',
        '--web-identity-token-file',
        '/nonexistent/token',
        '--platform-role-arn',
        'arn:aws:iam::123456789012:role/Platform',
      ],
      // Ambient keys are present and must not be taken instead.
      { ...awsEnvironment(proxy.url), AWS_EC2_METADATA_DISABLED: 'false' },
    );

    expect(run.code).toBe(2);
    expect(run.result.error).toMatchObject({
      category: 'InvalidConfiguration',
      code: 'WebIdentityTokenUnreadable',
    });
    expect(proxy.requests).toEqual([]);
  });
});

describe('the SDK’s own bounded retries, seen by the proxy', () => {
  const cli = (
    service: string,
    ...extra: string[]
  ): Promise<Awaited<ReturnType<typeof runCheckerCli>>> =>
    runCheckerCli(
      ['run', '--service', service, '--type', 'resource_list', '--region', 'us-east-1', ...extra],
      awsEnvironment(proxy.url),
    );

  it('retries one EC2 throttle and succeeds', async () => {
    proxy.inject({
      service: 'ec2',
      operation: 'DescribeInstanceStatus',
      times: 1,
      fault: { status: 503, code: 'RequestLimitExceeded' },
    });

    const run = await cli('ec2');

    expect(run.code).toBe(0);
    expect(run.result.outcome).toBe('Succeeded');
    const calls = proxy.requests.filter((r) => r.operation === 'DescribeInstanceStatus');
    expect(calls.map((r) => r.faulted)).toEqual([true, false]);
  });

  it('retries one STS InternalFailure and succeeds', async () => {
    proxy.inject({ service: 'sts', times: 1, fault: { status: 500, code: 'InternalFailure' } });

    const run = await cli('sts');

    expect(run.code).toBe(0);
    expect(proxy.requests.map((r) => r.faulted)).toEqual([true, false]);
  });

  it('gives up on DynamoDB throttling after 3 attempts: ServiceLimitExceeded, exit 5', async () => {
    proxy.inject({
      service: 'dynamodb',
      fault: { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' },
    });

    const run = await cli('dynamodb');

    expect(run.code).toBe(5);
    expect(proxy.requests.filter((r) => r.operation === 'ListTables')).toHaveLength(3);
    expect(run.result).toMatchObject({
      kind: 'run',
      outcome: 'Failed',
      reason: 'ServiceLimitExceeded',
      resources: 0,
      regions: {},
      error: {
        category: 'ServiceLimitExceeded',
        code: 'ThrottlingException',
        operation: 'dynamodb:ListTables',
        region: 'us-east-1',
        requestId: 'fault-3',
      },
    });
    expect(run.result.message).toBe(
      'ServiceLimitExceeded: dynamodb:ListTables in us-east-1 failed with ThrottlingException: Rate exceeded (request id fault-3)',
    );
  });

  it('gives up on an EKS 503 after --max-attempts 2: ServiceError, exit 6', async () => {
    proxy.inject({ service: 'eks', fault: { status: 503, code: 'ServiceUnavailableException' } });

    const run = await cli('eks', '--max-attempts', '2');

    expect(run.code).toBe(6);
    expect(proxy.requests).toHaveLength(2);
    expect(run.result.error).toMatchObject({
      code: 'ServiceUnavailableException',
      operation: 'eks:ListClusters',
    });
  });

  it('does not retry AccessDenied: PermissionDenied, exit 4, one call', async () => {
    proxy.inject({ service: 'cognito-idp', fault: { status: 400, code: 'AccessDeniedException' } });

    const run = await cli('cognito-idp');

    expect(run.code).toBe(4);
    expect(proxy.requests).toHaveLength(1);
  });
});

describe('fail fast', () => {
  it('aborts the call in flight in another region at the first error', async () => {
    const euArrived = (): Promise<void> =>
      proxy.seen((r) => r.service === 'ec2' && r.region === 'eu-west-1');
    proxy.inject({ service: 'ec2', region: 'eu-west-1', fault: { delayMs: 60_000 } });
    proxy.inject({
      service: 'ec2',
      region: 'us-east-1',
      after: euArrived,
      fault: { status: 401, code: 'AuthFailure' },
    });

    const run = await runCheckerCli(
      [
        'run',
        '--service',
        'ec2',
        '--type',
        'resource_list',
        '--region',
        'us-east-1',
        '--region',
        'eu-west-1',
      ],
      awsEnvironment(proxy.url),
    );

    expect(run.code).toBe(3);
    expect(run.result).toMatchObject({
      reason: 'AuthenticationFailed',
      error: { code: 'AuthFailure', region: 'us-east-1' },
      regions: {},
    });
    expect(proxy.requests.find((r) => r.region === 'eu-west-1')).toMatchObject({ aborted: true });
  });

  it('fails with DeadlineExceeded (exit 7) at --timeout, aborting the call', async () => {
    proxy.inject({ service: 'dynamodb', fault: { delayMs: 60_000 } });

    const run = await runCheckerCli(
      [
        'run',
        '--service',
        'dynamodb',
        '--type',
        'health_check',
        '--region',
        'us-east-1',
        '--timeout',
        '1',
      ],
      awsEnvironment(proxy.url),
    );

    expect(run.code).toBe(7);
    expect(run.result).toMatchObject({
      reason: 'DeadlineExceeded',
      error: { code: 'RunDeadlineExceeded' },
    });
    expect(proxy.requests[0]).toMatchObject({ operation: 'ListTables', aborted: true });
  });
});
