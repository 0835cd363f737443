// The sample objects both GitOps health checks are judged on, and what each should say.
// Every status is the one the operator writes: built by its own pure planners
// (planCheck, planCredential) from the facts of each situation, then stored as JSON, as
// the apiserver hands it to Argo CD and Flux.
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { AwsCheck, AwsCheckSpec } from '../../v1alpha1/awscheck.ts';
import type { AwsCredentialRef } from '../../v1alpha1/awscredentialref.ts';
import { CheckerResultSchema, type RunResult } from '../../../checker/result.ts';
import { loadConfig } from '../../../config.ts';
import { GENERATION_ANNOTATION } from '../../../labels.ts';
import { planCheck, type CheckFacts } from '../../../controller/check-plan.ts';
import { planCredential } from '../../../controller/credential-plan.ts';
import {
  checkGate,
  credentialGate,
  namespacePlan,
  UNLIMITED,
  type PlanGate,
} from '../../../controller/plan-limits.ts';
import type { RunObservation } from '../../../controller/run-outcome.ts';
import { defaultCatalog } from '../../../plans/catalog.ts';
import { PLAN_LABEL, TENANT_LABEL } from '../../../plans/tenancy.ts';

/** ArgoStatus is an Argo CD health status. */
export type ArgoStatus = 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended';

/**
 * FluxStatus is the kstatus Flux computes with healthCheckExprs; Unknown is an expression
 * that cannot be evaluated yet (the object has no status): Flux keeps waiting, as for
 * InProgress, until the status appears or the Kustomization's timeout.
 */
export type FluxStatus = 'Current' | 'InProgress' | 'Failed' | 'Unknown';

/** HealthCase is one sample object and what both health checks must say about it. */
export interface HealthCase {
  readonly name: string;
  readonly object: AwsCheck | AwsCredentialRef;
  readonly argo: ArgoStatus;
  /** Words the Argo CD message must contain. */
  readonly argoMessage: string;
  readonly flux: FluxStatus;
}

const config = loadConfig({ AWSCHECK_CHECKER_IMAGE: 'img', AWSCHECK_NAMESPACE: 'ops' });
const NOW = new Date('2026-03-02T09:00:00Z');
const STARTED = '2026-03-02T08:59:00Z';
const IDENTITY = {
  accountId: '123456789012',
  arn: 'arn:aws:iam::123456789012:user/checker',
  userId: 'AIDAEXAMPLE',
};

function check(spec: Partial<AwsCheckSpec> = {}, generation = 1): AwsCheck {
  return {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCheck',
    metadata: { name: 'web', namespace: 'team-a', uid: 'check-uid', generation },
    spec: {
      credentialRef: { name: 'prod' },
      service: 'ec2',
      type: 'HealthCheck',
      schedule: '@daily',
      suspend: false,
      firstRun: 'Immediately',
      timeoutSeconds: 300,
      ...spec,
    },
  };
}

function credentialRef(generation = 1): AwsCredentialRef {
  return {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCredentialRef',
    metadata: { name: 'prod', namespace: 'team-a', uid: 'ref-uid', generation },
    spec: { region: 'us-east-1', secretRef: { name: 'aws-keys' } },
  };
}

/** asStored is an object as the apiserver returns it: JSON, without undefined fields. */
function asStored<T>(object: T): T {
  return JSON.parse(JSON.stringify(object)) as T;
}

// finishedJob is a Job that ended at NOW with its checker Pod's termination message.
function finishedJob(
  name: string,
  generation: number,
  message: object,
  failed: boolean,
): RunObservation {
  const job: V1Job = {
    metadata: {
      name,
      uid: `${name}-uid`,
      annotations: { [GENERATION_ANNOTATION]: String(generation) },
    },
    spec: { template: {}, activeDeadlineSeconds: 330 },
    status: {
      startTime: new Date(STARTED),
      completionTime: NOW,
      conditions: [{ type: failed ? 'Failed' : 'Complete', status: 'True' }],
    },
  };
  const terminated = {
    exitCode: failed ? 2 : 0,
    message: JSON.stringify(CheckerResultSchema.parse(message)),
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
          state: { terminated },
        },
      ],
    },
  };
  return { job, pod };
}

