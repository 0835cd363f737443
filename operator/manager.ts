// The manager wires caches, queues, workers and leader election. Every replica keeps warm
// caches; only the leader runs workers. Events map to the keys they concern.
import { randomBytes } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAwsCheck } from './api/v1alpha1/parse.ts';
import { startCaches, type CacheKind, type Caches } from './caches.ts';
import type { OperatorConfig } from './config.ts';
import { reconcileCheck } from './controller/check-controller.ts';
import type { ControllerContext } from './controller/context.ts';
import { reconcileCredential } from './controller/credential-controller.ts';
import type { KubeClients } from './kube.ts';
import { CHECK_LABEL, CREDENTIAL_LABEL } from './labels.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import { systemClock, type Clock } from './runtime/clock.ts';
import type { InformerEvent } from './runtime/informer.ts';
import { LeaderElector } from './runtime/leader-election.ts';
import { WorkQueue } from './runtime/workqueue.ts';

/** ManagerInput is what the manager runs with. */
export interface ManagerInput {
  readonly config: OperatorConfig;
  readonly clients: KubeClients;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly clock?: Clock;
}

/** Manager is a running operator. */
export interface Manager {
  /** ready: caches synced; the replica leads or stands by. */
  isReady(): boolean;
  isLeader(): boolean;
  /** ended resolves when the manager stops on its own (leadership lost). */
  readonly ended: Promise<void>;
  stop(): Promise<void>;
}

type Reconcile = (context: ControllerContext, key: string) => Promise<void>;

interface Controller {
  readonly kind: 'AwsCheck' | 'AwsCredentialRef';
  readonly queue: WorkQueue;
  readonly reconcile: Reconcile;
}

/** startManager starts caches and the election; workers start when this replica leads. */
export function startManager(input: ManagerInput): Manager {
  const { config, log, metrics } = input;
  const clock = input.clock ?? systemClock;
  const checks: Controller = {
    kind: 'AwsCheck',
    queue: new WorkQueue(),
    reconcile: reconcileCheck,
  };
  const credentials: Controller = {
    kind: 'AwsCredentialRef',
    queue: new WorkQueue(),
    reconcile: reconcileCredential,
  };
  // Events arrive only after the first list, when `started` is long initialised.
  const router = (kind: CacheKind, event: InformerEvent, object: KubernetesObject): void => {
    const queues = { checks: checks.queue, credentials: credentials.queue };
    route({ caches: started.caches, ...queues, metrics }, kind, event, object);
  };
  const started = startCaches(input.clients, router, (kind, error, retry) => {
    log.warn({ cache: kind, retryInMs: retry, err: describe(error) }, 'watch failed; retrying');
  });
  const { caches } = started;
  const context: ControllerContext = {
    config,
    clients: input.clients,
    caches,
    metrics,
    log,
    clock,
  };
  let synced = false;
  void started.synced.then(() => {
    synced = true;
    log.info('caches synced');
  });
  const elector = new LeaderElector({
    api: input.clients.coordination,
    namespace: config.namespace,
    name: config.lease.name,
    identity: `${config.podName}-${randomBytes(4).toString('hex')}`,
    leaseDurationMs: config.lease.durationMs,
    renewDeadlineMs: config.lease.renewDeadlineMs,
    retryPeriodMs: config.lease.retryPeriodMs,
    clock,
    onError: (error) => {
      log.warn({ err: describe(error) }, 'leader election: lease update failed');
    },
  });
  const stopping = new AbortController();
  const workers: Promise<void>[] = [];
  const lead = async (): Promise<void> => {
    await started.synced;
    log.info('leading: starting workers');
    metrics.leader.set(1);
    for (const controller of [checks, credentials]) {
      for (let i = 0; i < config.workers; i += 1) workers.push(work(controller, context));
    }
    enqueueAll(caches, checks.queue, credentials.queue);
    void resync(context, checks.queue, credentials.queue, stopping.signal);
  };
  metrics.leader.set(0);
  const depth = setInterval(() => {
    metrics.queueDepth.set({ kind: 'AwsCheck' }, checks.queue.depth);
    metrics.queueDepth.set({ kind: 'AwsCredentialRef' }, credentials.queue.depth);
  }, 1_000);
  const ended = elector
    .run(stopping.signal, () => void lead())
    .then(async () => {
      if (!stopping.signal.aborted) log.error('lost leadership; stopping');
      metrics.leader.set(0);
      checks.queue.shutDown();
      credentials.queue.shutDown();
      await Promise.all(workers);
      clearInterval(depth);
      await started.stop();
    });
  return {
    isReady: () => synced,
    isLeader: () => elector.isLeader,
    ended,
    stop: async () => {
      stopping.abort();
      await ended;
    },
  };
}

