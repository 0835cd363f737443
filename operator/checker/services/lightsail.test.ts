// Lightsail through aws-sdk-client-mock: moto does not emulate Lightsail, so its answers
// are stubbed at the SDK client. The pagination, tag filter, health rule and error
// classification are the checker's own and run unchanged.
import {
  AccessDeniedException,
  GetInstancesCommand,
  LightsailClient,
} from '@aws-sdk/client-lightsail';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { runCheck, type RunRequest } from '../run.ts';
import { lightsail } from './lightsail.ts';
import { callLimits, DEFAULT_MAX_IN_FLIGHT } from '../limits.ts';

const lightsailMock = mockClient(LightsailClient);
afterEach(() => {
  lightsailMock.reset();
});

const request: RunRequest = {
  service: 'lightsail',
  type: 'health_check',
  regions: ['eu-central-1'],
  tags: {},
  expect: {},
  timeoutMs: 10_000,
  concurrency: 2,
};

const run = (overrides: Partial<RunRequest> = {}): ReturnType<typeof runCheck> =>
  runCheck(
    { ...request, ...overrides },
    {
      module: lightsail,
      settings: {
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
        limits: callLimits({ maxAttempts: 1, maxInFlight: DEFAULT_MAX_IN_FLIGHT }),
      },
      emit: () => undefined,
      now: () => new Date(),
    },
  );

describe('lightsail', () => {
  it('follows pageToken across pages and judges each instance', async () => {
    lightsailMock
      .on(GetInstancesCommand, { pageToken: undefined })
      .resolves({
        instances: [
          { name: 'web-1', state: { name: 'running' }, tags: [{ key: 'env', value: 'prod' }] },
          { name: 'web-2', state: { name: 'stopped' }, tags: [{ key: 'env', value: 'prod' }] },
        ],
        nextPageToken: 'page-2',
      })
      .on(GetInstancesCommand, { pageToken: 'page-2' })
      .resolves({ instances: [{ name: 'batch', state: { name: 'running' } }] });

    const result = await run();

    expect(result).toMatchObject({
      outcome: 'Failed',
      reason: 'ResourcesUnhealthy',
      resources: 3,
      unhealthy: 1,
      findings: [
        {
          region: 'eu-central-1',
          id: 'web-2',
          state: 'stopped',
          problems: ['instance is stopped, healthy is running'],
        },
      ],
    });
    expect(lightsailMock.commandCalls(GetInstancesCommand)).toHaveLength(2);
  });

  it('filters by tag and lists without judging', async () => {
    lightsailMock.on(GetInstancesCommand).resolves({
      instances: [
        { name: 'web-1', state: { name: 'running' }, tags: [{ key: 'env', value: 'prod' }] },
        { name: 'dev-1', state: { name: 'stopped' }, tags: [{ key: 'env', value: 'dev' }] },
      ],
    });

    const result = await run({ type: 'resource_list', tags: { env: 'prod' } });

    expect(result).toMatchObject({ outcome: 'Succeeded', resources: 1, unhealthy: 0 });
  });

  it('classifies AccessDeniedException as PermissionDenied in the region it happened', async () => {
    lightsailMock.on(GetInstancesCommand).rejects(
      new AccessDeniedException({
        message: 'not allowed',
        $metadata: { httpStatusCode: 403, requestId: 'ls-1' },
      }),
    );

    const result = await run();

    expect(result).toMatchObject({
      reason: 'PermissionDenied',
      error: { code: 'AccessDeniedException', region: 'eu-central-1', requestId: 'ls-1' },
    });
  });
});
