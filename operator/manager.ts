// The manager wires caches, queues, workers and leader election. Every replica keeps warm
// caches; only the leader runs workers. Events map to the keys they concern.
import { randomBytes } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import { startCaches, type CacheKind } from './caches.ts';
import type { OperatorConfig } from './config.ts';
import { reconcileCheck } from './controller/check-controller.ts';
import { splitKey, type ControllerContext, type ReconcileResult } from './controller/context.ts';
import { reconcileCredential } from './controller/credential-controller.ts';
import { CatalogKeeper, reportCatalog } from './controller/plan-facts.ts';
import { recordEvent, type EventInput, type EventSubject } from './events.ts';
import type { KubeClients } from './kube.ts';
import { describe, type Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import { systemClock, type Clock } from './runtime/clock.ts';
import type { InformerEvent } from './runtime/informer.ts';
import { LeaderElector, type ElectionEnd } from './runtime/leader-election.ts';
import { superviseLeadership, type LeaderWork } from './runtime/leadership.ts';
import { enqueueAll, route, type Queues } from './routing.ts';
import { RunAdmission } from './controller/run-admission.ts';
import type { WorkQueue } from './runtime/workqueue.ts';
import { ShardQueue, shardOf, type Shard } from './shard.ts';

/** ManagerInput is what the manager runs with. */
export interface ManagerInput {
  readonly config: OperatorConfig;
  readonly clients: KubeClients;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly clock?: Clock;
  /** onLeadershipLost runs as soon as the Lease is lost, before the workers have drained. */
  readonly onLeadershipLost?: () => void;
}

/** Manager is a running operator. */
export interface Manager {
  /** ready: caches synced; the replica leads or stands by. */
  isReady(): boolean;
  isLeader(): boolean;
  /**
   * ended resolves once everything has stopped (workers, caches, timers): `lost` when
   * leadership was lost (the process should exit non-zero), `stopped` after `stop`.
   */
  readonly ended: Promise<ElectionEnd>;
  /** stop drains the workers, then stops renewing and releases the Lease. */
  stop(): Promise<ElectionEnd>;
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
  /** RunQueue: the run admission of tenant namespaces, keyed by namespace. */
  readonly kind: 'AwsCheck' | 'AwsCredentialRef' | 'RunQueue';
  /** The queue takes only keys of namespaces this shard owns (operator/shard.ts). */
  readonly queue: ShardQueue;
  readonly reconcile: Reconcile;
}

/**
 * startManager starts caches and the election; workers start when this replica leads.
 * A shard selector that is not a label selector throws here, before anything starts.
 */
export function startManager(input: ManagerInput): Manager {
  const { config, log, metrics } = input;
  const clock = input.clock ?? systemClock;
  // The namespaces cache exists before any event can ask (events follow the first list).
  const shard = shardOf(config.shardSelector, () => started.caches.namespaces);
  const { checks, credentials, runs } = controllers(shard, metrics);
  // Events arrive only after the first list, when `started` is long initialised.
  const router = (kind: CacheKind, event: InformerEvent, object: KubernetesObject): void => {
    const queues = { checks: checks.queue, credentials: credentials.queue, runs: runs.queue };
    route({ caches: started.caches, ...queues, metrics }, kind, event, object);
    if (kind === 'catalog' && synced) catalogReport();
  };
  const started = startCaches(input.clients, config.namespace, router, { log, metrics });
  const { caches } = started;
  const catalog = new CatalogKeeper();
  const catalogReport = (): void => {
    const recordCatalogEvent = (subject: EventSubject, event: EventInput): Promise<void> =>
      recordEvent(input.clients.core, subject, event, clock.now());
    const report = { keeper: catalog, caches, namespace: config.namespace, log, metrics };
    reportCatalog({ ...report, recordEvent: recordCatalogEvent }).catch((error: unknown) => {
      log.warn({ err: describe(error) }, 'could not record the plan catalog Event');
    });
  };
  const context: ControllerContext = {
    config,
    clients: input.clients,
    caches,
    metrics,
    log,
    clock,
    catalog,
  };
  let synced = false;
  void started.synced.then(() => {
    synced = true;
    log.info('caches synced');
    catalogReport();
  });
  const elector = new LeaderElector({
    api: input.clients.coordination,
    namespace: config.namespace,
    name: config.lease.name,
    identity: `${config.podName}-${randomBytes(4).toString('hex')}`,
    leaseDurationMs: config.lease.durationMs,
    renewDeadlineMs: config.lease.renewDeadlineMs,
    retryPeriodMs: config.lease.retryPeriodMs,
    requestTimeoutMs: requestTimeoutMs(config),
    clock,
    onError: (error) => {
      log.warn({ err: describe(error) }, 'leader election: lease update failed');
    },
  });
  metrics.leader.set(0);
  if (shard.selector !== undefined) log.info({ selector: shard.selector }, 'serving one shard');
  const depth = setInterval(() => {
    publishQueueDepth(metrics, [checks, credentials, runs], elector.isLeader);
  }, 1_000);
  depth.unref();
  const work = leaderWork({ context, synced: started.synced, checks, credentials, runs });
  const supervision = superviseLeadership(elector, work, {
    onLost: () => {
      log.error('lost leadership; stopping workers and exiting');
      metrics.leader.set(0);
      input.onLeadershipLost?.();
    },
    onReleaseError: (error) => {
      log.warn({ err: describe(error) }, 'leader election: could not release the Lease');
    },
  });
  const ended = supervision.ended.then(async (end) => {
    metrics.leader.set(0);
    clearInterval(depth);
    await started.stop();
    return end;
  });
  return {
    isReady: () => synced,
    isLeader: () => elector.isLeader,
    ended,
    stop: async () => {
      await supervision.stop();
      return ended;
    },
  };
}

/**
 * controllers are the three kinds' queues, each taking only this shard's keys. A check or
 * credential ref whose namespace left the shard has its series removed: the shard that
 * gained it publishes them now, and Prometheus must not see one check from two shards.
 */
function controllers(
  shard: Shard,
  metrics: Metrics,
): { checks: Controller; credentials: Controller; runs: Controller } {
  const metadata = (key: string): { metadata: { namespace: string; name: string } } => ({
    metadata: splitKey(key),
  });
  return {
    checks: {
      kind: 'AwsCheck',
      queue: new ShardQueue(shard, (key) => {
        metrics.forgetCheck(metadata(key));
      }),
      reconcile: reconcileCheck,
    },
    credentials: {
      kind: 'AwsCredentialRef',
      queue: new ShardQueue(shard, (key) => {
        metrics.forgetCredential(metadata(key));
      }),
      reconcile: reconcileCredential,
    },
    runs: {
      kind: 'RunQueue',
      queue: new ShardQueue(shard),
      reconcile: new RunAdmission().reconcile,
    },
  };
}

/**
 * publishQueueDepth sets each queue's depth gauge: the keys waiting for a worker while this
 * replica leads, 0 while it stands by. A standby's queues fill from its caches' events but
 * no worker takes them, so their depth would read as a permanent backlog.
 */
export function publishQueueDepth(
  metrics: Metrics,
  queues: readonly { readonly kind: Controller['kind']; readonly queue: WorkQueue }[],
  leading: boolean,
): void {
  for (const { kind, queue } of queues) metrics.queueDepth.set({ kind }, leading ? queue.depth : 0);
}

/**
 * requestTimeoutMs bounds every request of the operator: half the renew deadline, so a
 * hanging apiserver cannot hold a worker or a renew past the point where the Lease is lost.
 */
export function requestTimeoutMs(config: OperatorConfig): number {
  return Math.max(1, Math.floor(config.lease.renewDeadlineMs / 2));
}

interface LeaderWorkInput {
  readonly context: ControllerContext;
  readonly synced: Promise<void>;
  readonly checks: Controller;
  readonly credentials: Controller;
  readonly runs: Controller;
}

// leaderWork is what only the leader runs: the workers of both kinds and the resync.
// Started once caches are synced; drained by shutting the queues down, after which no
// worker takes another key and each finishes the one it holds.
function leaderWork(input: LeaderWorkInput): LeaderWork {
  const { context, checks, credentials, runs } = input;
  const queues = { checks: checks.queue, credentials: credentials.queue, runs: runs.queue };
  const { config, log, metrics, caches } = context;
  const stopped = new AbortController();
  let running: Promise<unknown> = Promise.resolve();
  const run = async (): Promise<unknown> => {
    await Promise.race([input.synced, aborted(stopped.signal)]);
    if (stopped.signal.aborted) return;
    log.info('leading: starting workers');
    metrics.leader.set(1);
    const workers: Promise<void>[] = [];
    for (const controller of [checks, credentials, runs]) {
      for (let i = 0; i < config.workers; i += 1) workers.push(work(controller, context));
    }
    enqueueAll(caches, queues);
    workers.push(resync(context, queues, stopped.signal));
    return Promise.all(workers);
  };
  return {
    start: () => {
      running = run();
    },
    drain: async () => {
      stopped.abort();
      checks.queue.shutDown();
      credentials.queue.shutDown();
      runs.queue.shutDown();
      await running;
    },
  };
}

// aborted resolves when `signal` fires.
async function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  await new Promise((resolve) => {
    signal.addEventListener('abort', resolve, { once: true });
  });
}