// work is one worker: take a key, reconcile it, retry with backoff on error.
async function work(controller: Controller, context: ControllerContext): Promise<void> {
  const { queue, kind } = controller;
  for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
    const stopTimer = context.metrics.reconcileDuration.startTimer({ kind });
    try {
      await controller.reconcile(context, key);
      queue.forget(key);
      context.metrics.reconciles.inc({ kind, result: 'success' });
    } catch (error) {
      const retryInMs = queue.addRateLimited(key);
      context.metrics.reconciles.inc({ kind, result: 'error' });
      const [namespace, name] = key.split('/');
      context.log.warn(
        { kind, namespace, name, retryInMs, err: describe(error) },
        'reconcile failed; retrying',
      );
    } finally {
      stopTimer();
      queue.done(key);
    }
  }
}

// resync enqueues every object periodically; at steady state the reconciles write nothing.
async function resync(
  context: ControllerContext,
  checks: WorkQueue,
  credentials: WorkQueue,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    try {
      await context.clock.sleep(context.config.resyncMs, signal);
    } catch {
      return;
    }
    enqueueAll(context.caches, checks, credentials);
  }
}

function enqueueAll(caches: Caches, checks: WorkQueue, credentials: WorkQueue): void {
  for (const object of caches.checks.list()) checks.add(keyOf(object));
  for (const object of caches.credentials.list()) credentials.add(keyOf(object));
}

interface Routes {
  readonly caches: Caches;
  readonly checks: WorkQueue;
  readonly credentials: WorkQueue;
  readonly metrics: Metrics;
}

// route maps a cache event to the keys it concerns.
function route(
  routes: Routes,
  kind: CacheKind,
  event: InformerEvent,
  object: KubernetesObject,
): void {
  if (kind === 'checks') routeCheck(routes, event, object);
  else if (kind === 'credentials') routeCredential(routes, object);
  else if (kind === 'namespaces') routeNamespace(routes, object.metadata?.name ?? '');
  else routeChild(routes, object);
}

// A child (CronJob, Job, Pod) names its owner in a label.
function routeChild(routes: Routes, object: KubernetesObject): void {
  const namespace = object.metadata?.namespace ?? '';
  const labels = object.metadata?.labels ?? {};
  const check = labels[CHECK_LABEL];
  const credential = labels[CREDENTIAL_LABEL];
  if (check !== undefined) routes.checks.add(`${namespace}/${check}`);
  if (credential !== undefined) routes.credentials.add(`${namespace}/${credential}`);
}

// A check's run is evidence about its credentials, so its credential ref is looked at too.
function routeCheck(routes: Routes, event: InformerEvent, object: KubernetesObject): void {
  routes.checks.add(keyOf(object));
  const parsed = parseAwsCheck(object);
  if (!parsed.ok) return;
  const { namespace } = parsed.value.metadata;
  routes.credentials.add(`${namespace}/${parsed.value.spec.credentialRef.name}`);
  if (event === 'delete') routes.metrics.forgetCheck(parsed.value);
}

// A credential ref's readiness shows in the Ready of every check that uses it.
function routeCredential(routes: Routes, object: KubernetesObject): void {
  routes.credentials.add(keyOf(object));
  const namespace = object.metadata?.namespace ?? '';
  for (const check of routes.caches.checks.list(namespace)) {
    const spec = (check as { spec?: { credentialRef?: { name?: unknown } } }).spec;
    if (spec?.credentialRef?.name === object.metadata?.name) routes.checks.add(keyOf(check));
  }
}

function routeNamespace(routes: Routes, namespace: string): void {
  for (const check of routes.caches.checks.list(namespace)) routes.checks.add(keyOf(check));
  for (const ref of routes.caches.credentials.list(namespace)) routes.credentials.add(keyOf(ref));
}

function keyOf(object: KubernetesObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}

/** describe renders an error for a log line: its message, never a request body. */
export function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
