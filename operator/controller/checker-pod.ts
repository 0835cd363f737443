// The pod every checker run gets: the restricted pod security profile, the credential
// Secret as read-only files, no Kubernetes API token, and the run's options as arguments.
import type { V1PodTemplateSpec } from '@kubernetes/client-node';
import type { AwsCheckSpec } from '../api/v1alpha1/awscheck.ts';
import type { AwsCredentialRefSpec } from '../api/v1alpha1/awscredentialref.ts';
import { CHECKER_NODE_FLAGS } from '../checker/node-flags.ts';
import type { OperatorConfig } from '../config.ts';

/** CHECKER_ENTRY is the checker's CLI inside the image (see the Dockerfile). */
export const CHECKER_ENTRY = '/app/dist/operator/checker/cli.js';

/**
 * CHECKER_COMMAND runs the checker with the Node flags that bound its memory: V8 reads
 * them only at start, so they go on the command line, not into the checker.
 */
export const CHECKER_COMMAND: readonly string[] = ['node', ...CHECKER_NODE_FLAGS, CHECKER_ENTRY];

/** CREDENTIALS_DIR is where the credential Secret's keys appear as files. */
export const CREDENTIALS_DIR = '/var/run/secrets/awscheck/credentials';
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

/** credentialArgs turns a credential ref into the checker's credential flags. */
export function credentialArgs(credential: CredentialInput, namespace: string): string[] {
  const { spec } = credential;
  const args = ['--sts-region', spec.region];
  if (spec.secretRef) args.push('--credentials-dir', CREDENTIALS_DIR);
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
    if (!spec.secretRef) args.push('--default-chain');
  }
  return args;
}

/** runArgs turns an AwsCheck spec into `checker run` arguments. */
export function runArgs(
  spec: AwsCheckSpec,
  credential: CredentialInput,
  namespace: string,
): string[] {
  const regions = spec.regions ?? [credential.spec.region];
  const args = ['run', '--service', spec.service, '--type', spec.type];
  for (const region of regions) args.push('--region', region);
  for (const [key, value] of Object.entries(spec.tags ?? {})) args.push('--tag', `${key}=${value}`);
  if (spec.expect?.min !== undefined) args.push('--expect-min', String(spec.expect.min));
  if (spec.expect?.max !== undefined) args.push('--expect-max', String(spec.expect.max));
  args.push('--timeout', String(spec.timeoutSeconds));
  return [...args, ...credentialArgs(credential, namespace), '--termination-log', TERMINATION_LOG];
}

/** validateArgs are the arguments of `checker validate` for a credential ref. */
export function validateArgs(credential: CredentialInput, namespace: string): string[] {
  return [
    'validate',
    ...credentialArgs(credential, namespace),
    '--termination-log',
    TERMINATION_LOG,
  ];
}

/**
 * checkerPodTemplate builds the pod of a checker run. It keeps the restricted profile:
 * non-root, read-only root filesystem, every capability dropped, RuntimeDefault seccomp,
 * no privilege escalation and no service-account token.
 */
export function checkerPodTemplate(
  config: OperatorConfig,
  args: readonly string[],
  credential: CredentialInput,
  labels: Readonly<Record<string, string>>,
): V1PodTemplateSpec {
  const secretName = credential.spec.secretRef?.name;
  const { cpu, memory } = config.checkerResources;
  return {
    metadata: { labels: { ...labels } },
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
          name: 'checker',
          image: config.checkerImage,
          imagePullPolicy: config.imagePullPolicy,
          command: [...CHECKER_COMMAND],
          args: [...args],
          terminationMessagePath: TERMINATION_LOG,
          terminationMessagePolicy: 'File',
          resources: { requests: { cpu, memory }, limits: { memory } },
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ['ALL'] },
          },
          ...(secretName && {
            volumeMounts: [{ name: 'aws-credentials', mountPath: CREDENTIALS_DIR, readOnly: true }],
          }),
        },
      ],
      ...(secretName && {
        volumes: [{ name: 'aws-credentials', secret: { secretName, defaultMode: 0o440 } }],
      }),
    },
  };
}
