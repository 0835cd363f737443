// The AwsCheck controller: gather from the caches, plan (pure), write what differs.
import type { V1CronJob } from '@kubernetes/client-node';
import type { AwsCheck } from '../api/v1alpha1/awscheck.ts';
import { readAwsCheck, readAwsCredentialRef } from '../api/v1alpha1/parse.ts';
import { recordEvent } from '../events.ts';
import { applyCronJob, isStatus } from '../kube.ts';
import { FIELD_MANAGER } from '../labels.ts';
import { externalIdFor } from '../plans/tenancy.ts';
import { planCheck, refusedStatus, type CheckFacts, type CheckPlan } from './check-plan.ts';
import { splitKey, type ControllerContext, type ReconcileResult } from './context.ts';
import { withMountFailures } from './mount-failures.ts';
import { cronJobName } from './names.ts';
import { isControlledBy } from './ownership.ts';
import { RefusedError, refusalOf, type Refusal } from './refusal.ts';
import { checkPlanGate } from './plan-facts.ts';
import type { RunObservation } from './run-outcome.ts';
import { deleteRun, newestPod, readUnseenEnds, startRun } from './runs.ts';
import { containsDesired } from './drift.ts';
import { writeInvalid, writeStatusIfChanged, type RawObject } from './status.ts';

/** reconcileCheck brings one AwsCheck and its children to their desired state. */
export async function reconcileCheck(
  context: ControllerContext,
  key: string,
): Promise<ReconcileResult> {
  const { namespace, name } = splitKey(key);
  const raw = context.caches.checks.get(name, namespace) as RawObject | undefined;
  // Gone or going: its children go with it (owner references), or are orphaned as its
  // deleter asked; writing to them now would undo that.
  if (raw === undefined || raw.metadata?.deletionTimestamp !== undefined) return {};
  const parsed = readAwsCheck(raw);
  if (!parsed.ok) {
    await writeInvalid(context, 'awschecks', raw, `the AwsCheck is invalid: ${parsed.message}`);
    return {};
  }
  const check = parsed.value;
  const cronJob = ownCronJob(context, check);
  const plan = planCheck(await gatherCheck(context, check, cronJob), context.config);
  return writeCheck(context, { raw, check, cronJob }, plan);
}

async function gatherCheck(
  context: ControllerContext,
  check: AwsCheck,
  cronJob: V1CronJob | undefined,
): Promise<CheckFacts> {
  const { caches } = context;
  const { namespace } = check.metadata;
  const refName = check.spec.credentialRef.name;
  const rawRef = caches.credentials.get(refName, namespace);
  const ref = rawRef === undefined ? undefined : readAwsCredentialRef(rawRef);
  const credential =
    ref === undefined
      ? { problem: `AwsCredentialRef ${refName} does not exist in namespace ${namespace}` }
      : ref.ok
        ? ref.value
        : { problem: `AwsCredentialRef ${refName} is invalid: ${ref.message}` };
  const owners = [check.metadata.uid, cronJob?.metadata?.uid];
  const usable = 'problem' in credential ? undefined : credential;
  return {
    check,
    credential,
    externalId: externalIdOf(context, namespace),
    plan: checkPlanGate(context, check, usable),
    runs: await observeRuns(context, check, owners),
    now: context.clock.now(),
  };
}

// observeRuns: the check's runs from the caches, with what only the apiserver can say: the
// end of a finished run whose cached Pod does not show it yet (or that its Pod is gone, so
// it is recorded at once), and the kubelet's mount failures of a run waiting to start.
async function observeRuns(
  context: ControllerContext,
  check: AwsCheck,
  owners: readonly (string | undefined)[],
): Promise<RunObservation[]> {
  const { core } = context.clients;
  const cached = runsOf(context, check.metadata.namespace, owners);
  const ended = await readUnseenEnds(core, cached, check.status?.recordedRuns);
  return withMountFailures(core, ended);
}

