import type { V1Container, V1PodTemplateSpec } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { AwsCheckSpec } from '../api/v1alpha1/awscheck.ts';
import type { AwsCredentialRefSpec } from '../api/v1alpha1/awscredentialref.ts';
import { loadConfig } from '../config.ts';
import {
  CHECKER_ENTRY,
  CREDENTIALS_DIR,
  IDENTITY_DIR,
  IDENTITY_TOKEN_FILE,
  TERMINATION_LOG,
  checkerPodTemplate,
  credentialArgs,
  runArgs,
  validateArgs,
  type CredentialInput,
} from './checker-pod.ts';

const config = loadConfig({ AWSCHECK_CHECKER_IMAGE: 'img', AWSCHECK_NAMESPACE: 'ops' });
const ROLE = 'arn:aws:iam::123456789012:role/ReadOnly';
const PLATFORM = {
  roleArn: 'arn:aws:iam::210987654321:role/AwsCheckPlatform',
  audience: 'awscheck.io/checker',
};

const SECRET_ONLY: AwsCredentialRefSpec = { region: 'eu-west-1', secretRef: { name: 'keys' } };
const ROLE_ONLY: AwsCredentialRefSpec = {
  region: 'us-east-1',
  assumeRole: { roleArn: ROLE, durationSeconds: 900 },
};
const BOTH: AwsCredentialRefSpec = {
  region: 'eu-central-1',
  secretRef: { name: 'keys' },
  assumeRole: { roleArn: ROLE, sessionName: 'audit', durationSeconds: 3600 },
};

function credential(spec: AwsCredentialRefSpec): CredentialInput {
  return { refName: 'prod', spec, externalId: 'ext-123' };
}

function checkSpec(overrides: Partial<AwsCheckSpec> = {}): AwsCheckSpec {
  return {
    credentialRef: { name: 'prod' },
    service: 'ec2',
    type: 'HealthCheck',
    schedule: '@daily',
    suspend: false,
    firstRun: 'Immediately',
    timeoutSeconds: 300,
    ...overrides,
  };
}

function container(template: V1PodTemplateSpec): V1Container {
  const first = template.spec?.containers[0];
  if (first === undefined) throw new Error('the template has no container');
  return first;
}

/** flagValue is the argument after `flag`, or undefined when the flag is absent. */
function flagValue(args: readonly string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  return at === -1 ? undefined : args[at + 1];
}

describe('credentialArgs', () => {
  it.each([
    [
      'secretRef reads the keys from files',
      SECRET_ONLY,
      ['--sts-region', 'eu-west-1', '--credentials-dir', CREDENTIALS_DIR],
    ],
    [
      'assumeRole alone starts from the platform role by its projected token',
      ROLE_ONLY,
      [
        '--sts-region',
        'us-east-1',
        '--web-identity-token-file',
        IDENTITY_TOKEN_FILE,
        '--platform-role-arn',
        PLATFORM.roleArn,
        '--role-arn',
        ROLE,
        '--external-id',
        'ext-123',
        '--role-session-name',
        'awscheck-team-a',
        '--role-duration-seconds',
        '900',
      ],
    ],
    [
      'both assume the role from the keys',
      BOTH,
      [
        '--sts-region',
        'eu-central-1',
        '--credentials-dir',
        CREDENTIALS_DIR,
        '--role-arn',
        ROLE,
        '--external-id',
        'ext-123',
        '--role-session-name',
        'audit',
        '--role-duration-seconds',
        '3600',
      ],
    ],
  ])('%s', (_rule, spec, expected) => {
    expect(credentialArgs(credential(spec), 'team-a', PLATFORM)).toEqual(expected);
  });

  it('keeps the default session name within 64 characters', () => {
    const args = credentialArgs(credential(ROLE_ONLY), 'n'.repeat(63), PLATFORM);
    expect(flagValue(args, '--role-session-name')).toHaveLength(64);
  });
});

