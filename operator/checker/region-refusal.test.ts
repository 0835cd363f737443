// An opt-in region the account has not enabled refuses every key (AuthFailure,
// InvalidClientTokenId). When STS still accepts the credentials in their own region,
// that is the region's problem (InvalidConfiguration), so the operator does not mark the
// shared credential ref failed; otherwise it stays AuthenticationFailed.
import { DescribeInstanceStatusCommand, EC2Client, EC2ServiceException } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { loadService } from './registry.ts';
import { runCheck, type CredentialsCheck } from './run.ts';
import { callLimits, DEFAULT_MAX_IN_FLIGHT } from './limits.ts';

const ec2 = mockClient(EC2Client);
afterEach(() => {
  ec2.reset();
});

function refusal(name: string): EC2ServiceException {
  return new EC2ServiceException({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: 401, requestId: 'req-9' },
    message: 'AWS was not able to validate the provided access credentials',
  });
}

async function run(check: CredentialsCheck): ReturnType<typeof runCheck> {
  return runCheck(
    {
      service: 'ec2',
      type: 'resource_list',
      regions: ['me-south-1'],
      tags: {},
      expect: {},
      timeoutMs: 10_000,
      concurrency: 1,
    },
    {
      module: await loadService('ec2'),
      settings: {
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
        limits: callLimits({ maxAttempts: 1, maxInFlight: DEFAULT_MAX_IN_FLIGHT }),
      },
      emit: () => undefined,
      now: () => new Date(),
      credentialsCheck: check,
    },
  );
}

describe('a region that refuses credentials STS accepts', () => {
  it.each(['AuthFailure', 'InvalidClientTokenId'])(
    '%s there is InvalidConfiguration RegionNotEnabled, naming the region',
    async (code) => {
      ec2.on(DescribeInstanceStatusCommand).rejects(refusal(code));
      let asked = 0;

      const result = await run({
        region: 'eu-west-1',
        authenticated: () => {
          asked += 1;
          return Promise.resolve(true);
        },
      });

      expect(asked).toBe(1);
      expect(result).toMatchObject({
        outcome: 'Failed',
        reason: 'InvalidConfiguration',
        error: {
          category: 'InvalidConfiguration',
          code: 'RegionNotEnabled',
          region: 'me-south-1',
          requestId: 'req-9',
        },
      });
      expect(result.message).toMatch(/me-south-1 .*not enabled for the account/);
    },
  );

  it('stays AuthenticationFailed when STS refuses the credentials too', async () => {
    ec2.on(DescribeInstanceStatusCommand).rejects(refusal('AuthFailure'));

    const result = await run({ region: 'eu-west-1', authenticated: () => Promise.resolve(false) });

    expect(result.error).toMatchObject({ category: 'AuthenticationFailed', code: 'AuthFailure' });
  });

  it('stays AuthenticationFailed in the credentials’ own region, without asking STS', async () => {
    ec2.on(DescribeInstanceStatusCommand).rejects(refusal('AuthFailure'));
    let asked = 0;

    const result = await run({
      region: 'me-south-1',
      authenticated: () => {
        asked += 1;
        return Promise.resolve(true);
      },
    });

    expect(asked).toBe(0);
    expect(result.error).toMatchObject({ category: 'AuthenticationFailed' });
  });

  it('keeps other failures as they are', async () => {
    ec2.on(DescribeInstanceStatusCommand).rejects(refusal('SignatureDoesNotMatch'));

    const result = await run({ region: 'eu-west-1', authenticated: () => Promise.resolve(true) });

    expect(result.error).toMatchObject({ code: 'SignatureDoesNotMatch' });
  });
});
