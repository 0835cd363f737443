// The AwsCredentialRef controller: gather, plan (pure), write what differs.
import type { AwsCredentialRef } from '../api/v1alpha1/awscredentialref.ts';
import { readAwsCheck, readAwsCredentialRef } from '../api/v1alpha1/parse.ts';
import { externalIdOf, runsOf } from './check-controller.ts';
import { splitKey, type ControllerContext, type ReconcileResult } from './context.ts';
import { planCredential, type CredentialFacts, type CredentialPlan } from './credential-plan.ts';
import { credentialPlanGate } from './plan-facts.ts';
import { refusalOf, type Refusal } from './refusal.ts';
import { deleteRun, startRun } from './runs.ts';
import { refusalStatus, writeInvalid, writeStatusIfChanged, type RawObject } from './status.ts';

/** reconcileCredential validates one AwsCredentialRef and keeps its Ready current. */
export async function reconcileCredential(
  context: ControllerContext,
  key: string,
): Promise<ReconcileResult> {
  const { namespace, name } = splitKey(key);
  const raw = context.caches.credentials.get(name, namespace) as RawObject | undefined;
  if (raw === undefined || raw.metadata?.deletionTimestamp !== undefined) return {};
  const parsed = readAwsCredentialRef(raw);
  if (!parsed.ok) {
    const message = `the AwsCredentialRef is invalid: ${parsed.message}`;
    await writeInvalid(context, 'awscredentialrefs', raw, message);
    return {};
  }
  const ref = parsed.value;
  const plan = planCredential(gatherCredential(context, ref), context.config);
  const refusal = await startValidation(context, ref, plan);
  const status = refusal === undefined ? plan.status : refusedStatus(context, ref, plan, refusal);
  const written = await writeStatusIfChanged(context, 'awscredentialrefs', raw, status);
  if (written === 'refused') return {};
  context.metrics.observeCredential(ref, status.conditions);
  for (const job of plan.deletions) await deleteRun(context, namespace, job);
  return lookAgain(plan, refusal);
}

// lookAgain: when the plan asks, and with backoff while a quota holds the validation back.
function lookAgain(plan: CredentialPlan, refusal: Refusal | undefined): ReconcileResult {
  return {
    ...(plan.requeueAfterMs !== undefined && { requeueAfterMs: plan.requeueAfterMs }),
    ...(refusal?.final === false && { backoff: true }),
  };
}

async function startValidation(
  context: ControllerContext,
  ref: AwsCredentialRef,
  plan: CredentialPlan,
): Promise<Refusal | undefined> {
  const job = plan.validationJob;
  if (job === undefined) return undefined;
  try {
    if (await startRun(context, job, ref.metadata.uid)) {
      const { namespace, name } = ref.metadata;
      context.log.info({ namespace, name, job: job.metadata?.name }, 'validating credentials');
    }
    return undefined;
  } catch (error) {
    const refusal = refusalOf(error, 'the validation Job');
    if (refusal === undefined) throw error;
    return refusal;
  }
}

// refusedStatus: a validation Job the apiserver refuses leaves the ref not Ready with the
// apiserver's words (Stalled for good, Reconciling while a quota holds it back), and the
// revalidate token unhandled.
function refusedStatus(
  context: ControllerContext,
  ref: AwsCredentialRef,
  plan: CredentialPlan,
  refusal: Refusal,
): CredentialPlan['status'] {
  const generation = ref.metadata.generation ?? 0;
  const status = refusalStatus({ ...plan.status }, refusal, generation, context.clock.now());
  if (ref.status?.revalidateToken === undefined) delete status.revalidateToken;
  else status.revalidateToken = ref.status.revalidateToken;
  return status;
}

function gatherCredential(context: ControllerContext, ref: AwsCredentialRef): CredentialFacts {
  const { namespace, name, uid } = ref.metadata;
  return {
    ref,
    externalId: externalIdOf(context, namespace),
    plan: credentialPlanGate(context, ref),
    validations: runsOf(context, namespace, [uid]),
    checkRuns: checkRunsUsing(context, namespace, name),
    now: context.clock.now(),
  };
}

// checkRunsUsing: the latest run of every AwsCheck in the namespace that uses this ref. Only
// the checks naming the ref are read (each object is parsed once, see readAwsCheck).
function checkRunsUsing(
  context: ControllerContext,
  namespace: string,
  refName: string,
): CredentialFacts['checkRuns'] {
  return context.caches.checks.list(namespace).flatMap((raw) => {
    if (credentialRefName(raw) !== refName) return [];
    const parsed = readAwsCheck(raw);
    if (!parsed.ok || parsed.value.spec.credentialRef.name !== refName) return [];
    const lastRun = parsed.value.status?.lastRun;
    return lastRun === undefined ? [] : [{ check: parsed.value.metadata.name, lastRun }];
  });
}

// credentialRefName: the ref a cached check names, read without parsing it.
function credentialRefName(raw: object): unknown {
  return (raw as { spec?: { credentialRef?: { name?: unknown } } }).spec?.credentialRef?.name;
}
