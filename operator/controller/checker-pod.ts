// The pod every checker run gets: the restricted pod security profile, the credential
// Secret as read-only files, no Kubernetes API token, and the run's options as arguments.
import type { V1PodTemplateSpec, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { AwsCheckSpec, CheckType } from '../api/v1alpha1/awscheck.ts';
import type { AwsCredentialRefSpec } from '../api/v1alpha1/awscredentialref.ts';
import { CHECKER_NODE_FLAGS } from '../checker/node-flags.ts';
import type { OperatorConfig, PlatformIdentity } from '../config.ts';

/** CHECKER_CONTAINER names the one container of a checker pod. */
export const CHECKER_CONTAINER = 'checker';

/** CHECKER_ENTRY is the checker's CLI inside the image (see the Dockerfile). */
export const CHECKER_ENTRY = '/app/dist/operator/checker/cli.js';

/**
 * CHECKER_COMMAND runs the checker with the Node flags that bound its memory: V8 reads
 * them only at start, so they go on the command line, not into the checker.
 */
export const CHECKER_COMMAND: readonly string[] = ['node', ...CHECKER_NODE_FLAGS, CHECKER_ENTRY];

/** CREDENTIALS_DIR is where the credential Secret's keys appear as files. */
export const CREDENTIALS_DIR = '/var/run/secrets/awscheck/credentials';
export const CREDENTIALS_VOLUME = 'aws-credentials';

/**
 * IDENTITY_DIR holds the projected ServiceAccount token of a run that starts from the
 * platform identity: issued for the platform's own audience only, so no other pod's token
 * (and no Kubernetes API token) can stand in for it.
 */
export const IDENTITY_DIR = '/var/run/secrets/awscheck/identity';
export const IDENTITY_VOLUME = 'platform-identity';
export const IDENTITY_TOKEN_FILE = `${IDENTITY_DIR}/token`;
/** IDENTITY_TOKEN_SECONDS is the projected token's lifetime; the kubelet renews it. */
export const IDENTITY_TOKEN_SECONDS = 3600;

/** CHECK_TYPE_FLAGS maps the API's check types to the checker's --type values. */
export const CHECK_TYPE_FLAGS: Readonly<Record<CheckType, string>> = {
  HealthCheck: 'health_check',
  ResourceList: 'resource_list',
};
export const TERMINATION_LOG = '/dev/termination-log';
/** NON_ROOT_USER is the uid and gid checker pods run as. */
export const NON_ROOT_USER = 65532;

/** CredentialInput is the credential ref as a run uses it. */
export interface CredentialInput {
  readonly refName: string;
  readonly spec: AwsCredentialRefSpec;
  /** The platform's per-tenant ExternalId, sent with every AssumeRole. */
  readonly externalId: string;
}

/**
 * credentialArgs turns a credential ref into the checker's credential flags. Without a
 * secretRef the run starts from the platform identity, which must be configured (the
 * planners refuse such a ref otherwise).
 */
export function credentialArgs(
  credential: CredentialInput,
  namespace: string,
  platform: PlatformIdentity | undefined,
): string[] {
  const { spec } = credential;
  const args = ['--sts-region', spec.region];
  if (spec.secretRef) args.push('--credentials-dir', CREDENTIALS_DIR);
  else if (platform !== undefined) {
    args.push('--web-identity-token-file', IDENTITY_TOKEN_FILE);
    args.push('--platform-role-arn', platform.roleArn);
  }
  if (spec.assumeRole) {
    const session = spec.assumeRole.sessionName ?? `awscheck-${namespace}`.slice(0, 64);
    args.push(
      '--role-arn',
      spec.assumeRole.roleArn,
      '--external-id',
      credential.externalId,
      '--role-session-name',
      session,
      '--role-duration-seconds',
      String(spec.assumeRole.durationSeconds),
    );
  }
  return args;
}

/** runArgs turns an AwsCheck spec into `checker run` arguments. */
export function runArgs(
  spec: AwsCheckSpec,
  credential: CredentialInput,
  namespace: string,
  platform: PlatformIdentity | undefined,
): string[] {
  const regions = spec.regions ?? [credential.spec.region];
  const args = ['run', '--service', spec.service, '--type', CHECK_TYPE_FLAGS[spec.type]];
  for (const region of regions) args.push('--region', region);
  for (const [key, value] of Object.entries(spec.tags ?? {})) args.push('--tag', `${key}=${value}`);
  if (spec.expect?.min !== undefined) args.push('--expect-min', String(spec.expect.min));
  if (spec.expect?.max !== undefined) args.push('--expect-max', String(spec.expect.max));
  args.push('--timeout', String(spec.timeoutSeconds));
  return [
    ...args,
    ...credentialArgs(credential, namespace, platform),
    '--termination-log',
    TERMINATION_LOG,
  ];
}

/** validateArgs are the arguments of `checker validate` for a credential ref. */
export function validateArgs(
  credential: CredentialInput,
  namespace: string,
  platform: PlatformIdentity | undefined,
): string[] {
  return [
    'validate',
    ...credentialArgs(credential, namespace, platform),
    '--termination-log',
    TERMINATION_LOG,
  ];
}

/** PodMetadata are the labels and annotations a checker pod carries. */
export interface PodMetadata {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * checkerPodTemplate builds the pod of a checker run. It keeps the restricted profile:
 * non-root, read-only root filesystem, every capability dropped, RuntimeDefault seccomp,
 * no privilege escalation and no Kubernetes API token. Its only volume is the credential
 * Secret, or, for a run from the platform identity, a token for the platform's audience.
 */
export function checkerPodTemplate(
  config: OperatorConfig,
  args: readonly string[],
  credential: CredentialInput,
  metadata: PodMetadata,
): V1PodTemplateSpec {
  const { cpu, cpuLimit, memory } = config.checkerResources;
  const volume = credentialVolume(credential, config.platformIdentity);
  return {
    metadata: {
      labels: { ...metadata.labels },
      ...(metadata.annotations && { annotations: { ...metadata.annotations } }),
    },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: NON_ROOT_USER,
        runAsGroup: NON_ROOT_USER,
        fsGroup: NON_ROOT_USER,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: CHECKER_CONTAINER,
          image: config.checkerImage,
          imagePullPolicy: config.imagePullPolicy,
          command: [...CHECKER_COMMAND],
          args: [...args],
          terminationMessagePath: TERMINATION_LOG,
          terminationMessagePolicy: 'File',
          resources: { requests: { cpu, memory }, limits: { cpu: cpuLimit, memory } },
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ['ALL'] },
          },
          ...(volume && { volumeMounts: [volume.mount] }),
        },
      ],
      ...(volume && { volumes: [volume.volume] }),
    },
  };
}

// credentialVolume: the Secret's keys as read-only files, or the platform token.
function credentialVolume(
  credential: CredentialInput,
  platform: PlatformIdentity | undefined,
): { volume: V1Volume; mount: V1VolumeMount } | undefined {
  const secretName = credential.spec.secretRef?.name;
  if (secretName !== undefined) {
    return {
      volume: { name: CREDENTIALS_VOLUME, secret: { secretName, defaultMode: 0o440 } },
      mount: { name: CREDENTIALS_VOLUME, mountPath: CREDENTIALS_DIR, readOnly: true },
    };
  }
  if (platform === undefined) return undefined;
  const token = {
    audience: platform.audience,
    expirationSeconds: IDENTITY_TOKEN_SECONDS,
    path: 'token',
  };
  return {
    volume: {
      name: IDENTITY_VOLUME,
      projected: { defaultMode: 0o440, sources: [{ serviceAccountToken: token }] },
    },
    mount: { name: IDENTITY_VOLUME, mountPath: IDENTITY_DIR, readOnly: true },
  };
}
