// The AwsCheck controller: gather from the caches, plan (pure), write what differs.
import type { KubernetesObject, V1CronJob, V1Pod } from '@kubernetes/client-node';
import type { AwsCheck } from '../api/v1alpha1/awscheck.ts';
import { parseAwsCheck, parseAwsCredentialRef } from '../api/v1alpha1/parse.ts';
import { recordEvent } from '../events.ts';
import { apply, createJobIfAbsent, isStatus } from '../kube.ts';
import { CHECK_LABEL, JOB_NAME_LABEL } from '../labels.ts';
import { planCheck, type CheckFacts, type CheckPlan } from './check-plan.ts';
import { splitKey, type ControllerContext } from './context.ts';
import { shortHash } from './names.ts';
import type { RunObservation } from './run-outcome.ts';
import { writeInvalid, writeStatusIfChanged, type RawObject } from './status.ts';

/** SPEC_HASH_ANNOTATION records what the operator last applied, so a resync writes nothing. */
const SPEC_HASH_ANNOTATION = 'awscheck.io/applied-hash';

/** reconcileCheck brings one AwsCheck and its children to their desired state. */
export async function reconcileCheck(context: ControllerContext, key: string): Promise<void> {
  const { namespace, name } = splitKey(key);
  const raw = context.caches.checks.get(name, namespace) as RawObject | undefined;
  if (raw === undefined) return; // Deleted: its children go with it (owner references).
  const parsed = parseAwsCheck(raw);
  if (!parsed.ok) {
    await writeInvalid(context, 'awschecks', raw, `the AwsCheck is invalid: ${parsed.message}`);
    return;
  }
  const plan = planCheck(gatherCheck(context, parsed.value), context.config);
  await writeCheck(context, raw, parsed.value, plan);
}

function gatherCheck(context: ControllerContext, check: AwsCheck): CheckFacts {
  const { caches } = context;
  const { namespace } = check.metadata;
  const refName = check.spec.credentialRef.name;
  const rawRef = caches.credentials.get(refName, namespace);
  const ref = rawRef === undefined ? undefined : parseAwsCredentialRef(rawRef);
  const credential =
    ref === undefined
      ? { problem: `AwsCredentialRef ${refName} does not exist in namespace ${namespace}` }
      : ref.ok
        ? ref.value
        : { problem: `AwsCredentialRef ${refName} is invalid: ${ref.message}` };
  return {
    check,
    credential,
    externalId: externalIdOf(context, namespace),
    runs: runsOf(context, namespace, { [CHECK_LABEL]: check.metadata.name }),
    now: context.clock.now(),
  };
}

/**
 * externalIdOf is the ExternalId the platform sends with AssumeRole for a tenant: the UID
 * of the tenant's namespace. It is stable, unguessable and the tenant cannot choose it,
 * so no tenant can assume a role on another's behalf.
 */
export function externalIdOf(context: ControllerContext, namespace: string): string {
  const uid = context.caches.namespaces.get(namespace)?.metadata?.uid;
  if (uid === undefined) throw new Error(`namespace ${namespace} is not in the cache`);
  return `awscheck-${uid}`;
}

/** runsOf pairs every cached Job with these labels with its Pod. */
export function runsOf(
  context: ControllerContext,
  namespace: string,
  labels: Readonly<Record<string, string>>,
): RunObservation[] {
  const matches = (object: KubernetesObject): boolean =>
    Object.entries(labels).every(([k, v]) => object.metadata?.labels?.[k] === v);
  const pods = context.caches.pods.list(namespace).filter(matches);
  return context.caches.jobs
    .list(namespace)
    .filter(matches)
    .map((job) => ({ job, pod: newestPod(pods, job.metadata?.name ?? '') }));
}

function newestPod(pods: readonly V1Pod[], jobName: string): V1Pod | undefined {
  return pods
    .filter((pod) => pod.metadata?.labels?.[JOB_NAME_LABEL] === jobName)
    .sort((a, b) =>
      String(b.metadata?.creationTimestamp?.toISOString()).localeCompare(
        String(a.metadata?.creationTimestamp?.toISOString()),
      ),
    )[0];
}

async function writeCheck(
  context: ControllerContext,
  raw: RawObject,
  check: AwsCheck,
  plan: CheckPlan,
): Promise<void> {
  await syncCronJob(context, check, plan.cronJob);
  for (const job of plan.jobs) {
    if (await createJobIfAbsent(context.clients, job)) {
      context.log.info(
        { namespace: check.metadata.namespace, name: check.metadata.name, job: job.metadata?.name },
        'started a run',
      );
    }
  }
  const changed = await writeStatusIfChanged(context, 'awschecks', raw, plan.status);
  const subject = {
    apiVersion: check.apiVersion,
    kind: check.kind,
    name: check.metadata.name,
    namespace: check.metadata.namespace,
    uid: check.metadata.uid ?? '',
  };
  for (const event of changed ? plan.events : []) {
    await recordEvent(context.clients.core, subject, event, context.clock.now());
    const outcome = event.type === 'Normal' ? 'Succeeded' : 'Failed';
    context.metrics.runs.inc({
      namespace: subject.namespace,
      name: subject.name,
      service: check.spec.service,
      type: check.spec.type,
      outcome,
      reason: event.reason,
    });
    context.log.info(
      { namespace: subject.namespace, name: subject.name, outcome, reason: event.reason },
      'run finished',
    );
  }
  context.metrics.observeCheck({ ...check, status: plan.status });
}

// syncCronJob applies the desired CronJob when what was last applied differs, and deletes
// the CronJob while the check cannot be scheduled (its credential ref is missing).
async function syncCronJob(
  context: ControllerContext,
  check: AwsCheck,
  desired: V1CronJob | undefined,
): Promise<void> {
  const { namespace } = check.metadata;
  const existing = context.caches.cronJobs
    .list(namespace)
    .find((c) => c.metadata?.labels?.[CHECK_LABEL] === check.metadata.name);
  if (desired === undefined) {
    if (existing?.metadata?.name !== undefined)
      await deleteCronJob(context, namespace, existing.metadata.name);
    return;
  }
  const hash = shortHash(JSON.stringify(desired));
  if (existing?.metadata?.annotations?.[SPEC_HASH_ANNOTATION] === hash) return;
  if (desired.metadata) desired.metadata.annotations = { [SPEC_HASH_ANNOTATION]: hash };
  await apply(context.clients, desired);
}

async function deleteCronJob(
  context: ControllerContext,
  namespace: string,
  name: string,
): Promise<void> {
  try {
    await context.clients.batch.deleteNamespacedCronJob({
      name,
      namespace,
      propagationPolicy: 'Background',
    });
  } catch (error) {
    if (!isStatus(error, 404)) throw error;
  }
}
