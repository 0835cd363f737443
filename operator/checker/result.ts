// The checker's result: the one schema shared by the checker (which writes it to the
// Pod's termination message) and the operator (which reads it back from the finished Pod).
// It imports only the fixed name lists, so the operator can use it without the AWS SDK.
import { z } from 'zod';
import { ERROR_CATEGORIES, FINDING_REASONS } from '../api/v1alpha1/reasons.ts';
import { CHECK_TYPES, SERVICE_NAMES } from './service-names.ts';

import {
  GLOBAL_REGION,
  MAX_FINDINGS,
  REGION_PATTERN,
  RESULT_OUTCOMES,
  RESULT_VERSION,
} from './result-limits.ts';

export {
  GLOBAL_REGION,
  MAX_FINDINGS,
  REGION_PATTERN,
  RESULT_OUTCOMES,
  RESULT_VERSION,
  TERMINATION_MESSAGE_LIMIT,
} from './result-limits.ts';

const count = z.number().int().nonnegative();
const regionKey = z.union([z.string().regex(REGION_PATTERN), z.literal(GLOBAL_REGION)]);

/** ErrorDetailSchema names the first failure: category, AWS code, request id, region and call. */
export const ErrorDetailSchema = z.object({
  category: z.enum(ERROR_CATEGORIES),
  code: z.string().min(1),
  message: z.string(),
  requestId: z.string().optional(),
  region: z.string().optional(),
  operation: z.string().optional().describe('The failed API call as service:Operation'),
  httpStatus: z.number().int().optional(),
});
export type ErrorDetail = z.infer<typeof ErrorDetailSchema>;

/** FindingSchema is one unhealthy resource: where it is, what it is, what is wrong. */
export const FindingSchema = z.object({
  region: regionKey,
  id: z.string().min(1),
  state: z.string(),
  problems: z.array(z.string()),
});
export type Finding = z.infer<typeof FindingSchema>;

/** RegionTallySchema counts what one region held; only regions that finished are listed. */
export const RegionTallySchema = z.object({ resources: count, unhealthy: count });
export type RegionTally = z.infer<typeof RegionTallySchema>;

/** IdentitySchema is who the credentials are, from STS GetCallerIdentity. */
export const IdentitySchema = z.object({
  accountId: z.string(),
  arn: z.string(),
  userId: z.string(),
});
export type Identity = z.infer<typeof IdentitySchema>;

const common = {
  v: z.literal(RESULT_VERSION),
  outcome: z.enum(RESULT_OUTCOMES),
  /** Set exactly when the outcome is Failed. */
  reason: z.enum([...ERROR_CATEGORIES, ...FINDING_REASONS]).optional(),
  message: z.string(),
  startTime: z.iso.datetime(),
  durationMs: count,
  error: ErrorDetailSchema.optional(),
  /** True when findings were dropped or texts shortened to fit the termination message. */
  truncated: z.boolean(),
};

/**
 * RunResultSchema is the result of `checker run`. On failure the tallies cover only the
 * regions that finished before the first error, and the outcome is Failed: they are never
 * a complete count.
 */
export const RunResultSchema = z.object({
  kind: z.literal('run'),
  service: z.enum(SERVICE_NAMES),
  type: z.enum(CHECK_TYPES),
  ...common,
  resources: count,
  unhealthy: count,
  regions: z.record(regionKey, RegionTallySchema),
  findings: z.array(FindingSchema).max(MAX_FINDINGS),
});
export type RunResult = z.infer<typeof RunResultSchema>;

/** ValidateResultSchema is the result of `checker validate`: whose credentials these are. */
export const ValidateResultSchema = z.object({
  kind: z.literal('validate'),
  ...common,
  identity: IdentitySchema.optional(),
  assumedRoleArn: z.string().optional(),
});
export type ValidateResult = z.infer<typeof ValidateResultSchema>;

/** UsageResultSchema is the result of a command line the checker refused before doing anything. */
export const UsageResultSchema = z.object({
  kind: z.literal('usage'),
  ...common,
});
export type UsageResult = z.infer<typeof UsageResultSchema>;

/**
 * CheckerResultSchema is any of the results. A Failed outcome always has a reason; a
 * Succeeded one never does, and an error is present exactly for the error categories.
 */
export const CheckerResultSchema = z
  .discriminatedUnion('kind', [RunResultSchema, ValidateResultSchema, UsageResultSchema])
  .superRefine((result, issues) => {
    if ((result.outcome === 'Failed') !== (result.reason !== undefined)) {
      issues.addIssue({ code: 'custom', message: 'reason is set exactly when outcome is Failed' });
    }
    const isError = (ERROR_CATEGORIES as readonly string[]).includes(result.reason ?? '');
    if (isError !== (result.error !== undefined)) {
      issues.addIssue({ code: 'custom', message: 'error is set exactly for an error category' });
    }
  });
export type CheckerResult = z.infer<typeof CheckerResultSchema>;

/**
 * parseTerminationMessage reads a termination message written by the checker. It throws
 * with a readable explanation when the text is not JSON or not a result of this version.
 */
export function parseTerminationMessage(text: string): CheckerResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`termination message is not JSON: ${String(error)}`, { cause: error });
  }
  const parsed = CheckerResultSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(
      `termination message is not a checker result:\n${z.prettifyError(parsed.error)}`,
    );
  }
  return parsed.data;
}
