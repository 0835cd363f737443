// Credentials: the platform identity by web identity only (never an ambient one), the
// tenant's role assumed from it, and sessions renewed before they expire however long
// the run (an injected clock stands in for time; STS is stubbed at the SDK client).
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  REFRESH_WINDOW_MS,
  refreshing,
  resolveSettings,
  type CredentialOptions,
  type TemporaryCredentials,
} from './credentials.ts';
import type { AwsCredentials, ClientSettings } from './service.ts';
import { callLimits, DEFAULT_MAX_IN_FLIGHT } from './limits.ts';

const MINUTE = 60_000;
const sts = mockClient(STSClient);
let clock: Date;
const now = (): Date => clock;
let dir: string;

beforeEach(async () => {
  sts.reset();
  clock = new Date('2026-03-01T10:00:00Z');
  dir = await mkdtemp(join(tmpdir(), 'checker-credentials-'));
});
afterEach(() => {
  sts.reset();
});

// session answers like STS: numbered keys, valid for `minutes` from the injected clock.
function session(prefix: string, minutes: number): () => { Credentials: Record<string, unknown> } {
  let n = 0;
  return () => {
    n += 1;
    return {
      Credentials: {
        AccessKeyId: `${prefix}${String(n)}`,
        SecretAccessKey: 'secret',
        SessionToken: `token-${prefix}${String(n)}`,
        Expiration: new Date(clock.getTime() + minutes * MINUTE),
      },
    };
  };
}

async function credentialsOf(settings: ClientSettings): Promise<AwsCredentials | undefined> {
  const { credentials } = settings;
  return typeof credentials === 'function' ? credentials() : credentials;
}

describe('refreshing', () => {
  const issuer = (): { issue: () => Promise<TemporaryCredentials>; count: () => number } => {
    let n = 0;
    return {
      count: () => n,
      issue: () => {
        n += 1;
        return Promise.resolve({
          accessKeyId: `k${String(n)}`,
          secretAccessKey: 's',
          sessionToken: 't',
          expiration: new Date(clock.getTime() + 15 * MINUTE),
        });
      },
    };
  };

  it('keeps a session until it is within the refresh window, then renews it once', async () => {
    const { issue, count } = issuer();
    const provider = refreshing(issue, now);

    expect((await provider()).accessKeyId).toBe('k1');
    clock = new Date(clock.getTime() + 15 * MINUTE - REFRESH_WINDOW_MS - 1);
    expect((await provider()).accessKeyId).toBe('k1');
    clock = new Date(clock.getTime() + 2);
    const renewed = await Promise.all([provider(), provider(), provider()]);

    expect(renewed.map((c) => c.accessKeyId)).toEqual(['k2', 'k2', 'k2']);
    expect(count()).toBe(2);
  });

  it('fails the caller when a renewal fails, and tries again on the next call', async () => {
    let fail = true;
    const provider = refreshing(() => {
      if (fail) return Promise.reject(new Error('sts down'));
      return Promise.resolve({
        accessKeyId: 'k',
        secretAccessKey: 's',
        sessionToken: 't',
        expiration: new Date(clock.getTime() + 15 * MINUTE),
      });
    }, now);

    await expect(provider()).rejects.toThrow('sts down');
    fail = false;
    expect((await provider()).accessKeyId).toBe('k');
  });
});

const options = (overrides: Partial<CredentialOptions>): CredentialOptions => ({
  stsRegion: 'eu-west-1',
  limits: callLimits({ maxAttempts: 1, maxInFlight: DEFAULT_MAX_IN_FLIGHT }),
  ...overrides,
});
const context = (): { region: string; signal: AbortSignal; now: () => Date } => ({
  region: 'eu-west-1',
  signal: new AbortController().signal,
  now,
});
const ROLE = {
  roleArn: 'arn:aws:iam::123456789012:role/TenantReadOnly',
  externalId: 'tenant-uid',
  sessionName: 'awscheck',
  durationSeconds: 900,
};

describe('an assumed role outlives the session', () => {
  it('renews the role’s 15-minute session in a run of an hour', async () => {
    sts.on(AssumeRoleCommand).callsFake(session('ASIAROLE', 15));
    const settings = await resolveSettings(
      options({ assumeRole: ROLE }),
      { AWS_ACCESS_KEY_ID: 'AKIABASE', AWS_SECRET_ACCESS_KEY: 'base' },
      context(),
    );

    const seen: string[] = [];
    for (let minute = 0; minute <= 60; minute += 5) {
      clock = new Date(Date.parse('2026-03-01T10:00:00Z') + minute * MINUTE);
      const credentials = await credentialsOf(settings);
      seen.push(credentials?.accessKeyId ?? '');
    }

    expect(new Set(seen).size).toBeGreaterThanOrEqual(5);
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input).toMatchObject({
      RoleArn: ROLE.roleArn,
      ExternalId: 'tenant-uid',
      DurationSeconds: 900,
    });
  });
});

describe('the platform identity', () => {
  const PLATFORM = 'arn:aws:iam::111111111111:role/AwsCheckPlatform';

  it('assumes the platform role with the token file, then the tenant role from it, ignoring any ambient keys', async () => {
    const tokenFile = join(dir, 'token');
    await writeFile(tokenFile, 'eyJ.projected.token\n');
    sts.on(AssumeRoleWithWebIdentityCommand).callsFake(session('ASIAPLATFORM', 60));
    sts.on(AssumeRoleCommand).callsFake(session('ASIATENANT', 60));

    const settings = await resolveSettings(
      options({
        webIdentity: { tokenFile, roleArn: PLATFORM, sessionName: 'awscheck' },
        assumeRole: ROLE,
      }),
      { AWS_ACCESS_KEY_ID: 'AKIAAMBIENT', AWS_SECRET_ACCESS_KEY: 'ambient' },
      context(),
    );

    expect((await credentialsOf(settings))?.accessKeyId).toBe('ASIATENANT1');
    const web = sts.commandCalls(AssumeRoleWithWebIdentityCommand);
    expect(web.map((call) => call.args[0].input)).toEqual([
      { RoleArn: PLATFORM, RoleSessionName: 'awscheck', WebIdentityToken: 'eyJ.projected.token' },
    ]);
    const assume = sts.commandCalls(AssumeRoleCommand)[0];
    const signer = (assume?.thisValue as STSClient | undefined)?.config.credentials;
    expect((await signer?.())?.accessKeyId).toBe('ASIAPLATFORM1');
  });

  it('fails as InvalidConfiguration without a readable token, never trying another source', async () => {
    const attempt = resolveSettings(
      options({
        webIdentity: { tokenFile: join(dir, 'absent'), roleArn: PLATFORM, sessionName: 'a1' },
      }),
      { AWS_ACCESS_KEY_ID: 'AKIAAMBIENT', AWS_SECRET_ACCESS_KEY: 'ambient' },
      context(),
    );

    await expect(attempt).rejects.toMatchObject({
      detail: { category: 'InvalidConfiguration', code: 'WebIdentityTokenUnreadable' },
    });
    expect(sts.calls()).toHaveLength(0);
  });
});
