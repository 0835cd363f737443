// The operator's configuration: one source (the environment), parsed once with zod at
// start-up. A bad value stops the operator with a message naming the variable.
import { z } from 'zod';
import { positiveQuantity as quantity } from './quantity.ts';
import { parseSelector, SelectorError } from './shard.ts';

const seconds = z.coerce.number().int().positive();
/** A period a timer waits for: Node's timers hold at most 2^31 − 1 ms, so at most a week. */
const period = seconds.max(7 * 24 * 3600);
/** quantity is a Kubernetes resource quantity (100m, 1, 256Mi), refused at start if not one. */
const boolean = z.enum(['true', 'false']).transform((value) => value === 'true');

/**
 * DEFAULT_PLATFORM_TOKEN_AUDIENCE is the audience of checker pods' projected token for the
 * platform identity: one only checker pods receive, never listed in --api-audiences.
 */
export const DEFAULT_PLATFORM_TOKEN_AUDIENCE = 'awscheck.io/checker';

const ConfigSchema = z.object({
  AWSCHECK_CHECKER_IMAGE: z.string().min(1).describe('Image the checker pods run'),
  AWSCHECK_IMAGE_PULL_POLICY: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'),
  AWSCHECK_NAMESPACE: z.string().min(1).describe('Namespace of the operator and its Lease'),
  POD_NAME: z.string().min(1).default('awscheck-operator'),
  AWSCHECK_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  AWSCHECK_HTTP_HOST: z.string().default('0.0.0.0'),
  AWSCHECK_WORKERS: z.coerce.number().int().min(1).max(64).default(32),
  AWSCHECK_RESYNC_SECONDS: period.default(300),
  AWSCHECK_LEASE_NAME: z.string().min(1).default('awscheck-operator'),
  AWSCHECK_LEASE_DURATION_SECONDS: seconds.default(15),
  AWSCHECK_LEASE_RENEW_DEADLINE_SECONDS: seconds.default(10),
  AWSCHECK_LEASE_RETRY_SECONDS: seconds.default(2),
  AWSCHECK_ALLOW_PLATFORM_IDENTITY: boolean.default(false),
  AWSCHECK_PLATFORM_ROLE_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN')
    .optional(),
  AWSCHECK_PLATFORM_TOKEN_AUDIENCE: z.string().min(1).default(DEFAULT_PLATFORM_TOKEN_AUDIENCE),
  AWSCHECK_CHECKER_CPU: quantity.default('100m'),
  AWSCHECK_CHECKER_CPU_LIMIT: quantity.default('1'),
  AWSCHECK_CHECKER_MEMORY: quantity.default('256Mi'),
  AWSCHECK_JOB_HISTORY: z.coerce.number().int().min(1).max(20).default(3),
  AWSCHECK_REVALIDATE_SECONDS: period.default(3600),
  AWSCHECK_KUBE_QPS: z.coerce.number().positive().max(10_000).default(500),
  AWSCHECK_KUBE_BURST: z.coerce.number().int().min(1).max(10_000).default(1000),
  AWSCHECK_SHARD_SELECTOR: z.string().min(1).optional(),
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
  /**
   * The platform identity assumeRole without secretRef starts from, when allowed: checker
   * pods get a projected ServiceAccount token for `audience` (an audience only checker pods
   * receive) and exchange it for `roleArn` by AssumeRoleWithWebIdentity.
   */
  readonly platformIdentity: PlatformIdentity | undefined;
  /** Checker pods' CPU request and limit, and memory (request and limit alike). */
  readonly checkerResources: {
    readonly cpu: string;
    readonly cpuLimit: string;
    readonly memory: string;
  };
  /** How often a Ready AwsCredentialRef is validated again. */
  readonly revalidateMs: number;
  /** How many finished Jobs of each kind a CronJob keeps. */
  readonly jobHistory: number;
  /**
   * The client-side limit on requests to the apiserver (watches excepted): a token bucket
   * refilled at `qps` per second that holds at most `burst`.
   */
  readonly kubeClient: { readonly qps: number; readonly burst: number };
  /**
   * The shard this replica serves: a label selector on namespaces. Only the AwsChecks and
   * AwsCredentialRefs of matching namespaces are reconciled. Undefined: every namespace.
   */
  readonly shardSelector: string | undefined;
  readonly logLevel: string;
}

/** PlatformIdentity is the platform's own AWS identity, as checker pods reach it. */
export interface PlatformIdentity {
  readonly roleArn: string;
  readonly audience: string;
}

/** loadConfig parses the environment or throws an error listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid operator configuration:\n${z.prettifyError(parsed.error)}`);
  }
  const c = parsed.data;
  if (c.AWSCHECK_ALLOW_PLATFORM_IDENTITY && c.AWSCHECK_PLATFORM_ROLE_ARN === undefined) {
    throw new Error(
      'invalid operator configuration:\nAWSCHECK_ALLOW_PLATFORM_IDENTITY=true needs AWSCHECK_PLATFORM_ROLE_ARN, the role checker pods assume with their projected token',
    );
  }
  const { AWSCHECK_LEASE_RETRY_SECONDS: retry, AWSCHECK_LEASE_RENEW_DEADLINE_SECONDS: renew } = c;
  if (!(retry < renew && renew < c.AWSCHECK_LEASE_DURATION_SECONDS)) {
    throw new Error(
      `invalid operator configuration:\nleader election needs AWSCHECK_LEASE_RETRY_SECONDS (${retry}) < AWSCHECK_LEASE_RENEW_DEADLINE_SECONDS (${renew}) < AWSCHECK_LEASE_DURATION_SECONDS (${c.AWSCHECK_LEASE_DURATION_SECONDS}): a leader retries its renewal several times before its deadline, and gives up before another replica may take the Lease`,
    );
  }
  if (c.AWSCHECK_SHARD_SELECTOR !== undefined) checkSelector(c.AWSCHECK_SHARD_SELECTOR);
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
    platformIdentity:
      c.AWSCHECK_ALLOW_PLATFORM_IDENTITY && c.AWSCHECK_PLATFORM_ROLE_ARN !== undefined
        ? { roleArn: c.AWSCHECK_PLATFORM_ROLE_ARN, audience: c.AWSCHECK_PLATFORM_TOKEN_AUDIENCE }
        : undefined,
    checkerResources: {
      cpu: c.AWSCHECK_CHECKER_CPU,
      cpuLimit: c.AWSCHECK_CHECKER_CPU_LIMIT,
      memory: c.AWSCHECK_CHECKER_MEMORY,
    },
    revalidateMs: c.AWSCHECK_REVALIDATE_SECONDS * 1000,
    jobHistory: c.AWSCHECK_JOB_HISTORY,
    kubeClient: { qps: c.AWSCHECK_KUBE_QPS, burst: c.AWSCHECK_KUBE_BURST },
    shardSelector: c.AWSCHECK_SHARD_SELECTOR,
    logLevel: c.AWSCHECK_LOG_LEVEL,
  };
}

// checkSelector refuses a shard selector that is not a label selector, with the others.
function checkSelector(selector: string): void {
  try {
    parseSelector(selector);
  } catch (error) {
    if (!(error instanceof SelectorError)) throw error;
    throw new Error(`invalid operator configuration:\n${error.message}`, { cause: error });
  }
}
