// AwsCredentialRef: where an AwsCheck's AWS credentials come from. The schema is the type;
// the CRD crds/awscheck.io_awscredentialrefs.yaml is generated from it.
import { z } from 'zod';
import { FAILURE_REASONS } from './reasons.ts';
import {
  API_VERSION,
  Conditions,
  LocalObjectReference,
  ObjectMeta,
  ObjectName,
  Region,
  Time,
} from './common.ts';
import { AGE_COLUMN, CATEGORIES, conditionColumn, type KindDefinition } from './kind.ts';
import { matching, text, withRules } from './rules.ts';

/** ROLE_ARN_PATTERN is an IAM role ARN in any AWS partition. */
const ROLE_ARN_PATTERN =
  '^arn:aws(-cn|-us-gov|-iso|-iso-[a-z]|-eusc)?:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$';

/** AssumeRole describes the role the checker assumes with STS AssumeRole. */
export const AssumeRole = z.object({
  roleArn: matching(
    ROLE_ARN_PATTERN,
    2048,
    'roleArn must be an IAM role ARN such as arn:aws:iam::123456789012:role/AwsCheckReadOnly',
  ).meta({
    description:
      'ARN of the IAM role to assume. Its trust policy must require the ExternalId shown in status.externalId.',
  }),
  sessionName: matching(
    '^[A-Za-z0-9+=,.@_-]{2,64}$',
    64,
    'sessionName must be 2 to 64 letters, digits or any of + = , . @ _ -',
  )
    .optional()
    .meta({
      description:
        'Role session name, visible in CloudTrail. Defaults to one naming the namespace and object.',
    }),
  durationSeconds: z.int().min(900).max(43200).default(900).meta({
    description:
      'How long the assumed-role credentials last, in seconds (900 to 43200; the role’s maximum session duration must allow it).',
  }),
});

/** AwsCredentialRefSpec is what the user declares: at least one credential source. */
export const AwsCredentialRefSpec = withRules(
  z.object({
    region: Region.default('us-east-1').meta({
      description:
        'Region for STS calls, and the region an AwsCheck uses when it names none itself.',
    }),
    secretRef: LocalObjectReference.optional().meta({
      description:
        'A Secret in the same namespace holding long-lived keys under AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optionally AWS_SESSION_TOKEN. The checker reads it as files at run time, so a rotated key is used on the next run.',
    }),
    assumeRole: AssumeRole.optional().meta({
      description:
        'A role to assume, starting from the Secret’s keys or, without secretRef, from the platform identity (only where the operator allows it).',
    }),
  }),
  [
    {
      rule: 'has(self.secretRef) || has(self.assumeRole)',
      message: 'set secretRef, assumeRole or both: a credential ref needs a source',
      fieldPath: '.secretRef',
      reason: 'FieldValueRequired',
      holds: (spec) => spec.secretRef !== undefined || spec.assumeRole !== undefined,
    },
  ],
).meta({ description: 'Where the credentials come from.' });
export type AwsCredentialRefSpec = z.output<typeof AwsCredentialRefSpec>;

/** AwsIdentity is who the credentials are, as STS GetCallerIdentity answers. */
export const AwsIdentity = z.object({
  accountId: matching('^[0-9]{12}$', 12, 'accountId must be 12 digits').meta({
    description: 'The AWS account id.',
  }),
  arn: text(2048).meta({ description: 'The ARN of the identity the checker ran as.' }),
  userId: text(256).meta({ description: 'The unique id of that identity.' }),
});

/** MAX_REVALIDATE_TOKEN bounds the revalidate annotation's value, as the run-now token. */
export const MAX_REVALIDATE_TOKEN = 253;

