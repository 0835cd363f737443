import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

const REQUIRED = { AWSCHECK_CHECKER_IMAGE: 'img', AWSCHECK_NAMESPACE: 'ops' };

describe('loadConfig', () => {
  it('fills every default when only the required variables are set', () => {
    expect(loadConfig(REQUIRED)).toEqual({
      checkerImage: 'img',
      imagePullPolicy: 'IfNotPresent',
      namespace: 'ops',
      podName: 'awscheck-operator',
      httpPort: 8080,
      httpHost: '0.0.0.0',
      workers: 32,
      resyncMs: 300_000,
      lease: {
        name: 'awscheck-operator',
        durationMs: 15_000,
        renewDeadlineMs: 10_000,
        retryPeriodMs: 2_000,
      },
      platformIdentity: undefined,
      checkerResources: { cpu: '100m', cpuLimit: '1', memory: '256Mi' },
      jobHistory: 3,
      kubeClient: { qps: 500, burst: 1000 },
      shardSelector: undefined,
      revalidateMs: 3_600_000,
      logLevel: 'info',
    });
  });

  it('reads numbers, seconds and booleans from their text', () => {
    const config = loadConfig({
      ...REQUIRED,
      AWSCHECK_HTTP_PORT: '9090',
      AWSCHECK_WORKERS: '8',
      AWSCHECK_RESYNC_SECONDS: '60',
      AWSCHECK_LEASE_DURATION_SECONDS: '30',
      AWSCHECK_LEASE_RENEW_DEADLINE_SECONDS: '20',
      AWSCHECK_LEASE_RETRY_SECONDS: '5',
      AWSCHECK_ALLOW_PLATFORM_IDENTITY: 'true',
      AWSCHECK_PLATFORM_ROLE_ARN: 'arn:aws:iam::123456789012:role/AwsCheckPlatform',
      AWSCHECK_JOB_HISTORY: '7',
      AWSCHECK_IMAGE_PULL_POLICY: 'Never',
    });
    expect(config).toMatchObject({
      httpPort: 9090,
      workers: 8,
      resyncMs: 60_000,
      lease: { durationMs: 30_000, renewDeadlineMs: 20_000, retryPeriodMs: 5_000 },
      platformIdentity: {
        roleArn: 'arn:aws:iam::123456789012:role/AwsCheckPlatform',
        audience: 'awscheck.io/checker',
      },
      jobHistory: 7,
      imagePullPolicy: 'Never',
    });
  });

  it.each([
    ['AWSCHECK_CHECKER_IMAGE', { AWSCHECK_NAMESPACE: 'ops' }],
    ['AWSCHECK_CHECKER_IMAGE', { AWSCHECK_CHECKER_IMAGE: '', AWSCHECK_NAMESPACE: 'ops' }],
    ['AWSCHECK_NAMESPACE', { AWSCHECK_CHECKER_IMAGE: 'img' }],
  ])('fails naming %s when it is missing or empty', (variable, env) => {
    expect(() => loadConfig(env)).toThrow(variable);
  });

  it.each([
    ['AWSCHECK_HTTP_PORT', 'eighty'],
    ['AWSCHECK_HTTP_PORT', '65536'],
    ['AWSCHECK_HTTP_PORT', '80.5'],
    ['AWSCHECK_WORKERS', '0'],
    ['AWSCHECK_WORKERS', '65'],
    ['AWSCHECK_RESYNC_SECONDS', '0'],
    ['AWSCHECK_RESYNC_SECONDS', '-5'],
    ['AWSCHECK_LEASE_DURATION_SECONDS', 'soon'],
    ['AWSCHECK_JOB_HISTORY', '21'],
    ['AWSCHECK_ALLOW_PLATFORM_IDENTITY', 'yes'],
    ['AWSCHECK_IMAGE_PULL_POLICY', 'Sometimes'],
    ['AWSCHECK_PLATFORM_ROLE_ARN', 'arn:aws:iam::123:user/someone'],
    ['AWSCHECK_REVALIDATE_SECONDS', '0'],
    ['AWSCHECK_CHECKER_MEMORY', '256MB'],
    ['AWSCHECK_CHECKER_CPU_LIMIT', '0'],
    ['AWSCHECK_REVALIDATE_SECONDS', '2592000'],
    ['AWSCHECK_RESYNC_SECONDS', '2592000'],
    ['AWSCHECK_LOG_LEVEL', 'verbose'],
  ])('fails naming %s when it is %s', (variable, value) => {
    expect(() => loadConfig({ ...REQUIRED, [variable]: value })).toThrow(variable);
  });

  it('refuses the platform identity without the role checker pods assume', () => {
    expect(() => loadConfig({ ...REQUIRED, AWSCHECK_ALLOW_PLATFORM_IDENTITY: 'true' })).toThrow(
      'AWSCHECK_PLATFORM_ROLE_ARN',
    );
  });

  it.each([
    ['a renew deadline equal to the lease', { renew: '15', duration: '15', retry: '2' }],
    ['a renew deadline past the lease', { renew: '20', duration: '15', retry: '2' }],
    ['a retry period equal to the renew deadline', { renew: '10', duration: '15', retry: '10' }],
    ['a retry period past the renew deadline', { renew: '10', duration: '15', retry: '12' }],
  ])('refuses %s, naming the three lease variables', (_, { renew, duration, retry }) => {
    const env = {
      ...REQUIRED,
      AWSCHECK_LEASE_DURATION_SECONDS: duration,
      AWSCHECK_LEASE_RENEW_DEADLINE_SECONDS: renew,
      AWSCHECK_LEASE_RETRY_SECONDS: retry,
    };

    expect(() => loadConfig(env)).toThrow(
      `AWSCHECK_LEASE_RETRY_SECONDS (${retry}) < AWSCHECK_LEASE_RENEW_DEADLINE_SECONDS (${renew}) < AWSCHECK_LEASE_DURATION_SECONDS (${duration})`,
    );
  });

  it('lists every bad variable in one error', () => {
    expect(() => loadConfig({ AWSCHECK_NAMESPACE: 'ops', AWSCHECK_WORKERS: 'many' })).toThrow(
      /AWSCHECK_CHECKER_IMAGE[\s\S]*AWSCHECK_WORKERS|AWSCHECK_WORKERS[\s\S]*AWSCHECK_CHECKER_IMAGE/,
    );
  });
  it('refuses a shard selector that is not a label selector, naming the variable', () => {
    const env = { AWSCHECK_CHECKER_IMAGE: 'img', AWSCHECK_NAMESPACE: 'ops' };
    expect(() => loadConfig({ ...env, AWSCHECK_SHARD_SELECTOR: 'shard in a' })).toThrow(
      /invalid operator configuration:\nAWSCHECK_SHARD_SELECTOR "shard in a" is not a label selector/,
    );
    expect(loadConfig({ ...env, AWSCHECK_SHARD_SELECTOR: 'shard in (a,b)' }).shardSelector).toBe(
      'shard in (a,b)',
    );
  });
});
