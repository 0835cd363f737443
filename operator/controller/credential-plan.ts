// Evaluate: the state an AwsCredentialRef should be in. Ready follows the newest evidence
// about its credentials: its validation run, or any check's run that authenticated (or
// failed to). Pure, like check-plan.
import type { V1Job } from '@kubernetes/client-node';
import type { AwsCredentialRef, AwsCredentialRefStatus } from '../api/v1alpha1/awscredentialref.ts';
import { parseTerminationMessage } from '../checker/result.ts';
import type { OperatorConfig } from '../config.ts';
import { CREDENTIAL_LABEL, MANAGED_BY, RUN_KIND_LABEL } from '../labels.ts';
import { checkerPodTemplate, validateArgs, type CredentialInput } from './checker-pod.ts';
import { describeRun } from './check-plan.ts';
import { setConditions, type ConditionInput } from './conditions.ts';
import { ownerReference } from './cronjob.ts';
import { validationJobName } from './names.ts';
import { runOutcome, type LastRun, type RunObservation } from './run-outcome.ts';

/** VALIDATION_DEADLINE_SECONDS bounds a validation run. */
export const VALIDATION_DEADLINE_SECONDS = 120;

/** CredentialFacts is everything gathered about one AwsCredentialRef. */
export interface CredentialFacts {
  readonly ref: AwsCredentialRef;
  readonly externalId: string;
  /** The validation run of the current generation, if it exists. */
  readonly validation: RunObservation | undefined;
  /** The latest run of every AwsCheck that uses this ref. */
  readonly checkRuns: readonly { readonly check: string; readonly lastRun: LastRun }[];
  readonly now: Date;
}

/** CredentialPlan is what the controller writes. */
export interface CredentialPlan {
  readonly validationJob: V1Job | undefined;
  readonly status: AwsCredentialRefStatus;
}

interface Evidence {
  readonly time: string;
  readonly ready: ConditionInput;
}

/** planCredential decides the desired state of one AwsCredentialRef. */
export function planCredential(facts: CredentialFacts, config: OperatorConfig): CredentialPlan {
  const { ref } = facts;
  const generation = ref.metadata.generation ?? 0;
  const refused = refusal(ref, config);
  const validated = refused ? undefined : validationResult(facts);
  const ready =
    refused ?? newestEvidence(facts, validated?.evidence) ?? earlierValidation(ref) ?? PENDING;
  const previous = ref.status ?? {};
  const status: AwsCredentialRefStatus = {
    ...previous,
    ...validated?.status,
    externalId: facts.externalId,
    observedGeneration: generation,
    conditions: setConditions(previous.conditions, conditionsFor(ready), generation, facts.now),
  };
  return { validationJob: refused ? undefined : validationToStart(facts, config), status };
}

function validationToStart(facts: CredentialFacts, config: OperatorConfig): V1Job | undefined {
  if (facts.validation !== undefined || validatedBefore(facts.ref)) return undefined;
  return desiredValidationJob(facts, config);
}

function newestEvidence(
  facts: CredentialFacts,
  validated: Evidence | undefined,
): ConditionInput | undefined {
  const evidence = [validated, ...facts.checkRuns.map(runEvidence)]
    .filter((e): e is Evidence => e !== undefined)
    .sort((a, b) => b.time.localeCompare(a.time));
  return evidence[0]?.ready;
}

const PENDING: ConditionInput = {
  type: 'Ready',
  status: 'Unknown',
  reason: 'CredentialsPending',
  message: 'The credentials are being validated',
};

function refusal(ref: AwsCredentialRef, config: OperatorConfig): ConditionInput | undefined {
  if (ref.spec.assumeRole && !ref.spec.secretRef && !config.platformIdentity) {
    return {
      type: 'Ready',
      status: 'False',
      reason: 'InvalidConfiguration',
      message:
        'assumeRole without secretRef starts from the platform identity, which this operator does not allow; add secretRef',
    };
  }
  return undefined;
}