/**
 * externalIdOf is the ExternalId the platform sends with AssumeRole for a tenant, derived
 * from the UID of the tenant's namespace by externalIdFor (the portal shows the same). It
 * is stable, unguessable and the tenant cannot choose it, so no tenant can assume a role
 * on another's behalf.
 */
export function externalIdOf(context: ControllerContext, namespace: string): string {
  const uid = context.caches.namespaces.get(namespace)?.metadata?.uid;
  if (uid === undefined) throw new Error(`namespace ${namespace} is not in the cache`);
  return externalIdFor(uid);
}

/**
 * runsOf pairs every cached Job controlled by one of `owners` (by UID) with the newest Pod
 * that Job controls. A Job or Pod that merely carries our labels or names is not ours.
 */
export function runsOf(
  context: ControllerContext,
  namespace: string,
  owners: readonly (string | undefined)[],
): RunObservation[] {
  const pods = context.caches.pods.list(namespace);
  return context.caches.jobs
    .list(namespace)
    .filter((job) => owners.some((uid) => isControlledBy(job, uid)))
    .map((job) => ({ job, pod: newestPod(pods, job) }));
}

// ownCronJob: the CronJob this check controls, looked up by the name it gives it (one cache
// read), else among every CronJob of the namespace (one named otherwise, by an earlier
// version of the operator).
function ownCronJob(context: ControllerContext, check: AwsCheck): V1CronJob | undefined {
  const { namespace, name, uid } = check.metadata;
  const named = context.caches.cronJobs.get(cronJobName(name), namespace);
  if (named !== undefined && isControlledBy(named, uid)) return named;
  return context.caches.cronJobs.list(namespace).find((cronJob) => isControlledBy(cronJob, uid));
}

interface Observed {
  readonly raw: RawObject;
  readonly check: AwsCheck;
  readonly cronJob: V1CronJob | undefined;
}

// writeCheck writes the plan: children first, then status, then what the status records
// (metrics, Events), then the cleanup of recorded runs. A child the apiserver refuses for
// good turns the status Stalled instead of failing the reconcile; a run a quota holds back
// turns it Reconciling and the key is looked at again with backoff, as while a run's
// checker waits in ContainerCreating.
async function writeCheck(
  context: ControllerContext,
  observed: Observed,
  plan: CheckPlan,
): Promise<ReconcileResult> {
  const { check } = observed;
  const refusal = await writeChildren(context, observed, plan);
  const status =
    refusal === undefined
      ? plan.status
      : refusedStatus(
          { ...plan.status, runNowToken: check.status?.runNowToken },
          refusal,
          check.metadata.generation ?? 0,
          context.clock.now(),
        );
  const written = await writeStatusIfChanged(context, 'awschecks', observed.raw, status);
  if (written === 'refused') return {};
  // The gauges follow the written status at once; Events and cleanup may take longer.
  context.metrics.observeCheck({ ...check, status });
  if (written === 'written') await reportRuns(context, check, plan);
  for (const name of plan.deletions) await deleteRun(context, check.metadata.namespace, name);
  return lookAgain(plan, refusal);
}

// lookAgain: by the plan's bound (a run's Pod end awaited), and with backoff while a quota
// holds a run back or a run's checker waits on the kubelet (whose Events no cache holds).
function lookAgain(plan: CheckPlan, refusal: Refusal | undefined): ReconcileResult {
  return {
    ...(plan.requeueAfterMs !== undefined && { requeueAfterMs: plan.requeueAfterMs }),
    ...((refusal?.final === false || plan.waitsOnKubelet) && { backoff: true }),
  };
}

