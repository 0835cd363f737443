// AwsCheck: one scheduled check of one AWS service. The schema is the type; the CRD
// crds/awscheck.io_awschecks.yaml is generated from it.
import { z } from 'zod';
import { SERVICE_NAMES } from '../../checker/service-names.ts';
import {
  API_VERSION,
  Conditions,
  LocalObjectReference,
  MAX_REGIONS,
  ObjectMeta,
  ObjectName,
  Region,
  Time,
} from './common.ts';
import { SCHEDULE_MAX_LENGTH, SCHEDULE_MESSAGE, SCHEDULE_PATTERN } from './cron.ts';
import { AGE_COLUMN, CATEGORIES, conditionColumn, type KindDefinition } from './kind.ts';
import { FAILURE_REASONS, ERROR_CATEGORIES } from './reasons.ts';
import {
  boundedRecord,
  codePoints,
  mapList,
  matching,
  text,
  uniqueSet,
  withRules,
} from './rules.ts';

/** CHECK_TYPES: judge the resources' health, or count them (CamelCase, as API enums are). */
export const CHECK_TYPES = ['HealthCheck', 'ResourceList'] as const;
export type CheckType = (typeof CHECK_TYPES)[number];

/**
 * FIRST_RUN_POLICIES: when a new check, or a check whose spec changed, first runs. A string
 * enum rather than a bool, so a third policy can come without a new field.
 */
export const FIRST_RUN_POLICIES = ['Immediately', 'OnSchedule'] as const;

/** Limits of an AwsCheck's spec; the plan may set tighter ones, which the operator enforces. */
export const LIMITS = {
  timeoutSeconds: { min: 10, max: 3600 },
  expectCount: { max: 1_000_000 },
  tags: { maxEntries: 20, maxKeyLength: 128, maxValueLength: 256 },
} as const;

/** Schedule is `@hourly`, `@daily`, `@weekly`, `@monthly` or a five-field cron expression. */
export const Schedule = matching(SCHEDULE_PATTERN, SCHEDULE_MAX_LENGTH, SCHEDULE_MESSAGE);

/**
 * TimeZone is an IANA time zone name by form (Europe/Berlin, UTC, Etc/GMT+5). Whether the zone
 * exists is judged by the CronJob controller's tz database; the operator reports an unknown
 * zone as InvalidConfiguration.
 */
export const TimeZone = matching(
  '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}$',
  64,
  'timeZone must be an IANA time zone name such as Europe/Berlin or UTC',
);

const { maxEntries, maxKeyLength, maxValueLength } = LIMITS.tags;

/** Tags select resources by AWS tag: every pair must match. */
export const Tags = withRules(boundedRecord(text(maxValueLength), maxEntries), [
  {
    rule: `self.all(k, size(k) >= 1 && size(k) <= ${maxKeyLength})`,
    message: `tag keys must be 1 to ${maxKeyLength} characters`,
    holds: (tags) => Object.keys(tags).every((k) => k.length >= 1 && codePoints(k) <= maxKeyLength),
  },
]);

const countLimit = z.int().min(0).max(LIMITS.expectCount.max);

/** Expect bounds the number of resources a ResourceList run may find. */
export const Expect = withRules(
  z.object({
    min: countLimit.optional().meta({ description: 'Fail when fewer resources are found.' }),
    max: countLimit.optional().meta({ description: 'Fail when more resources are found.' }),
  }),
  [
    {
      rule: 'has(self.min) || has(self.max)',
      message: 'expect needs min, max or both',
      fieldPath: '.min',
      reason: 'FieldValueRequired',
      holds: (e) => e.min !== undefined || e.max !== undefined,
    },
    {
      rule: '!has(self.min) || !has(self.max) || self.min <= self.max',
      message: 'expect.min must be at most expect.max',
      fieldPath: '.min',
      holds: (e) => e.min === undefined || e.max === undefined || e.min <= e.max,
    },
  ],
);

