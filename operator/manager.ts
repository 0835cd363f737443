// The manager wires caches, queues, workers and leader election. Every replica keeps warm
// caches; only the leader runs workers. Events map to the keys they concern.
import { randomBytes } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import { startCaches, type CacheKind } from './caches.ts';
import type { OperatorConfig } from './config.ts';
import { reconcileCheck } from './controller/check-controller.ts';
import type { ControllerContext, ReconcileResult } from './controller/context.ts';
import { reconcileCredential } from './controller/credential-controller.ts';
import type { KubeClients } from './kube.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import { systemClock, type Clock } from './runtime/clock.ts';
import type { InformerEvent } from './runtime/informer.ts';
import { LeaderElector } from './runtime/leader-election.ts';
import { enqueueAll, route } from './routing.ts';
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

/**
 * Reconcile brings one key to its desired state. It may ask to look at the key again after
 * a while although nothing changes (`requeueAfterMs`); a change still takes it sooner.
 */
export type Reconcile = (
  context: ControllerContext,
  key: string,
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- a reconciler that never requeues returns nothing
) => Promise<ReconcileResult | undefined | void>;

/** Controller is one kind's queue and the reconcile its workers run. */
export interface Controller {
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

/**
 * work is one worker: take a key, reconcile it, retry with backoff on error, and requeue
 * it after a success that asks to be looked at again.
 */
export async function work(controller: Controller, context: ControllerContext): Promise<void> {
  const { queue, kind } = controller;
  for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
    const stopTimer = context.metrics.reconcileDuration.startTimer({ kind });
    try {
      const result = await controller.reconcile(context, key);
      queue.forget(key);
      const requeueAfterMs = result ? result.requeueAfterMs : undefined;
      if (requeueAfterMs !== undefined) queue.addAfter(key, requeueAfterMs);
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

/** describe renders an error for a log line: its message, never a request body. */
export function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
