// The result's fixed numbers and names, apart from its zod schemas, so the checker can
// use them at run time without building the schemas (it writes results; the operator
// validates them with result.ts).

/** RESULT_VERSION changes when a reader of an older result would misread a newer one. */
export const RESULT_VERSION = 1 as const;

/** TERMINATION_MESSAGE_LIMIT is Kubernetes' limit on a container's termination message. */
export const TERMINATION_MESSAGE_LIMIT = 4096;

/** MAX_FINDINGS is how many findings a result carries; stdout has every one. */
export const MAX_FINDINGS = 20;

/** RESULT_OUTCOMES: a run either passed or failed; there is no partial success. */
export const RESULT_OUTCOMES = ['Succeeded', 'Failed'] as const;

/**
 * REGION_PATTERN_SOURCE is the one shape of an AWS region name (us-east-1, us-gov-west-1,
 * cn-north-1, eusc-de-east-1, us-isob-east-1, …), shared by the CRD's `Region` and the
 * checker. Whether a partition knows the region is decided by the SDK (regions.ts).
 */
export const REGION_PATTERN_SOURCE = '^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$';

/** REGION_PATTERN is REGION_PATTERN_SOURCE compiled. */
export const REGION_PATTERN = new RegExp(REGION_PATTERN_SOURCE);

/** GLOBAL_REGION keys the tally of a service whose resources belong to no region (IAM, CloudFront). */
export const GLOBAL_REGION = 'global';