/** AwsCheckSpec is what the user declares: which service to check, where, how and when. */
export const AwsCheckSpec = withRules(
  z.object({
    credentialRef: LocalObjectReference.meta({
      description: 'The AwsCredentialRef, in the same namespace, whose credentials the check uses.',
    }),
    service: z.enum(SERVICE_NAMES).meta({ description: 'The AWS service to check.' }),
    type: z.enum(CHECK_TYPES).meta({
      description:
        'HealthCheck judges the resources’ own health (instance status, cluster health, table status, …); ResourceList counts the resources and compares the count with expect.',
    }),
    regions: uniqueSet(z.array(Region).min(1).max(MAX_REGIONS)).optional().meta({
      description:
        'Regions to check, each once. Defaults to the credential ref’s region. Global services (iam, cloudfront) ignore it.',
    }),
    schedule: Schedule.default('@daily').meta({
      description:
        'When to run: @hourly, @daily, @weekly, @monthly or a five-field cron expression. The plan may require a longer interval.',
    }),
    timeZone: TimeZone.optional().meta({
      description: 'IANA time zone the schedule is read in, such as Europe/Berlin. Default: UTC.',
    }),
    suspend: z.boolean().default(false).meta({
      description: 'Stop scheduling runs; a run in progress finishes.',
    }),
    firstRun: z.enum(FIRST_RUN_POLICIES).default('Immediately').meta({
      description:
        'When a new check, or a check whose spec changed, first runs: Immediately (so a broken setup shows within seconds) or OnSchedule (at the next scheduled time).',
    }),
    timeoutSeconds: z
      .int()
      .min(LIMITS.timeoutSeconds.min)
      .max(LIMITS.timeoutSeconds.max)
      .default(300)
      .meta({
        description: `How long a run may take before it fails with DeadlineExceeded, in seconds (${LIMITS.timeoutSeconds.min} to ${LIMITS.timeoutSeconds.max}).`,
      }),
    tags: Tags.optional().meta({
      description: `Only resources carrying all these AWS tags (key: value) count. At most ${maxEntries} tags; keys up to ${maxKeyLength} characters, values up to ${maxValueLength}.`,
    }),
    expect: Expect.optional().meta({
      description:
        'For ResourceList: the run fails with CountOutOfRange when the number of resources is outside [min, max].',
    }),
  }),
  [
    {
      rule: "!has(self.expect) || self.type == 'ResourceList'",
      message: 'expect applies only to type ResourceList',
      fieldPath: '.expect',
      reason: 'FieldValueForbidden',
      holds: (spec) => spec.expect === undefined || spec.type === 'ResourceList',
    },
  ],
).meta({ description: 'What to check, where, how and when.' });
export type AwsCheckSpec = z.output<typeof AwsCheckSpec>;

/** RUN_OUTCOMES: a run either passed or failed; there is no partial success. */
export const RUN_OUTCOMES = ['Succeeded', 'Failed'] as const;

const count = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

/** RegionKey is a region, or `global` for services whose resources belong to no region. */
const RegionKey = matching(
  '^(global|[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2})$',
  32,
  'must be an AWS region name or global',
);

/** RunError names a run's first failure: where, which call, and what AWS answered. */
export const RunError = z.object({
  category: z.enum(ERROR_CATEGORIES).meta({ description: 'The error category.' }),
  code: text(256).meta({ description: 'The AWS error code, such as AccessDenied.' }),
  message: text(4096).meta({ description: 'The error message.' }),
  requestId: text(256).optional().meta({ description: 'The AWS request id.' }),
  region: text(32).optional().meta({ description: 'The region of the failed call.' }),
  operation: text(256)
    .optional()
    .meta({ description: 'The failed API call, as service:Operation.' }),
  httpStatus: z.int().min(0).max(999).optional().meta({ description: 'The HTTP status.' }),
});

/** Finding is one unhealthy resource: where it is, what it is, what is wrong. */
export const Finding = z.object({
  region: RegionKey.meta({ description: 'The region of the resource, or global.' }),
  id: text(2048).meta({ description: 'The resource id or ARN.' }),
  state: text(256).meta({ description: 'The resource’s state as AWS reports it.' }),
  problems: z.array(text(1024)).max(16).meta({ description: 'What is wrong with the resource.' }),
});

/** RegionTally counts what one region held. */
export const RegionTally = z.object({
  name: RegionKey.meta({ description: 'The region, or global.' }),
  resources: count.meta({ description: 'Resources found in the region.' }),
  unhealthy: count.meta({ description: 'Unhealthy resources found in the region.' }),
});