function checkRun(outcome: 'Succeeded' | 'ResourcesUnhealthy'): RunObservation {
  const failed = outcome !== 'Succeeded';
  const result: RunResult = {
    kind: 'run',
    service: 'ec2',
    type: 'health_check',
    v: 1,
    outcome: failed ? 'Failed' : 'Succeeded',
    ...(failed && { reason: 'ResourcesUnhealthy' as const }),
    message: failed ? '1 of 3 instances unhealthy' : '3 instances, all healthy',
    startTime: STARTED,
    durationMs: 1200,
    truncated: false,
    resources: 3,
    unhealthy: failed ? 1 : 0,
    regions: { 'us-east-1': { resources: 3, unhealthy: failed ? 1 : 0 } },
    findings: failed
      ? [
          {
            region: 'us-east-1',
            id: 'i-0abc',
            state: 'impaired',
            problems: ['system status impaired'],
          },
        ]
      : [],
  };
  return finishedJob('web-g1', 1, result, failed);
}

function validationRun(outcome: 'Succeeded' | 'AuthenticationFailed'): RunObservation {
  const failed = outcome !== 'Succeeded';
  const result = {
    kind: 'validate',
    v: 1,
    outcome: failed ? 'Failed' : 'Succeeded',
    message: failed ? 'the keys were refused' : 'authenticated',
    startTime: STARTED,
    durationMs: 500,
    truncated: false,
    ...(failed
      ? {
          reason: 'AuthenticationFailed',
          error: {
            category: 'AuthenticationFailed',
            code: 'InvalidClientTokenId',
            message: 'The security token included in the request is invalid',
            operation: 'sts:GetCallerIdentity',
          },
        }
      : { identity: IDENTITY }),
  };
  return finishedJob('prod-v1', 1, result, failed);
}

const catalog = { ok: true, catalog: defaultCatalog() } as const;

function tenantPlan(plan: 'free' | 'suspended'): ReturnType<typeof namespacePlan> {
  return namespacePlan({ [TENANT_LABEL]: 'team-a', [PLAN_LABEL]: plan }, catalog);
}

const FIRST = { index: 0, of: 1 };

function checkPlanGate(plan: 'free' | 'suspended', spec: AwsCheckSpec): PlanGate {
  const credential = { name: 'prod', rank: FIRST };
  return checkGate({ namespace: tenantPlan(plan), name: 'web', spec, rank: FIRST, credential });
}

/** credentialWith is the credential ref with the status its planner writes for `validation`. */
function credentialWith(
  validation: RunObservation | undefined,
  plan: PlanGate = UNLIMITED,
  generation = 1,
): AwsCredentialRef {
  const ref = credentialRef(generation);
  const validations = validation === undefined ? [] : [validation];
  const facts = { ref, externalId: 'ext-1', plan, validations, checkRuns: [], now: NOW };
  return asStored({ ...ref, status: planCredential(facts, config).status });
}

interface CheckSituation {
  readonly spec?: Partial<AwsCheckSpec>;
  readonly credential?: CheckFacts['credential'];
  readonly runs?: readonly RunObservation[];
  readonly plan?: 'free' | 'suspended';
}

/** checkWith is the check with the status its planner writes in `situation`. */
function checkWith(situation: CheckSituation): AwsCheck {
  const theCheck = check(situation.spec);
  const plan =
    situation.plan === undefined ? UNLIMITED : checkPlanGate(situation.plan, theCheck.spec);
  const facts: CheckFacts = {
    check: theCheck,
    credential: situation.credential ?? credentialWith(validationRun('Succeeded')),
    externalId: 'ext-1',
    plan,
    runs: situation.runs ?? [],
    now: NOW,
  };
  return asStored({ ...theCheck, status: planCheck(facts, config).status });
}

// respecified: the object after a spec change the operator has not seen yet.
function respecified<T extends AwsCheck | AwsCredentialRef>(object: T): T {
  return { ...object, metadata: { ...object.metadata, generation: 2 } };
}

