// The operator's configuration: one source (the environment), parsed once with zod at
// start-up. A bad value stops the operator with a message naming the variable.
import { z } from 'zod';

const seconds = z.coerce.number().int().positive();
const boolean = z.enum(['true', 'false']).transform((value) => value === 'true');

const ConfigSchema = z.object({
  AWSCHECK_CHECKER_IMAGE: z.string().min(1).describe('Image the checker pods run'),
  AWSCHECK_IMAGE_PULL_POLICY: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'),
  AWSCHECK_NAMESPACE: z.string().min(1).describe('Namespace of the operator and its Lease'),
  POD_NAME: z.string().min(1).default('awscheck-operator'),
  AWSCHECK_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  AWSCHECK_HTTP_HOST: z.string().default('0.0.0.0'),
  AWSCHECK_WORKERS: z.coerce.number().int().min(1).max(64).default(4),
  AWSCHECK_RESYNC_SECONDS: seconds.default(300),
  AWSCHECK_LEASE_NAME: z.string().min(1).default('awscheck-operator'),
  AWSCHECK_LEASE_DURATION_SECONDS: seconds.default(15),
  AWSCHECK_LEASE_RENEW_DEADLINE_SECONDS: seconds.default(10),
  AWSCHECK_LEASE_RETRY_SECONDS: seconds.default(2),
  AWSCHECK_ALLOW_PLATFORM_IDENTITY: boolean.default(false),
  AWSCHECK_CHECKER_CPU: z.string().default('100m'),
  AWSCHECK_CHECKER_MEMORY: z.string().default('128Mi'),
  AWSCHECK_JOB_HISTORY: z.coerce.number().int().min(1).max(20).default(3),
  AWSCHECK_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
});

/** OperatorConfig is every knob of the operator, typed. */
export interface OperatorConfig {
  readonly checkerImage: string;
  readonly imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  readonly namespace: string;
  readonly podName: string;
  readonly httpPort: number;
  readonly httpHost: string;
  readonly workers: number;
  readonly resyncMs: number;
  readonly lease: {
    readonly name: string;
    readonly durationMs: number;
    readonly renewDeadlineMs: number;
    readonly retryPeriodMs: number;
  };
  /** Whether assumeRole without secretRef may start from the platform's own identity. */
  readonly allowPlatformIdentity: boolean;
  readonly checkerResources: { readonly cpu: string; readonly memory: string };
  /** How many finished Jobs of each kind a CronJob keeps. */
  readonly jobHistory: number;
  readonly logLevel: string;
}

/** loadConfig parses the environment or throws an error listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid operator configuration:\n${z.prettifyError(parsed.error)}`);
  }
  const c = parsed.data;
  return {
    checkerImage: c.AWSCHECK_CHECKER_IMAGE,
    imagePullPolicy: c.AWSCHECK_IMAGE_PULL_POLICY,
    namespace: c.AWSCHECK_NAMESPACE,
    podName: c.POD_NAME,
    httpPort: c.AWSCHECK_HTTP_PORT,
    httpHost: c.AWSCHECK_HTTP_HOST,
    workers: c.AWSCHECK_WORKERS,
    resyncMs: c.AWSCHECK_RESYNC_SECONDS * 1000,
    lease: {
      name: c.AWSCHECK_LEASE_NAME,
      durationMs: c.AWSCHECK_LEASE_DURATION_SECONDS * 1000,
      renewDeadlineMs: c.AWSCHECK_LEASE_RENEW_DEADLINE_SECONDS * 1000,
      retryPeriodMs: c.AWSCHECK_LEASE_RETRY_SECONDS * 1000,
    },
    allowPlatformIdentity: c.AWSCHECK_ALLOW_PLATFORM_IDENTITY,
    checkerResources: { cpu: c.AWSCHECK_CHECKER_CPU, memory: c.AWSCHECK_CHECKER_MEMORY },
    jobHistory: c.AWSCHECK_JOB_HISTORY,
    logLevel: c.AWSCHECK_LOG_LEVEL,
  };
}