describe('runArgs', () => {
  it('starts with the service and type and ends with the termination log', () => {
    const args = runArgs(checkSpec(), credential(SECRET_ONLY), 'team-a', undefined);
    expect(args.slice(0, 5)).toEqual(['run', '--service', 'ec2', '--type', 'health_check']);
    expect(args.slice(-2)).toEqual(['--termination-log', TERMINATION_LOG]);
  });

  it.each([
    ['default to the credential region', undefined, ['eu-west-1']],
    ['are the listed regions', ['us-east-1', 'ap-south-1'], ['us-east-1', 'ap-south-1']],
  ])('regions %s', (_rule, regions, expected) => {
    const spec = checkSpec(regions === undefined ? {} : { regions });
    const args = runArgs(spec, credential(SECRET_ONLY), 'team-a', undefined);
    const listed = args.flatMap((arg, i) => (arg === '--region' ? [args[i + 1]] : []));
    expect(listed).toEqual(expected);
  });

  it('passes each tag as key=value', () => {
    const spec = checkSpec({ tags: { env: 'prod', team: 'a=b' } });
    const args = runArgs(spec, credential(SECRET_ONLY), 'team-a', undefined);
    const tags = args.flatMap((arg, i) => (arg === '--tag' ? [args[i + 1]] : []));
    expect(tags).toEqual(['env=prod', 'team=a=b']);
  });

  it.each([
    ['min and max', { min: 0, max: 5 }, '0', '5'],
    ['min only', { min: 2 }, '2', undefined],
    ['max only', { max: 9 }, undefined, '9'],
  ])('passes expect %s', (_case, expectation, min, max) => {
    const spec = checkSpec({ type: 'ResourceList', expect: expectation });
    const args = runArgs(spec, credential(SECRET_ONLY), 'team-a', undefined);
    expect(flagValue(args, '--expect-min')).toBe(min);
    expect(flagValue(args, '--expect-max')).toBe(max);
  });

  it('passes the timeout', () => {
    const args = runArgs(
      checkSpec({ timeoutSeconds: 45 }),
      credential(SECRET_ONLY),
      'team-a',
      undefined,
    );
    expect(flagValue(args, '--timeout')).toBe('45');
  });

  it.each([
    ['secretRef', SECRET_ONLY],
    ['assumeRole', ROLE_ONLY],
    ['both', BOTH],
  ])('carries the credential flags for %s', (_case, spec) => {
    const args = runArgs(checkSpec(), credential(spec), 'team-a', PLATFORM);
    const flags = credentialArgs(credential(spec), 'team-a', PLATFORM);
    expect(args.slice(-2 - flags.length, -2)).toEqual(flags);
  });
});

describe('validateArgs', () => {
  it.each([
    ['secretRef', SECRET_ONLY],
    ['assumeRole', ROLE_ONLY],
    ['both', BOTH],
  ])('is validate, the credential flags for %s and the termination log', (_case, spec) => {
    expect(validateArgs(credential(spec), 'team-a', PLATFORM)).toEqual([
      'validate',
      ...credentialArgs(credential(spec), 'team-a', PLATFORM),
      '--termination-log',
      TERMINATION_LOG,
    ]);
  });
});

describe('checkerPodTemplate', () => {
  const labels = { app: 'checker' };
  const metadata = { labels };

  it.each([
    ['secretRef', SECRET_ONLY],
    ['assumeRole', ROLE_ONLY],
    ['both', BOTH],
  ])('keeps the restricted profile with %s', (_case, spec) => {
    const template = checkerPodTemplate(config, ['run'], credential(spec), metadata);
    expect(template.spec).toMatchObject({
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    });
    expect(container(template).securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
  });

  it.each([
    ['secretRef', SECRET_ONLY],
    ['both', BOTH],
  ])('mounts the Secret read-only with %s', (_case, spec) => {
    const template = checkerPodTemplate(config, ['run'], credential(spec), metadata);
    expect(container(template).volumeMounts).toEqual([
      { name: 'aws-credentials', mountPath: CREDENTIALS_DIR, readOnly: true },
    ]);
    expect(template.spec?.volumes).toEqual([
      { name: 'aws-credentials', secret: { secretName: 'keys', defaultMode: 0o440 } },
    ]);
  });

  it('mounts nothing without secretRef when no platform identity is configured', () => {
    const template = checkerPodTemplate(config, ['run'], credential(ROLE_ONLY), metadata);
    expect(container(template).volumeMounts).toBeUndefined();
    expect(template.spec?.volumes).toBeUndefined();
  });

  it('mounts a token for the platform audience only, without secretRef', () => {
    const platform = { ...config, platformIdentity: PLATFORM };
    const template = checkerPodTemplate(platform, ['run'], credential(ROLE_ONLY), metadata);
    expect(container(template).volumeMounts).toEqual([
      { name: 'platform-identity', mountPath: IDENTITY_DIR, readOnly: true },
    ]);
    expect(template.spec?.volumes).toEqual([
      {
        name: 'platform-identity',
        projected: {
          defaultMode: 0o440,
          sources: [
            {
              serviceAccountToken: {
                audience: 'awscheck.io/checker',
                expirationSeconds: 3600,
                path: 'token',
              },
            },
          ],
        },
      },
    ]);
    expect(template.spec?.automountServiceAccountToken).toBe(false);
  });

  it('runs the configured image with the given arguments and reads the termination log', () => {
    const template = checkerPodTemplate(config, ['run', '--x'], credential(SECRET_ONLY), metadata);
    expect(container(template)).toMatchObject({
      image: 'img',
      imagePullPolicy: 'IfNotPresent',
      command: ['node', '--max-semi-space-size=1', '--optimize-for-size', CHECKER_ENTRY],
      args: ['run', '--x'],
      terminationMessagePath: TERMINATION_LOG,
      terminationMessagePolicy: 'File',
      resources: {
        requests: { cpu: '100m', memory: '256Mi' },
        limits: { cpu: '1', memory: '256Mi' },
      },
    });
    expect(template.metadata?.labels).toEqual(labels);
  });
});