// earlierValidation: once the validation run is gone, the Ready it produced stands.
function earlierValidation(ref: AwsCredentialRef): ConditionInput | undefined {
  const ready = ref.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready === undefined || !validatedBefore(ref)) return undefined;
  return { type: 'Ready', status: ready.status, reason: ready.reason, message: ready.message };
}

// validatedBefore: the status already holds a validation of this generation (its Job may
// have been deleted since), so no new validation run is started.
function validatedBefore(ref: AwsCredentialRef): boolean {
  const ready = ref.status?.conditions?.find((c) => c.type === 'Ready');
  return (
    ready !== undefined &&
    ready.observedGeneration === ref.metadata.generation &&
    ready.reason !== 'CredentialsPending'
  );
}

function validationResult(
  facts: CredentialFacts,
): { evidence: Evidence; status: AwsCredentialRefStatus } | undefined {
  const run = facts.validation;
  // Without its Pod (garbage-collected) a validation run says nothing any more.
  if (run?.pod === undefined) return undefined;
  const outcome = runOutcome(run);
  if (outcome === undefined) return undefined;
  const time = outcome.completionTime ?? outcome.startTime;
  if (outcome.outcome === 'Failed') {
    return { evidence: { time, ready: failedReady(outcome, 'validation') }, status: {} };
  }
  const identity = identityOf(run);
  const ready: ConditionInput = {
    type: 'Ready',
    status: 'True',
    reason: 'Validated',
    message: `Authenticated as ${identity?.arn ?? 'an unknown identity'}`,
  };
  return {
    evidence: { time, ready },
    status: { ...(identity && { identity }), lastValidatedTime: time },
  };
}

function identityOf(run: RunObservation): AwsCredentialRefStatus['identity'] {
  const message = run.pod?.status?.containerStatuses?.[0]?.state?.terminated?.message ?? '';
  const result = parseTerminationMessage(message);
  return result.kind === 'validate' ? result.identity : undefined;
}

// runEvidence: a check's run speaks for the credentials when it authenticated (any outcome
// but AuthenticationFailed past the STS call) or failed to.
function runEvidence({
  check,
  lastRun,
}: {
  check: string;
  lastRun: LastRun;
}): Evidence | undefined {
  const time = lastRun.completionTime ?? lastRun.startTime;
  if (lastRun.reason === 'AuthenticationFailed') {
    return { time, ready: failedReady(lastRun, `run of AwsCheck ${check}`) };
  }
  if (lastRun.outcome !== 'Succeeded') return undefined;
  return {
    time,
    ready: {
      type: 'Ready',
      status: 'True',
      reason: 'Validated',
      message: `AwsCheck ${check} ran with these credentials`,
    },
  };
}

function failedReady(run: LastRun, source: string): ConditionInput {
  return {
    type: 'Ready',
    status: 'False',
    reason: run.reason ?? 'RunAborted',
    message: `${source}: ${describeRun(run)}`,
  };
}

function conditionsFor(ready: ConditionInput): ConditionInput[] {
  if (ready.status === 'True') return [ready];
  const kind = ready.status === 'Unknown' ? 'Reconciling' : 'Stalled';
  return [ready, { type: kind, status: 'True', reason: ready.reason, message: ready.message }];
}

/** desiredValidationJob is the short `checker validate` run for the current generation. */
export function desiredValidationJob(facts: CredentialFacts, config: OperatorConfig): V1Job {
  const { ref } = facts;
  const labels = {
    [MANAGED_BY.key]: MANAGED_BY.value,
    [CREDENTIAL_LABEL]: ref.metadata.name,
    [RUN_KIND_LABEL]: 'validate',
  };
  const credential: CredentialInput = {
    refName: ref.metadata.name,
    spec: ref.spec,
    externalId: facts.externalId,
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: validationJobName(ref.metadata.name, ref.metadata.generation ?? 0),
      namespace: ref.metadata.namespace,
      labels,
      ownerReferences: [ownerReference(ref)],
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: VALIDATION_DEADLINE_SECONDS,
      template: checkerPodTemplate(
        config,
        validateArgs(credential, ref.metadata.namespace, config.platformIdentity),
        credential,
        labels,
      ),
    },
  };
}
