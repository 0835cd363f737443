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
import { REVALIDATE_ANNOTATION } from '../labels.ts';
import { RETRY_BASE_MS, planCredential, type CredentialFacts } from './credential-plan.ts';
import { UNLIMITED, type PlanGate } from './plan-limits.ts';
import type { LastRun, RunObservation } from './run-outcome.ts';

const config = loadConfig({ AWSCHECK_CHECKER_IMAGE: 'img', AWSCHECK_NAMESPACE: 'ops' });
const NOW = new Date('2024-06-01T10:30:00Z');
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
    token?: string;
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
      ...(extra.token !== undefined && { annotations: { [REVALIDATE_ANNOTATION]: extra.token } }),
    },
    spec: { region: 'us-east-1', secretRef: { name: 'keys' }, ...extra.spec },
    ...(extra.status !== undefined && { status: extra.status }),
  };
}

function facts(
  theRef: AwsCredentialRef,
  validation?: RunObservation,
  checkRuns: CredentialFacts['checkRuns'] = [],
  now: Date = NOW,
): CredentialFacts {
  const validations = validation === undefined ? [] : [validation];
  return { ref: theRef, externalId: 'tenant-ext-1', plan: UNLIMITED, validations, checkRuns, now };
}

function validationJob(name: string, generation = 1, status?: V1Job['status']): V1Job {
  return {
    metadata: {
      name,
      uid: `${name}-uid`,
      annotations: { 'awscheck.io/generation': String(generation) },
    },
    spec: { template: {}, activeDeadlineSeconds: 120 },
    ...(status !== undefined && { status }),
  };
}

