import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type {
  AwsCredentialRef,
  AwsCredentialRefSpec,
  AwsCredentialRefStatus,
} from '../api/v1alpha1/awscredentialref.ts';
import type { Condition } from '../api/v1alpha1/common.ts';
import { CheckerResultSchema, type ValidateResult } from '../checker/result.ts';
import { loadConfig } from '../config.ts';
import { findCondition } from './conditions.ts';
import { planCredential, type CredentialFacts } from './credential-plan.ts';
import { validationJobName } from './names.ts';
import type { LastRun, RunObservation } from './run-outcome.ts';

const config = loadConfig({ AWSCHECK_CHECKER_IMAGE: 'img', AWSCHECK_NAMESPACE: 'ops' });
const NOW = new Date('2024-06-01T12:30:00Z');
const ROLE = 'arn:aws:iam::123456789012:role/ReadOnly';
const IDENTITY = {
  accountId: '123456789012',
  arn: 'arn:aws:iam::123456789012:user/checker',
  userId: 'AIDAEXAMPLE',
};
/** VALIDATED_AT is when the validation run of the factories finishes. */
const VALIDATED_AT = '2024-06-01T10:01:00Z';

function ref(
  extra: {
    spec?: Partial<AwsCredentialRefSpec>;
    status?: AwsCredentialRefStatus;
    generation?: number;
  } = {},
): AwsCredentialRef {
  return {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCredentialRef',
    metadata: {
      name: 'prod',
      namespace: 'team-a',
      uid: 'ref-uid',
      generation: extra.generation ?? 1,
    },
    spec: { region: 'us-east-1', secretRef: { name: 'keys' }, ...extra.spec },
    ...(extra.status !== undefined && { status: extra.status }),
  };
}

function facts(
  theRef: AwsCredentialRef,
  validation?: RunObservation,
  checkRuns: CredentialFacts['checkRuns'] = [],
): CredentialFacts {
  return { ref: theRef, externalId: 'tenant-ext-1', validation, checkRuns, now: NOW };
}

/** validation is a finished `checker validate` run whose result passes the shared schema. */
function validation(outcome: 'Succeeded' | 'AuthenticationFailed'): RunObservation {
  const failed = outcome !== 'Succeeded';
  const result: ValidateResult = {
    kind: 'validate',
    v: 1,
    outcome: failed ? 'Failed' : 'Succeeded',
    message: failed ? 'the keys were refused' : 'authenticated',
    startTime: '2024-06-01T10:00:00Z',
    durationMs: 500,
    truncated: false,
    ...(failed
      ? {
          reason: 'AuthenticationFailed' as const,
          error: {
            category: 'AuthenticationFailed' as const,
            code: 'InvalidClientTokenId',
            message: 'The security token included in the request is invalid',
            operation: 'sts:GetCallerIdentity',
          },
        }
      : { identity: IDENTITY }),
  };
  const job: V1Job = {
    metadata: { name: validationJobName('prod', 1) },
    status: {
      startTime: new Date('2024-06-01T10:00:00Z'),
      completionTime: new Date(VALIDATED_AT),
      conditions: [{ type: failed ? 'Failed' : 'Complete', status: 'True' }],
    },
  };
  const pod: V1Pod = {
    status: {
      containerStatuses: [
        {
          name: 'checker',
          image: 'img',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: {
            terminated: {
              exitCode: failed ? 10 : 0,
              message: JSON.stringify(CheckerResultSchema.parse(result)),
            },
          },
        },
      ],
    },
  };
  return { job, pod };
}

function checkRun(
  completed: string,
  reason?: 'AuthenticationFailed' | 'PermissionDenied',
): LastRun {
  return {
    jobName: 'web-1',
    startTime: '2024-06-01T00:00:00Z',
    completionTime: completed,
    outcome: reason === undefined ? 'Succeeded' : 'Failed',
    ...(reason !== undefined && { reason }),
    message: reason === undefined ? 'all healthy' : `${reason} on the first call`,
  };
}

function conditionOf(status: AwsCredentialRefStatus, type: string): Condition | undefined {
  return findCondition(status.conditions, type);
}

function types(status: AwsCredentialRefStatus): string[] {
  return (status.conditions ?? []).map((c) => c.type);
}

