// Routing: which reconcile keys a cache event concerns. A child (CronJob, Job, Pod) is
// routed by the owner it names; whether it really belongs to that owner is judged by the
// controller's owner UID when the owner reconciles, never here.
import type { KubernetesObject } from '@kubernetes/client-node';
import { readAwsCheck } from './api/v1alpha1/parse.ts';
import type { CacheKind, Caches } from './caches.ts';
import {
  CHECK_LABEL,
  CHECK_NAME_ANNOTATION,
  CREDENTIAL_LABEL,
  CREDENTIAL_NAME_ANNOTATION,
} from './labels.ts';
import type { Metrics } from './metrics.ts';
import type { InformerEvent } from './runtime/informer.ts';
import type { WorkQueue } from './runtime/workqueue.ts';
import { TENANT_LABEL } from './plans/tenancy.ts';

/** Queues are the work queues keys go to; `runs` is keyed by namespace (the run queue). */
export interface Queues {
  readonly checks: WorkQueue;
  readonly credentials: WorkQueue;
  readonly runs: WorkQueue;
}

/** Routes are where keys go. */
export interface Routes extends Queues {
  readonly caches: Caches;
  readonly metrics: Metrics;
}

/** route maps a cache event to the keys it concerns. */
export function route(
  routes: Routes,
  kind: CacheKind,
  event: InformerEvent,
  object: KubernetesObject,
): void {
  if (kind === 'checks') routeCheck(routes, event, object);
  else if (kind === 'credentials') routeCredential(routes, event, object);
  else if (kind === 'namespaces') routeNamespace(routes, object.metadata?.name ?? '');
  else if (kind === 'catalog') routeCatalog(routes);
  else routeChild(routes, object);
  if (kind === 'jobs') routeRunQueue(routes, object.metadata?.namespace ?? '');
}

// A Job created, resumed, finished or deleted in a tenant namespace may let a queued run
// of that namespace start. Elsewhere runs are not queued.
function routeRunQueue(routes: Routes, namespace: string): void {
  if (isTenant(routes.caches, namespace)) routes.runs.add(namespace);
}

function isTenant(caches: Caches, namespace: string): boolean {
  return caches.namespaces.get(namespace)?.metadata?.labels?.[TENANT_LABEL] !== undefined;
}

// A changed plan catalog concerns every object in every tenant namespace; namespaces
// without the tenant label have no plan, so the catalog says nothing about them.
function routeCatalog(routes: Routes): void {
  for (const namespace of routes.caches.namespaces.list()) {
    if (namespace.metadata?.labels?.[TENANT_LABEL] !== undefined)
      routeNamespace(routes, namespace.metadata.name ?? '');
  }
}

// A child names its owner in an annotation (label values cannot hold every object name);
// children made before the annotation existed name it in their label. A wrong name only
// costs a reconcile of an object that says no child is its own.
function routeChild(routes: Routes, object: KubernetesObject): void {
  const namespace = object.metadata?.namespace ?? '';
  const check = ownerName(object, CHECK_NAME_ANNOTATION, CHECK_LABEL);
  const credential = ownerName(object, CREDENTIAL_NAME_ANNOTATION, CREDENTIAL_LABEL);
  if (check !== undefined) routes.checks.add(`${namespace}/${check}`);
  if (credential !== undefined) routes.credentials.add(`${namespace}/${credential}`);
}

function ownerName(
  object: KubernetesObject,
  annotation: string,
  label: string,
): string | undefined {
  return object.metadata?.annotations?.[annotation] ?? object.metadata?.labels?.[label];
}

// A check's run is evidence about its credentials, so its credential ref is looked at when
// that evidence changes (see refEvidence). A deleted check moves every younger check of its
// namespace up in the plan's count, and its series go by its name, whether or not its last
// spec was valid.
function routeCheck(routes: Routes, event: InformerEvent, object: KubernetesObject): void {
  routes.checks.add(keyOf(object));
  if (event === 'delete') {
    for (const check of routes.caches.checks.list(object.metadata?.namespace ?? ''))
      routes.checks.add(keyOf(check));
    forgetCheck(routes, object);
  }
  routeEvidence(routes, event, object);
}

