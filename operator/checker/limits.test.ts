import { DynamoDBClient, DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { isThrottlingError } from '@smithy/core/retry';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from './args.ts';
import { clientConfig } from './clients.ts';
import { ERROR_NAME_CATEGORIES } from './errors.ts';
import { callLimits, DEFAULT_MAX_IN_FLIGHT } from './limits.ts';
import type { ClientSettings } from './service.ts';

const settings = (limits = callLimits({ maxAttempts: 3, maxInFlight: 4 })): ClientSettings => ({
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  limits,
});

describe('callLimits', () => {
  it('bounds calls in flight and retries adaptively with the given attempts', async () => {
    const limits = callLimits({ maxAttempts: 5, maxInFlight: 7 });

    expect(limits.inFlight.concurrency).toBe(7);
    expect(limits.maxAttempts).toBe(5);
    expect(limits.retryStrategy).toMatchObject({ mode: 'adaptive' });
    const token = await limits.retryStrategy.acquireInitialRetryToken('');
    expect(token.getRetryCount()).toBe(0);
  });

  it('is one retry strategy for every client of a run, whatever the service or region', async () => {
    const shared = settings();
    const ec2 = new EC2Client(clientConfig({ region: 'us-east-1', settings: shared }));
    const dynamodb = new DynamoDBClient(clientConfig({ region: 'eu-west-1', settings: shared }));
    const otherRun = new EC2Client(clientConfig({ region: 'us-east-1', settings: settings() }));

    const strategy = await ec2.config.retryStrategy();
    expect(await dynamodb.config.retryStrategy()).toBe(strategy);
    expect(strategy).toBe(shared.limits.retryStrategy);
    expect(await otherRun.config.retryStrategy()).not.toBe(strategy);
    expect(await ec2.config.maxAttempts()).toBe(3);
  });

  it('is set from --max-in-flight, default 16, 1-64, for run and validate', () => {
    const run = parseCommandLine([
      'run',
      '--service=sts',
      '--type=health_check',
      '--region=eu-west-1',
    ]);
    const validate = parseCommandLine(['validate', '--max-in-flight', '2']);

    expect(run.command === 'run' && run.args['max-in-flight']).toBe(DEFAULT_MAX_IN_FLIGHT);
    expect(validate.command === 'validate' && validate.args['max-in-flight']).toBe(2);
    for (const refused of ['0', '65', 'x']) {
      expect(() => parseCommandLine(['validate', '--max-in-flight', refused])).toThrow(
        /max-in-flight/,
      );
    }
  });
});

// The throttling answers of each wire protocol (test/support/fault-proxy.ts THROTTLING):
// the rate limiter slows down only on what the SDK judges a throttle.
// The SDK's SdkError type does not admit its own exceptions under
// exactOptionalPropertyTypes; the function reads only name, status and traits.
const isThrottling = isThrottlingError as (error: Error) => boolean;

const THROTTLES: readonly { code: string; status: number }[] = [
  { code: 'RequestLimitExceeded', status: 503 },
  { code: 'Throttling', status: 400 },
  { code: 'ThrottlingException', status: 400 },
  { code: 'TooManyRequestsException', status: 429 },
  { code: 'SlowDown', status: 503 },
];

describe('throttling answers', () => {
  it.each(THROTTLES)(
    '$code ($status) slows the adaptive rate limiter and is ServiceLimitExceeded',
    ({ code, status }) => {
      const error = new DynamoDBServiceException({
        name: code,
        message: code,
        $fault: 'client',
        $metadata: { httpStatusCode: status },
      });

      expect(isThrottling(error)).toBe(true);
      expect(ERROR_NAME_CATEGORIES[code]).toBe('ServiceLimitExceeded');
    },
  );
});