describe('planCredential: first reconcile', () => {
  const plan = planCredential(facts(ref()), config);

  it('starts a validation Job that never retries', () => {
    expect(plan.validationJob?.metadata?.name).toBe(validationJobName('prod', 1));
    expect(plan.validationJob?.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 120 });
    expect(plan.validationJob?.spec?.template.spec?.containers[0]?.args?.[0]).toBe('validate');
  });

  it('labels the Job and makes the ref its owner', () => {
    expect(plan.validationJob?.metadata?.labels).toEqual({
      'app.kubernetes.io/managed-by': 'awscheck-operator',
      'awscheck.io/credential-ref': 'prod',
      'awscheck.io/run': 'validate',
    });
    expect(plan.validationJob?.metadata?.ownerReferences).toEqual([
      {
        apiVersion: 'awscheck.io/v1alpha1',
        kind: 'AwsCredentialRef',
        name: 'prod',
        uid: 'ref-uid',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });

  it('is Ready Unknown and Reconciling', () => {
    expect(types(plan.status)).toEqual(['Ready', 'Reconciling']);
    expect(conditionOf(plan.status, 'Ready')).toMatchObject({
      status: 'Unknown',
      reason: 'CredentialsPending',
    });
    expect(conditionOf(plan.status, 'Reconciling')?.status).toBe('True');
  });

  it('starts no second Job while the validation runs', () => {
    const running: RunObservation = { job: { metadata: { name: 'v' } }, pod: undefined };
    expect(planCredential(facts(ref(), running), config).validationJob).toBeUndefined();
  });
});

describe('planCredential: validation result', () => {
  it('is Ready with the identity after a successful validation', () => {
    const plan = planCredential(facts(ref(), validation('Succeeded')), config);
    expect(types(plan.status)).toEqual(['Ready']);
    expect(conditionOf(plan.status, 'Ready')).toMatchObject({
      status: 'True',
      reason: 'Validated',
      message: `Authenticated as ${IDENTITY.arn}`,
    });
    expect(plan.status.identity).toEqual(IDENTITY);
    expect(plan.status.lastValidatedTime).toBe(VALIDATED_AT);
    expect(plan.validationJob).toBeUndefined();
  });

  it('is not Ready and Stalled after AuthenticationFailed', () => {
    const plan = planCredential(facts(ref(), validation('AuthenticationFailed')), config);
    expect(types(plan.status)).toEqual(['Ready', 'Stalled']);
    expect(conditionOf(plan.status, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'AuthenticationFailed',
    });
    expect(conditionOf(plan.status, 'Ready')?.message).toMatch(
      /^validation: the keys were refused \(code InvalidClientTokenId, call sts:GetCallerIdentity\)$/,
    );
    expect(plan.status.lastValidatedTime).toBeUndefined();
  });
});

describe('planCredential: newest evidence wins', () => {
  const at11 = '2024-06-01T11:00:00Z';
  it.each<{
    rule: string;
    validated: 'Succeeded' | 'AuthenticationFailed';
    runs: LastRun[];
    status: Condition['status'];
    reason: string;
  }>([
    {
      rule: 'a newer run refused at sign-in overrules a successful validation',
      validated: 'Succeeded',
      runs: [checkRun(at11, 'AuthenticationFailed')],
      status: 'False',
      reason: 'AuthenticationFailed',
    },
    {
      rule: 'a newer successful run overrules a failed validation',
      validated: 'AuthenticationFailed',
      runs: [checkRun(at11)],
      status: 'True',
      reason: 'Validated',
    },
    {
      rule: 'an older successful run does not overrule a failed validation',
      validated: 'AuthenticationFailed',
      runs: [checkRun('2024-06-01T09:00:00Z')],
      status: 'False',
      reason: 'AuthenticationFailed',
    },
    {
      rule: 'a newer run denied past sign-in says nothing about the credentials',
      validated: 'Succeeded',
      runs: [checkRun(at11, 'PermissionDenied')],
      status: 'True',
      reason: 'Validated',
    },
    {
      rule: 'the newest of several runs decides',
      validated: 'AuthenticationFailed',
      runs: [checkRun(at11, 'AuthenticationFailed'), checkRun('2024-06-01T11:30:00Z')],
      status: 'True',
      reason: 'Validated',
    },
  ])('$rule', ({ validated, runs, status, reason }) => {
    const checkRuns = runs.map((lastRun) => ({ check: 'web', lastRun }));
    const plan = planCredential(facts(ref(), validation(validated), checkRuns), config);
    expect(conditionOf(plan.status, 'Ready')).toMatchObject({ status, reason });
    expect(conditionOf(plan.status, 'Stalled') !== undefined).toBe(status === 'False');
  });

  it('names the check whose run was refused', () => {
    const checkRuns = [
      { check: 'web', lastRun: checkRun('2024-06-01T11:00:00Z', 'AuthenticationFailed') },
    ];
    const plan = planCredential(facts(ref(), validation('Succeeded'), checkRuns), config);
    expect(conditionOf(plan.status, 'Ready')?.message).toMatch(/^run of AwsCheck web: /);
  });
});

describe('planCredential: platform identity', () => {
  const roleOnly = { assumeRole: { roleArn: ROLE, durationSeconds: 900 } };

  it('refuses assumeRole without secretRef unless allowed, and starts no Job', () => {
    const plan = planCredential(
      facts(ref({ spec: { ...roleOnly, secretRef: undefined } })),
      config,
    );
    expect(plan.validationJob).toBeUndefined();
    expect(conditionOf(plan.status, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'InvalidConfiguration',
    });
    expect(conditionOf(plan.status, 'Stalled')?.status).toBe('True');
  });

  it('validates assumeRole without secretRef when allowed', () => {
    const allowed = { ...config, allowPlatformIdentity: true };
    const spec: AwsCredentialRefSpec = { region: 'us-east-1', ...roleOnly };
    const theRef: AwsCredentialRef = { ...ref(), spec };
    const plan = planCredential(facts(theRef), allowed);
    expect(plan.validationJob?.spec?.template.spec?.containers[0]?.args).toContain(
      '--default-chain',
    );
  });
});

describe('planCredential: status bookkeeping', () => {
  it.each([
    ['on the first reconcile', facts(ref())],
    ['after a validation', facts(ref(), validation('Succeeded'))],
    ['after a failed validation', facts(ref(), validation('AuthenticationFailed'))],
  ])('always carries the externalId and generation %s', (_case, theFacts) => {
    const { status } = planCredential(theFacts, config);
    expect(status.externalId).toBe('tenant-ext-1');
    expect(status.observedGeneration).toBe(1);
  });

  it('starts no validation Job when the status already covers this generation', () => {
    const validated = planCredential(facts(ref(), validation('Succeeded')), config).status;
    const plan = planCredential(facts(ref({ status: validated })), config);
    expect(plan.validationJob).toBeUndefined();
  });

  it('keeps Ready once the validation Job is gone', () => {
    const validated = planCredential(facts(ref(), validation('Succeeded')), config).status;
    const plan = planCredential(facts(ref({ status: validated })), config);
    expect(conditionOf(plan.status, 'Ready')).toMatchObject({
      status: 'True',
      reason: 'Validated',
    });
    expect(plan.status).toEqual(validated);
  });

  it('ignores a validation run whose Pod is gone', () => {
    const validated = planCredential(facts(ref(), validation('Succeeded')), config).status;
    const withoutPod = { ...validation('Succeeded'), pod: undefined };
    const plan = planCredential(facts(ref({ status: validated }), withoutPod), config);
    expect(conditionOf(plan.status, 'Ready')?.status).toBe('True');
  });

  it('starts a validation Job for a new generation', () => {
    const validated = planCredential(facts(ref(), validation('Succeeded')), config).status;
    const plan = planCredential(facts(ref({ status: validated, generation: 2 })), config);
    expect(plan.validationJob?.metadata?.name).toBe(validationJobName('prod', 2));
  });

  it('keeps lastValidatedTime and identity after a later failure', () => {
    const validated = planCredential(facts(ref(), validation('Succeeded')), config).status;
    const failedRun = [
      { check: 'web', lastRun: checkRun('2024-06-01T11:00:00Z', 'AuthenticationFailed') },
    ];
    const plan = planCredential(
      facts(ref({ status: validated }), validation('Succeeded'), failedRun),
      config,
    );
    expect(plan.status.identity).toEqual(IDENTITY);
    expect(plan.status.lastValidatedTime).toBe(VALIDATED_AT);
  });

  it('writes nothing new when planned again from its own status', () => {
    const first = planCredential(facts(ref(), validation('Succeeded')), config).status;
    const again = planCredential(facts(ref({ status: first }), validation('Succeeded')), config);
    expect(again.status).toEqual(first);
  });
});