/** LastRun summarises the latest finished run, read from the checker's result. */
export const LastRun = z.object({
  jobName: ObjectName.meta({ description: 'The Job that ran.' }),
  generation: count.optional().meta({
    description: 'The .metadata.generation of the check the run was made for.',
  }),
  startTime: Time.meta({ description: 'When the run started.' }),
  completionTime: Time.optional().meta({ description: 'When the run finished.' }),
  durationMs: count.optional().meta({ description: 'How long the run took, in milliseconds.' }),
  outcome: z.enum(RUN_OUTCOMES).meta({ description: 'Succeeded or Failed.' }),
  reason: z
    .enum(FAILURE_REASONS)
    .optional()
    .meta({ description: 'Why the run failed; absent when it succeeded.' }),
  message: text(4096).meta({ description: 'A one-line summary of the run.' }),
  resources: count.optional().meta({
    description: 'Resources found. On failure only regions that finished count.',
  }),
  unhealthy: count.optional().meta({ description: 'Unhealthy resources found.' }),
  regions: mapList(z.array(RegionTally).max(MAX_REGIONS + 1), 'name')
    .optional()
    .meta({ description: 'Counts per region (or global) that finished, one entry each.' }),
  findings: z.array(Finding).max(20).optional().meta({
    description: 'Up to 20 unhealthy resources; the run’s log has every one.',
  }),
  error: RunError.optional().meta({ description: 'The first failure, for a failed run.' }),
  truncated: z.boolean().optional().meta({
    description: 'True when findings or texts were shortened to fit the termination message.',
  }),
});

/** MAX_RECORDED_RUNS bounds status.recordedRuns: more than the Jobs a check keeps (3 × 20 at most). */
export const MAX_RECORDED_RUNS = 64;

/** MAX_RUN_NOW_TOKEN bounds the run-now annotation's value; a longer one is refused in status. */
export const MAX_RUN_NOW_TOKEN = 253;

/** AwsCheckStatus is what the operator observed, written through the status subresource. */
export const AwsCheckStatus = z
  .object({
    observedGeneration: count.optional().meta({
      description: 'The .metadata.generation this status describes.',
    }),
    conditions: Conditions.optional().meta({
      description:
        'Ready (set up and scheduled), Healthy (outcome of the latest run), Reconciling and Stalled (kstatus). Reasons name the error category, such as PermissionDenied.',
    }),
    cronJobName: ObjectName.optional().meta({
      description: 'The CronJob that runs the check.',
    }),
    nextScheduleTime: Time.optional().meta({ description: 'When the next run is scheduled.' }),
    lastRun: LastRun.optional().meta({ description: 'The latest finished run.' }),
    lastSuccessfulTime: Time.optional().meta({
      description: 'When a run last succeeded.',
    }),
    consecutiveFailures: count.optional().meta({
      description: 'How many runs in a row failed; 0 after a success.',
    }),
    recordedRuns: uniqueSet(z.array(ObjectName).max(MAX_RECORDED_RUNS)).optional().meta({
      description:
        'The Jobs still in the cluster whose runs are counted, so none is counted twice, whatever order runs are seen in.',
    }),
    runNowToken: text(MAX_RUN_NOW_TOKEN).optional().meta({
      description:
        'The awscheck.io/run-now annotation value whose run was last started; a new value starts another run.',
    }),
  })
  .meta({ description: 'What the operator observed about the check and its runs.' });
export type AwsCheckStatus = z.output<typeof AwsCheckStatus>;

/** AwsCheckDefinition is the kind as the CRD generator and kubectl see it. */
export const AwsCheckDefinition: KindDefinition = {
  kind: 'AwsCheck',
  plural: 'awschecks',
  singular: 'awscheck',
  shortNames: ['awsc'],
  categories: CATEGORIES,
  description:
    'AwsCheck runs a health check or resource count of one AWS service on a schedule, with the credentials of an AwsCredentialRef, and reports the outcome in its conditions.',
  spec: AwsCheckSpec,
  status: AwsCheckStatus,
  printerColumns: [
    { name: 'Service', type: 'string', jsonPath: '.spec.service', description: 'AWS service.' },
    { name: 'Type', type: 'string', jsonPath: '.spec.type', description: 'Check type.' },
    { name: 'Schedule', type: 'string', jsonPath: '.spec.schedule', description: 'When it runs.' },
    conditionColumn('Ready', 'Whether the check is set up and scheduled.'),
    conditionColumn('Healthy', 'Outcome of the latest run.'),
    {
      name: 'Last Run',
      type: 'date',
      jsonPath: '.status.lastRun.completionTime',
      description: 'When the latest run finished.',
    },
    {
      name: 'Reason',
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="Healthy")].reason',
      description: 'Why the latest run failed.',
      priority: 1,
    },
    {
      name: 'Suspend',
      type: 'boolean',
      jsonPath: '.spec.suspend',
      description: 'Whether scheduling is suspended.',
      priority: 1,
    },
    AGE_COLUMN,
  ],
  source: 'operator/api/v1alpha1/awscheck.ts',
};

/** AwsCheck is a whole object as the operator reads it from the apiserver. */
export const AwsCheck = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('AwsCheck'),
  metadata: ObjectMeta,
  spec: AwsCheckSpec,
  status: AwsCheckStatus.optional(),
});
export type AwsCheck = z.output<typeof AwsCheck>;