/** validation is a finished `checker validate` run whose result passes the shared schema. */
function validation(
  outcome: 'Succeeded' | 'AuthenticationFailed',
  name = 'prod-v1',
): RunObservation {
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
  const job = validationJob(name, 1, {
    startTime: new Date('2024-06-01T10:00:00Z'),
    completionTime: new Date(VALIDATED_AT),
    conditions: [{ type: failed ? 'Failed' : 'Complete', status: 'True' }],
  });
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
    expect(plan.validationJob?.metadata?.name).toMatch(/^prod-v[0-9a-f]{8}$/);
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
    const running: RunObservation = { job: validationJob('v'), pod: undefined };
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
      /^validation prod-v1: the keys were refused \(code InvalidClientTokenId, call sts:GetCallerIdentity\)$/,
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

  it('leaves the status as it is when checks’ runs confirm the Ready it holds', () => {
    const validated = planCredential(facts(ref(), validation('Succeeded')), config).status;
    const runs = [
      { check: 'web', lastRun: checkRun('2024-06-01T11:00:00Z') },
      { check: 'api', lastRun: checkRun('2024-06-01T11:30:00Z') },
    ];
    for (const ran of [runs.slice(0, 1), runs]) {
      const plan = planCredential(facts(ref({ status: validated }), undefined, ran), config);
      expect(plan.status).toEqual(validated);
    }
  });

  it('names the check whose run turned Ready, and keeps it while later runs confirm it', () => {
    const failed = planCredential(facts(ref(), validation('AuthenticationFailed')), config).status;
    const web = { check: 'web', lastRun: checkRun('2024-06-01T11:00:00Z') };
    const turned = planCredential(facts(ref({ status: failed }), undefined, [web]), config).status;
    expect(conditionOf(turned, 'Ready')).toMatchObject({
      status: 'True',
      message: 'AwsCheck web ran with these credentials',
    });
    const api = { check: 'api', lastRun: checkRun('2024-06-01T11:30:00Z') };
    const later = planCredential(facts(ref({ status: turned }), undefined, [web, api]), config);
    expect(later.status).toEqual(turned);
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
    const platformIdentity = { roleArn: ROLE, audience: 'awscheck.io/checker' };
    const allowed = { ...config, platformIdentity };
    const spec: AwsCredentialRefSpec = { region: 'us-east-1', ...roleOnly };
    const theRef: AwsCredentialRef = { ...ref(), spec };
    const plan = planCredential(facts(theRef), allowed);
    expect(plan.validationJob?.spec?.template.spec?.containers[0]?.args).toContain(
      '--web-identity-token-file',
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

  it('starts no validation Job before the next one is due', () => {
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

  it('starts a validation Job for a new generation', () => {
    const validated = planCredential(facts(ref(), validation('Succeeded')), config).status;
    const plan = planCredential(facts(ref({ status: validated, generation: 2 })), config);
    expect(plan.validationJob?.metadata?.annotations?.['awscheck.io/generation']).toBe('2');
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

describe('planCredential: validating again', () => {
  const hour = config.revalidateMs;
  const succeeded = planCredential(facts(ref(), validation('Succeeded')), config).status;
  const failed = planCredential(facts(ref(), validation('AuthenticationFailed')), config).status;
  const at = (ms: number): Date => new Date(Date.parse(VALIDATED_AT) + ms);

  it('validates working credentials again after the revalidation interval', () => {
    const early = planCredential(
      facts(ref({ status: succeeded }), undefined, [], at(hour - 1)),
      config,
    );
    expect(early.validationJob).toBeUndefined();
    expect(early.requeueAfterMs).toBe(1);
    expect(early.status.nextValidationTime).toBe('2024-06-01T11:01:00Z');
    const due = planCredential(facts(ref({ status: succeeded }), undefined, [], at(hour)), config);
    expect(due.validationJob).toBeDefined();
    expect(due.status.nextValidationTime).toBeUndefined();
  });

  it('retries failed credentials after a delay that doubles, up to the interval', () => {
    const delays = [1, 2, 3, 10, 20].map((failures) => {
      const status = { ...failed, consecutiveFailures: failures };
      return (
        Date.parse(
          planCredential(facts(ref({ status }), undefined, [], at(1)), config).status
            .nextValidationTime ?? '',
        ) - Date.parse(VALIDATED_AT)
      );
    });
    expect(delays).toEqual([RETRY_BASE_MS, 2 * RETRY_BASE_MS, 4 * RETRY_BASE_MS, hour, hour]);
  });

  it('counts failed validations in a row and clears the count on success', () => {
    expect(failed.consecutiveFailures).toBe(1);
    const again = planCredential(
      facts(
        ref({ status: failed }),
        validation('AuthenticationFailed', 'prod-v2'),
        [],
        at(RETRY_BASE_MS + 60_000),
      ),
      config,
    );
    expect(again.status.consecutiveFailures).toBe(2);
    const healed = planCredential(
      facts(ref({ status: again.status }), validation('Succeeded', 'prod-v3')),
      config,
    );
    expect(healed.status.consecutiveFailures).toBe(0);
    expect(conditionOf(healed.status, 'Ready')?.status).toBe('True');
  });

  it('gives each validation a new Job name, the same one after a restart', () => {
    const first = planCredential(
      facts(ref({ status: succeeded }), undefined, [], at(hour)),
      config,
    );
    const restarted = planCredential(
      facts(ref({ status: succeeded }), undefined, [], at(hour + 5)),
      config,
    );
    const initial = planCredential(facts(ref()), config);
    expect(first.validationJob?.metadata?.name).toBe(restarted.validationJob?.metadata?.name);
    expect(first.validationJob?.metadata?.name).not.toBe(initial.validationJob?.metadata?.name);
  });

  it('validates at once for a new revalidate token, and records the token', () => {
    const plan = planCredential(facts(ref({ status: succeeded, token: 'rotated' })), config);
    expect(plan.validationJob).toBeDefined();
    expect(plan.status.revalidateToken).toBe('rotated');
    const handled = planCredential(
      facts(ref({ status: { ...succeeded, revalidateToken: 'rotated' }, token: 'rotated' })),
      config,
    );
    expect(handled.validationJob).toBeUndefined();
  });

  it('refuses a revalidate token longer than 253 characters', () => {
    const plan = planCredential(facts(ref({ status: succeeded, token: 'x'.repeat(254) })), config);
    expect(plan.validationJob).toBeUndefined();
    expect(conditionOf(plan.status, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'InvalidConfiguration',
    });
  });

  it('looks again when a finished validation’s Pod end is due, not only at the next resync', () => {
    const job = validationJob('prod-v8', 1, {
      startTime: new Date('2024-06-01T10:29:00Z'),
      completionTime: new Date('2024-06-01T10:29:50Z'),
      conditions: [{ type: 'Complete', status: 'True' }],
    });
    const plan = planCredential(facts(ref({ status: succeeded }), { job, pod: undefined }), config);
    expect(plan.requeueAfterMs).toBe(Date.parse('2024-06-01T10:30:50Z') - NOW.getTime());
  });

  it('records a validation stopped at its deadline, Pod gone, as DeadlineExceeded', () => {
    const job = validationJob('prod-v9', 1, {
      startTime: new Date('2024-06-01T10:00:00Z'),
      conditions: [
        {
          type: 'Failed',
          status: 'True',
          reason: 'DeadlineExceeded',
          lastTransitionTime: new Date('2024-06-01T10:02:00Z'),
        },
      ],
    });
    const plan = planCredential(facts(ref(), { job, pod: undefined }), config);
    expect(conditionOf(plan.status, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'DeadlineExceeded',
    });
    expect(plan.status.lastValidation).toMatchObject({ jobName: 'prod-v9', outcome: 'Failed' });
  });

  it('deletes recorded validations but the latest, and those of other generations', () => {
    const old = { job: validationJob('prod-v0', 0), pod: undefined };
    const plan = planCredential(
      {
        ...facts(ref(), validation('Succeeded')),
        validations: [validation('AuthenticationFailed', 'prod-v0b'), validation('Succeeded'), old],
      },
      config,
    );
    expect([...plan.deletions].sort()).toEqual(['prod-v0', 'prod-v0b']);
  });
});

describe('planCredential: the tenant’s plan', () => {
  it.each(['PlanLimitExceeded', 'SubscriptionInactive'])(
    '%s: no validation Job, Ready False and Stalled with the plan’s words',
    (reason) => {
      const gate: PlanGate = {
        ok: false,
        ready: { type: 'Ready', status: 'False', reason, message: `the plan says ${reason}` },
      };
      const plan = planCredential({ ...facts(ref()), plan: gate }, config);

      expect(plan.validationJob).toBeUndefined();
      expect(plan.requeueAfterMs).toBeUndefined();
      const conditions = plan.status.conditions ?? [];
      expect(conditions.find((c) => c.type === 'Ready')).toMatchObject(gate.ready);
      expect(conditions.find((c) => c.type === 'Stalled')).toMatchObject({
        status: 'True',
        reason,
      });
    },
  );

  it.each<[string, PlanGate, boolean | undefined]>([
    [
      'under a plan: suspended, for the run queue',
      { ok: true, resources: undefined, queued: true },
      true,
    ],
    ['without a plan: running, as always', UNLIMITED, undefined],
  ])('creates the validation Job %s', (_, gate, suspend) => {
    const plan = planCredential({ ...facts(ref()), plan: gate }, config);
    expect(plan.validationJob?.spec?.suspend).toBe(suspend);
  });

  it('validates with the plan’s CPU and memory, request equal to limit', () => {
    const gate: PlanGate = {
      ok: true,
      resources: { cpu: '250m', cpuLimit: '250m', memory: '1Gi' },
    };
    const plan = planCredential({ ...facts(ref()), plan: gate }, config);

    expect(plan.validationJob?.spec?.template.spec?.containers[0]?.resources).toEqual({
      requests: { cpu: '250m', memory: '1Gi' },
      limits: { cpu: '250m', memory: '1Gi' },
    });
  });
});
