// The labels and annotations the operator reads and writes: one place for every key.

/** FIELD_MANAGER owns every field the operator writes with server-side apply. */
export const FIELD_MANAGER = 'awscheck-operator';

/** MANAGED_BY marks every child; the operator's informers select on it. */
export const MANAGED_BY = {
  key: 'app.kubernetes.io/managed-by',
  value: 'awscheck-operator',
} as const;
export const MANAGED_SELECTOR = `${MANAGED_BY.key}=${MANAGED_BY.value}`;

/**
 * CHECK_LABEL names the AwsCheck a CronJob, Job or Pod belongs to, for selection by people
 * (`kubectl get jobs -l`); a name too long for a label value is shortened with a hash
 * (see labelValue). Ownership is decided by the controller owner UID, never by a label.
 */
export const CHECK_LABEL = 'awscheck.io/check';

/** CREDENTIAL_LABEL names the AwsCredentialRef a validation Job belongs to, like CHECK_LABEL. */
export const CREDENTIAL_LABEL = 'awscheck.io/credential-ref';

/** CHECK_NAME_ANNOTATION holds the whole name of a child's AwsCheck, for routing events. */
export const CHECK_NAME_ANNOTATION = 'awscheck.io/check-name';

/** CREDENTIAL_NAME_ANNOTATION holds the whole name of a validation run's AwsCredentialRef. */
export const CREDENTIAL_NAME_ANNOTATION = 'awscheck.io/credential-ref-name';

/** GENERATION_ANNOTATION on a run's Job is the owner's metadata.generation it ran for. */
export const GENERATION_ANNOTATION = 'awscheck.io/generation';

/** RUN_KIND_LABEL tells scheduled, initial and on-demand runs apart from validations. */
export const RUN_KIND_LABEL = 'awscheck.io/run';
export type RunKind = 'scheduled' | 'initial' | 'run-now' | 'validate';

/** RUN_NOW_ANNOTATION on an AwsCheck asks for one run now; each new value asks again. */
export const RUN_NOW_ANNOTATION = 'awscheck.io/run-now';

/** REVALIDATE_ANNOTATION on an AwsCredentialRef asks for a validation now; each new value asks again. */
export const REVALIDATE_ANNOTATION = 'awscheck.io/revalidate';

/** JOB_NAME_LABEL is set by the job controller on the Pods of a Job. */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