/**
 * work is one worker: take a key, reconcile it, retry with backoff on error or when the
 * reconcile asks for backoff (a quota holds a run back), and requeue it after a success
 * that asks to be looked at again. A key whose namespace left this shard while it waited
 * is dropped unreconciled, and one that left during its reconcile is let go after it: the
 * shard that gained the namespace reconciles it (every object of a relabelled namespace is
 * routed again), and a status write that races it fails on its resourceVersion.
 */
export async function work(controller: Controller, context: ControllerContext): Promise<void> {
  const { queue } = controller;
  for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
    if (queue.owns(key)) await reconcileKey(controller, context, key);
    // Not this shard's (any more): no failure count kept, nothing of it published.
    if (!queue.owns(key)) {
      queue.forget(key);
      queue.leave(key);
    }
    queue.done(key);
  }
}

// reconcileKey reconciles one key and queues it again as its result or error asks.
async function reconcileKey(
  { queue, kind, reconcile }: Controller,
  context: ControllerContext,
  key: string,
): Promise<void> {
  const stopTimer = context.metrics.reconcileDuration.startTimer({ kind });
  try {
    const result = await reconcile(context, key);
    if (result?.backoff === true) queue.addRateLimited(key);
    else queue.forget(key);
    const requeueAfterMs = result ? result.requeueAfterMs : undefined;
    if (requeueAfterMs !== undefined) queue.addAfter(key, requeueAfterMs);
    context.metrics.reconciles.inc({ kind, result: 'success' });
  } catch (error) {
    const retryInMs = queue.addRateLimited(key);
    context.metrics.reconciles.inc({ kind, result: 'error' });
    const { namespace, name } = splitKey(key);
    context.log.warn(
      { kind, namespace, name, retryInMs, err: describe(error) },
      'reconcile failed; retrying',
    );
  } finally {
    stopTimer();
  }
}

// resync enqueues every object periodically; at steady state the reconciles write nothing.
async function resync(
  context: ControllerContext,
  queues: Queues,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    try {
      await context.clock.sleep(context.config.resyncMs, signal);
    } catch {
      return;
    }
    enqueueAll(context.caches, queues);
  }
}