/** HEALTH_CASES: the shared table; the Lua and the CEL must agree with every row. */
export const HEALTH_CASES: readonly HealthCase[] = [
  {
    name: 'check: fresh, no status yet',
    object: check(),
    argo: 'Progressing',
    argoMessage: 'generation 1',
    flux: 'Unknown',
  },
  {
    name: 'check: reconciling, credentials being validated',
    object: checkWith({ credential: credentialWith(undefined) }),
    argo: 'Progressing',
    argoMessage: 'CredentialsPending',
    flux: 'InProgress',
  },
  {
    name: 'check: scheduled, first run under way (firstRun Immediately)',
    object: checkWith({}),
    argo: 'Progressing',
    argoMessage: 'AwaitingFirstRun',
    flux: 'InProgress',
  },
  {
    name: 'check: scheduled, first run at the schedule (firstRun OnSchedule)',
    object: checkWith({ spec: { firstRun: 'OnSchedule' } }),
    argo: 'Healthy',
    argoMessage: 'the first run is at 2026-03-03T00:00:00Z',
    flux: 'Current',
  },
  {
    name: 'check: ready and healthy',
    object: checkWith({ runs: [checkRun('Succeeded')] }),
    argo: 'Healthy',
    argoMessage: 'RunSucceeded: 3 instances, all healthy',
    flux: 'Current',
  },
  {
    name: 'check: ready, latest run failed (ResourcesUnhealthy)',
    object: checkWith({ runs: [checkRun('ResourcesUnhealthy')] }),
    argo: 'Degraded',
    argoMessage: 'ResourcesUnhealthy: 1 of 3 instances unhealthy',
    flux: 'Failed',
  },
  {
    name: 'check: stalled, PlanLimitExceeded',
    object: checkWith({ plan: 'free', spec: { service: 'lambda' } }),
    argo: 'Degraded',
    argoMessage: 'PlanLimitExceeded',
    flux: 'Failed',
  },
  {
    name: 'check: stalled, SubscriptionInactive',
    object: checkWith({ plan: 'suspended' }),
    argo: 'Degraded',
    argoMessage: 'SubscriptionInactive',
    flux: 'Failed',
  },
  {
    name: 'check: stalled, credential ref missing',
    object: checkWith({ credential: { problem: 'AwsCredentialRef prod does not exist' } }),
    argo: 'Degraded',
    argoMessage: 'InvalidConfiguration: AwsCredentialRef prod does not exist',
    flux: 'Failed',
  },
  {
    name: 'check: stalled, credentials refused',
    object: checkWith({ credential: credentialWith(validationRun('AuthenticationFailed')) }),
    argo: 'Degraded',
    argoMessage: 'AuthenticationFailed',
    flux: 'Failed',
  },
  {
    name: 'check: spec changed, not observed yet',
    object: respecified(checkWith({ runs: [checkRun('Succeeded')] })),
    argo: 'Progressing',
    argoMessage: 'generation 2',
    flux: 'InProgress',
  },
  {
    name: 'check: suspended',
    object: checkWith({ spec: { suspend: true }, runs: [checkRun('Succeeded')] }),
    argo: 'Suspended',
    argoMessage: 'Scheduling is suspended; latest run: RunSucceeded',
    flux: 'Current',
  },
  {
    name: 'credential ref: fresh, no status yet',
    object: credentialRef(),
    argo: 'Progressing',
    argoMessage: 'generation 1',
    flux: 'Unknown',
  },
  {
    name: 'credential ref: being validated',
    object: credentialWith(undefined),
    argo: 'Progressing',
    argoMessage: 'CredentialsPending',
    flux: 'InProgress',
  },
  {
    name: 'credential ref: valid',
    object: credentialWith(validationRun('Succeeded')),
    argo: 'Healthy',
    argoMessage: `Validated: Authenticated as ${IDENTITY.arn}`,
    flux: 'Current',
  },
  {
    name: 'credential ref: invalid (AuthenticationFailed)',
    object: credentialWith(validationRun('AuthenticationFailed')),
    argo: 'Degraded',
    argoMessage: 'AuthenticationFailed',
    flux: 'Failed',
  },
  {
    name: 'credential ref: stalled, SubscriptionInactive',
    object: credentialWith(
      undefined,
      credentialGate({ namespace: tenantPlan('suspended'), name: 'prod', rank: FIRST }),
    ),
    argo: 'Degraded',
    argoMessage: 'SubscriptionInactive',
    flux: 'Failed',
  },
  {
    name: 'credential ref: spec changed, not observed yet',
    object: respecified(credentialWith(validationRun('Succeeded'))),
    argo: 'Progressing',
    argoMessage: 'generation 2',
    flux: 'InProgress',
  },
];