async function writeChildren(
  context: ControllerContext,
  { check, cronJob }: Observed,
  plan: CheckPlan,
): Promise<Refusal | undefined> {
  try {
    await syncCronJob(context, check, { observed: cronJob, desired: plan.cronJob });
    for (const job of plan.jobs) {
      if (await startRun(context, job, check.metadata.uid)) {
        context.log.info({ ...identity(check), job: job.metadata?.name }, 'started a run');
      }
    }
    return undefined;
  } catch (error) {
    const refusal = refusalOf(error, 'a child of the check');
    if (refusal === undefined) throw error;
    context.log.warn({ ...identity(check), refusal: refusal.message }, 'a child was refused');
    return refusal;
  }
}

function identity(check: AwsCheck): { namespace: string; name: string } {
  return { namespace: check.metadata.namespace, name: check.metadata.name };
}

// reportRuns counts and logs every run the status now records, and records its Event. It
// runs only after the status write succeeded, so a retried reconcile never counts a run
// twice; for the same reason an Event the apiserver does not take is logged, not retried.
async function reportRuns(
  context: ControllerContext,
  check: AwsCheck,
  plan: CheckPlan,
): Promise<void> {
  const subject = {
    apiVersion: check.apiVersion,
    kind: check.kind,
    ...identity(check),
    uid: check.metadata.uid ?? '',
  };
  const { service, type } = check.spec;
  for (const event of plan.events) {
    const outcome = event.type === 'Normal' ? 'Succeeded' : 'Failed';
    context.metrics.runs.inc({ ...identity(check), service, type, outcome, reason: event.reason });
    context.log.info({ ...identity(check), outcome, reason: event.reason }, 'run finished');
    await recordEvent(context.clients.core, subject, event, context.clock.now()).catch(
      (error: unknown) => {
        const err = error instanceof Error ? error.message : String(error);
        context.log.warn(
          { ...identity(check), event: event.key, err },
          'could not record an Event',
        );
      },
    );
  }
}

// syncCronJob applies the desired CronJob whenever the observed one differs from it in a
// field the operator sets (someone suspended or edited it by hand: drift is corrected),
// and suspends it while the check cannot be scheduled: a run in flight finishes and is
// recorded, and the CronJob's finished runs stay; the check's deletion removes it.
async function syncCronJob(
  context: ControllerContext,
  check: AwsCheck,
  { observed, desired }: { observed: V1CronJob | undefined; desired: V1CronJob | undefined },
): Promise<void> {
  if (desired === undefined) {
    if (observed !== undefined && observed.spec.suspend !== true) {
      await suspendCronJob(context, check.metadata.namespace, observed);
    }
    return;
  }
  if (observed !== undefined && containsDesired(observed, desired)) return;
  if (observed === undefined) refuseTakeover(context, check, desired);
  await applyCronJob(context.clients, desired);
}

// refuseTakeover: applying would take over a CronJob of our name that is not ours (an
// earlier incarnation of the check awaiting garbage collection, or anyone's), and with it
// that CronJob's runs. It is refused until that CronJob is gone. The CronJob cache holds
// every CronJob of the cluster, so this costs no request.
function refuseTakeover(context: ControllerContext, check: AwsCheck, desired: V1CronJob): void {
  const name = desired.metadata?.name ?? '';
  const { namespace, uid } = check.metadata;
  const existing = context.caches.cronJobs.get(name, namespace);
  if (existing === undefined || isControlledBy(existing, uid)) return;
  throw new RefusedError(
    `CronJob ${name} already exists in namespace ${namespace} and is not controlled by this check (an earlier check of this name not yet garbage-collected, or someone else's); it is created once that one is gone`,
  );
}

async function suspendCronJob(
  context: ControllerContext,
  namespace: string,
  cronJob: V1CronJob,
): Promise<void> {
  const name = cronJob.metadata?.name ?? '';
  try {
    await context.clients.batch.patchNamespacedCronJob({
      name,
      namespace,
      body: { spec: { suspend: true } },
      patchType: 'merge',
      fieldManager: FIELD_MANAGER,
    });
  } catch (error) {
    if (!isStatus(error, 404)) throw error;
  }
}