/** Validation is the latest validation run that ended, as the operator recorded it. */
export const Validation = z.object({
  jobName: ObjectName.meta({ description: 'The Job that validated.' }),
  generation: z.int().min(0).max(Number.MAX_SAFE_INTEGER).meta({
    description: 'The .metadata.generation of the credential ref it validated.',
  }),
  completionTime: Time.meta({ description: 'When the validation ended.' }),
  outcome: z.enum(['Succeeded', 'Failed']).meta({ description: 'Succeeded or Failed.' }),
  reason: z.enum(FAILURE_REASONS).optional().meta({ description: 'Why it failed.' }),
  message: text(4096).meta({ description: 'A one-line summary of the validation.' }),
});
export type Validation = z.output<typeof Validation>;

/** AwsCredentialRefStatus is what the operator observed, written through the status subresource. */
export const AwsCredentialRefStatus = z
  .object({
    observedGeneration: z.int().min(0).max(Number.MAX_SAFE_INTEGER).optional().meta({
      description: 'The .metadata.generation this status describes.',
    }),
    conditions: Conditions.optional().meta({
      description:
        'Ready is True when a validation run authenticated with these credentials; otherwise its reason is AuthenticationFailed, PermissionDenied, InvalidConfiguration or another error category.',
    }),
    identity: AwsIdentity.optional().meta({
      description: 'Who the credentials are, from the latest successful validation.',
    }),
    externalId: text(1224).optional().meta({
      description:
        'The ExternalId sent with AssumeRole, derived by the platform per tenant. Require it in the role’s trust policy.',
    }),
    lastValidatedTime: Time.optional().meta({
      description: 'When the credentials were last validated successfully.',
    }),
    lastValidation: Validation.optional().meta({
      description: 'The latest validation run that ended, successful or not.',
    }),
    consecutiveFailures: z.int().min(0).max(Number.MAX_SAFE_INTEGER).optional().meta({
      description:
        'How many validations in a row failed; failed credentials are validated again after a delay that doubles with each failure, up to the revalidation interval.',
    }),
    nextValidationTime: Time.optional().meta({
      description: 'When the credentials are validated next, unless something changes first.',
    }),
    revalidateToken: text(MAX_REVALIDATE_TOKEN).optional().meta({
      description:
        'The awscheck.io/revalidate annotation value whose validation was last started; a new value validates again now.',
    }),
  })
  .meta({ description: 'What the operator observed about the credentials.' });
export type AwsCredentialRefStatus = z.output<typeof AwsCredentialRefStatus>;

/** AwsCredentialRefDefinition is the kind as the CRD generator and kubectl see it. */
export const AwsCredentialRefDefinition: KindDefinition = {
  kind: 'AwsCredentialRef',
  plural: 'awscredentialrefs',
  singular: 'awscredentialref',
  shortNames: ['awscred'],
  categories: CATEGORIES,
  description:
    'AwsCredentialRef names the AWS credentials AwsChecks in its namespace run with: keys in a Secret, a role to assume, or both.',
  spec: AwsCredentialRefSpec,
  status: AwsCredentialRefStatus,
  printerColumns: [
    {
      name: 'Secret',
      type: 'string',
      jsonPath: '.spec.secretRef.name',
      description: 'Secret holding the keys.',
    },
    {
      name: 'Role',
      type: 'string',
      jsonPath: '.spec.assumeRole.roleArn',
      description: 'Role assumed.',
    },
    {
      name: 'Account',
      type: 'string',
      jsonPath: '.status.identity.accountId',
      description: 'AWS account the credentials belong to.',
    },
    conditionColumn('Ready', 'Whether the credentials were validated.'),
    {
      name: 'Reason',
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
      description: 'Why the credentials are or are not ready.',
      priority: 1,
    },
    AGE_COLUMN,
  ],
  source: 'operator/api/v1alpha1/awscredentialref.ts',
};

/** AwsCredentialRef is a whole object as the operator reads it from the apiserver. */
export const AwsCredentialRef = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('AwsCredentialRef'),
  metadata: ObjectMeta,
  spec: AwsCredentialRefSpec,
  status: AwsCredentialRefStatus.optional(),
});
export type AwsCredentialRef = z.output<typeof AwsCredentialRef>;
