// The one list of outcome categories and condition reasons. The checker's result, its
// exit codes, the operator's conditions, Events and metric labels all use these names.

/** ErrorCategories are how a check run can fail; the checker classifies every error into one. */
export const ERROR_CATEGORIES = [
  'AuthenticationFailed',
  'PermissionDenied',
  'ServiceLimitExceeded',
  'ServiceError',
  'DeadlineExceeded',
  'InvalidConfiguration',
] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

/** FindingReasons are a run that worked and found the estate wanting. */
export const FINDING_REASONS = ['ResourcesUnhealthy', 'CountOutOfRange'] as const;
export type FindingReason = (typeof FINDING_REASONS)[number];

/** PlanReasons come from the tenant's plan, judged by the operator. */
export const PLAN_REASONS = ['PlanLimitExceeded', 'SubscriptionInactive'] as const;
export type PlanReason = (typeof PLAN_REASONS)[number];

/**
 * RUN_REASONS come from a run that ended without a result: the checker was killed (out of
 * memory, evicted) or crashed before writing its termination message.
 */
export const RUN_REASONS = ['RunAborted'] as const;
export type RunReason = (typeof RUN_REASONS)[number];

/** FailureReasons are every reason a condition can give for being unhealthy or not ready. */
export const FAILURE_REASONS = [
  ...ERROR_CATEGORIES,
  ...FINDING_REASONS,
  ...PLAN_REASONS,
  ...RUN_REASONS,
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];
