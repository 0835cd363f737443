// The AwsCheck controller: gather from the caches, plan (pure), write what differs.
import {
  ApiException,
  type KubernetesObject,
  type V1CronJob,
  type V1Pod,
} from '@kubernetes/client-node';
import type { AwsCheck } from '../api/v1alpha1/awscheck.ts';
import { parseAwsCheck, parseAwsCredentialRef } from '../api/v1alpha1/parse.ts';
import { recordEvent } from '../events.ts';
import { apply, createJobIfAbsent, isStatus, labelJob } from '../kube.ts';
import { CHECK_LABEL, JOB_NAME_LABEL, RECORDED_LABEL } from '../labels.ts';
import { planCheck, refusedSchedule, type CheckFacts, type CheckPlan } from './check-plan.ts';
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
  const created = (pod: V1Pod): number => new Date(pod.metadata?.creationTimestamp ?? 0).getTime();
  return pods
    .filter((pod) => pod.metadata?.labels?.[JOB_NAME_LABEL] === jobName)
    .sort((a, b) => created(b) - created(a))[0];
}

async function writeCheck(
  context: ControllerContext,
  raw: RawObject,
  check: AwsCheck,
  planned: CheckPlan,
): Promise<void> {
  const refused = await syncCronJob(context, check, planned.cronJob);
  const now = context.clock.now();
  const generation = check.metadata.generation ?? 0;
  const plan =
    refused === undefined
      ? planned
      : { ...planned, jobs: [], status: refusedSchedule(planned.status, refused, generation, now) };
  for (const job of plan.jobs) {
    if (await createJobIfAbsent(context.clients, job)) {
      context.log.info({ ...identity(check), job: job.metadata?.name }, 'started a run');
    }
  }
  const changed = await writeStatusIfChanged(context, 'awschecks', raw, plan.status);
  if (changed) await reportRuns(context, check, plan);
  for (const job of plan.recorded) {
    await labelJob(context.clients, check.metadata.namespace, job, { [RECORDED_LABEL]: 'true' });
  }
  context.metrics.observeCheck({ ...check, status: plan.status });
}

function identity(check: AwsCheck): { namespace: string; name: string } {
  return { namespace: check.metadata.namespace, name: check.metadata.name };
}

// reportRuns records an Event and counts every run the status now includes. It runs only
// after the status write succeeded, so a retried reconcile never counts a run twice.
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
  for (const event of plan.events) {
    await recordEvent(context.clients.core, subject, event, context.clock.now());
    const outcome = event.type === 'Normal' ? 'Succeeded' : 'Failed';
    const { service, type } = check.spec;
    context.metrics.runs.inc({ ...identity(check), service, type, outcome, reason: event.reason });
    context.log.info({ ...identity(check), outcome, reason: event.reason }, 'run finished');
  }
}

// syncCronJob applies the desired CronJob when what was last applied differs, and deletes
// the CronJob while the check cannot be scheduled (its credential ref is missing). It
// returns the apiserver's message when it refuses the CronJob (422): bad user input, which
// goes to status instead of being retried.
async function syncCronJob(
  context: ControllerContext,
  check: AwsCheck,
  desired: V1CronJob | undefined,
): Promise<string | undefined> {
  const existing = ownCronJob(context, check);
  if (desired === undefined) {
    if (existing !== undefined) await deleteCronJob(context, check.metadata.namespace, existing);
    return undefined;
  }
  const hash = shortHash(JSON.stringify(desired));
  if (existing?.metadata?.annotations?.[SPEC_HASH_ANNOTATION] === hash) return undefined;
  return applyCronJob(context, desired, hash);
}

function ownCronJob(context: ControllerContext, check: AwsCheck): V1CronJob | undefined {
  const { namespace, name } = identity(check);
  return context.caches.cronJobs
    .list(namespace)
    .find((c) => c.metadata?.labels?.[CHECK_LABEL] === name);
}

async function applyCronJob(
  context: ControllerContext,
  desired: V1CronJob,
  hash: string,
): Promise<string | undefined> {
  if (desired.metadata) desired.metadata.annotations = { [SPEC_HASH_ANNOTATION]: hash };
  try {
    await apply(context.clients, desired);
    return undefined;
  } catch (error) {
    if (error instanceof ApiException && error.code === 422) return apiMessage(error);
    throw error;
  }
}

/** apiMessage is the apiserver's own explanation of a refusal. */
export function apiMessage(error: ApiException<unknown>): string {
  const body = error.body;
  if (typeof body !== 'string') return error.message;
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : body;
  } catch {
    return body;
  }
}

async function deleteCronJob(
  context: ControllerContext,
  namespace: string,
  cronJob: V1CronJob,
): Promise<void> {
  const name = cronJob.metadata?.name ?? '';
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