// routeEvidence routes the credential refs whose evidence from this check changed: the one
// it used and the one it uses, when they differ or its run did.
function routeEvidence(routes: Routes, event: InformerEvent, object: KubernetesObject): void {
  const now = event === 'delete' ? undefined : refEvidence(object);
  const before = remember(evidenceSeen(routes.caches), keyOf(object), now);
  if (sameEvidence(before, now)) return;
  const namespace = object.metadata?.namespace ?? '';
  for (const evidence of [before, now]) {
    if (evidence !== undefined) routes.credentials.add(`${namespace}/${evidence.ref}`);
  }
}

// remember keeps a check's evidence (none: forgets it) and says what it was before.
function remember(
  seen: Map<string, RefEvidence>,
  key: string,
  now: RefEvidence | undefined,
): RefEvidence | undefined {
  const before = seen.get(key);
  if (now === undefined) seen.delete(key);
  else seen.set(key, now);
  return before;
}

function sameEvidence(a: RefEvidence | undefined, b: RefEvidence | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.ref === b.ref && a.run === b.run;
}

/** RefEvidence is what a credential ref reads of one check: which ref, and its latest run. */
interface RefEvidence {
  readonly ref: string;
  /** The latest run's identity (Job, times, outcome, reason); a run is recorded once. */
  readonly run: string;
}

// Per cache set (one per manager), the evidence each check last gave its credential ref.
// It holds one entry per check with a recorded run, dropped when the check goes.
const evidenceByCaches = new WeakMap<Caches, Map<string, RefEvidence>>();

function evidenceSeen(caches: Caches): Map<string, RefEvidence> {
  let seen = evidenceByCaches.get(caches);
  if (seen === undefined) {
    seen = new Map();
    evidenceByCaches.set(caches, seen);
  }
  return seen;
}

// refEvidence: a check without a valid spec or without a recorded run tells its ref nothing
// (the ref's reconcile reads only the runs of the checks that use it).
function refEvidence(object: KubernetesObject): RefEvidence | undefined {
  const parsed = readAwsCheck(object);
  const lastRun = parsed.ok ? parsed.value.status?.lastRun : undefined;
  if (!parsed.ok || lastRun === undefined) return undefined;
  const { jobName, startTime, completionTime, outcome, reason } = lastRun;
  const run = [jobName, startTime, completionTime, outcome, reason].join('\n');
  return { ref: parsed.value.spec.credentialRef.name, run };
}

function forgetCheck(routes: Routes, object: KubernetesObject): void {
  const { namespace = '', name = '' } = object.metadata ?? {};
  routes.metrics.forgetCheck({ metadata: { namespace, name } });
}

// A credential ref's readiness shows in the Ready of every check that uses it. A deleted
// ref moves every younger ref of its namespace up in the plan's count.
function routeCredential(routes: Routes, event: InformerEvent, object: KubernetesObject): void {
  routes.credentials.add(keyOf(object));
  const namespace = object.metadata?.namespace ?? '';
  if (event === 'delete') {
    for (const ref of routes.caches.credentials.list(namespace)) routes.credentials.add(keyOf(ref));
    forgetCredential(routes, object);
  }
  for (const check of routes.caches.checks.list(namespace)) {
    const spec = (check as { spec?: { credentialRef?: { name?: unknown } } }).spec;
    if (spec?.credentialRef?.name === object.metadata?.name) routes.checks.add(keyOf(check));
  }
}

function forgetCredential(routes: Routes, object: KubernetesObject): void {
  const { namespace = '', name = '' } = object.metadata ?? {};
  routes.metrics.forgetCredential({ metadata: { namespace, name } });
}

// A namespace's labels say its plan: its objects, and its run queue (a new plan may allow
// more concurrent runs, or, leaving the tenant label, none are queued any more).
function routeNamespace(routes: Routes, namespace: string): void {
  for (const check of routes.caches.checks.list(namespace)) routes.checks.add(keyOf(check));
  for (const ref of routes.caches.credentials.list(namespace)) routes.credentials.add(keyOf(ref));
  routes.runs.add(namespace);
}

/**
 * enqueueAll queues every AwsCheck and AwsCredentialRef the caches hold, and the run queue
 * of every tenant namespace.
 */
export function enqueueAll(caches: Caches, queues: Queues): void {
  for (const object of caches.checks.list()) queues.checks.add(keyOf(object));
  for (const object of caches.credentials.list()) queues.credentials.add(keyOf(object));
  for (const namespace of caches.namespaces.list()) {
    if (namespace.metadata?.labels?.[TENANT_LABEL] !== undefined)
      queues.runs.add(namespace.metadata.name ?? '');
  }
}

/** keyOf is an object's queue key, `namespace/name`. */
export function keyOf(object: KubernetesObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}
