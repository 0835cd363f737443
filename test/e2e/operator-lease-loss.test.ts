// Leadership ends cleanly. A replica that loses its Lease ends: the apiserver is frozen
// (SIGSTOP) for longer than the renew deadline under one leading replica; the replica
// stops its workers and exits non-zero by itself, a new replica takes over, and nothing
// is recorded twice. A replica stopped by SIGTERM hands its Lease over at once.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoordinationV1Api, type CoreV1Event } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { conditionOf, CustomObjects } from '../support/awscheck.ts';
import { logTail } from '../env/processes.ts';
import { eventually } from '../support/eventually.ts';
import { kubeClients } from '../support/kube.ts';
import { createTenant } from '../support/tenant.ts';
import {
  installOperator,
  startOperator,
  type OperatorSetup,
  type RunningOperator,
} from '../support/operator.ts';

const env = inject('testenv');
const admin = kubeClients(env.kubeconfig);
const objects = new CustomObjects(env.kubeconfig);
const leases = admin.config.makeApiClient(CoordinationV1Api);
// Lease timings roomier than the other e2e files' (3 s / 2 s / 1 s), so a loaded machine
// does not lose the Lease before the freeze does: requests time out after half the renew
// deadline, 2.5 s.
const LEASE_DURATION_MS = 8_000;
const RENEW_DEADLINE_MS = 5_000;
const LEASE_ENV = {
  AWSCHECK_LEASE_DURATION_SECONDS: String(LEASE_DURATION_MS / 1000),
  AWSCHECK_LEASE_RENEW_DEADLINE_SECONDS: String(RENEW_DEADLINE_MS / 1000),
  AWSCHECK_LEASE_RETRY_SECONDS: '1',
};
// Loss is noticed by the renew deadline; the workers then have (lease − deadline, at least
// 1 s) to stop; a second of slack for the exit path.
const EXIT_BOUND_MS =
  RENEW_DEADLINE_MS + Math.max(1_000, LEASE_DURATION_MS - RENEW_DEADLINE_MS) + 1_000;
let setup: OperatorSetup;
const running: RunningOperator[] = [];

function apiServerPid(): number {
  const server = env.processes.find((p) => p.name === 'kube-apiserver');
  if (!server) throw new Error('the test environment names no kube-apiserver process');
  const command = readFileSync(`/proc/${server.pid}/comm`, 'utf8').trim();
  if (command !== 'kube-apiserver') {
    throw new Error(`pid ${server.pid} is ${command}, not kube-apiserver`);
  }
  return server.pid;
}

// thaw is idempotent: the shared environment must survive whatever the test does.
function thaw(): void {
  try {
    process.kill(apiServerPid(), 'SIGCONT');
  } catch {
    // Gone already: the environment's own checks will say so.
  }
}

beforeAll(async () => {
  setup = await installOperator(env);
});

afterEach(async () => {
  thaw();
  await Promise.all(running.splice(0).map((operator) => operator.stop()));
});

afterAll(() => {
  thaw();
});

async function start(name: string): Promise<RunningOperator> {
  const operator = await startOperator(env, setup, name, LEASE_ENV);
  running.push(operator);
  return operator;
}

async function tenantWithCheck(namespace: string, name: string): Promise<void> {
  await objects.create('awschecks', namespace, {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCheck',
    metadata: { name },
    spec: { credentialRef: { name: 'readonly' }, service: 'sts', type: 'HealthCheck' },
  });
}

// runEvents lists the Events about a check, each with how often it was counted.
async function runEvents(namespace: string, name: string): Promise<string[]> {
  const list = await admin.core.listNamespacedEvent({
    namespace,
    fieldSelector: `involvedObject.name=${name}`,
  });
  return list.items
    .map(
      (event: CoreV1Event) =>
        `${event.reason ?? ''} ${event.metadata.name ?? ''} x${event.count ?? 1}+${event.series?.count ?? 0}`,
    )
    .sort();
}

interface Recorded {
  readonly lastRun: unknown;
  readonly consecutiveFailures: unknown;
  readonly lastSuccessfulTime: unknown;
  readonly healthy: unknown;
  readonly events: string[];
  readonly jobs: string[];
}

async function recorded(namespace: string, name: string): Promise<Recorded> {
  const check = await objects.check(namespace, name);
  const jobs = await admin.batch.listNamespacedJob({ namespace });
  const healthy = conditionOf(check, 'Healthy');
  return {
    lastRun: check.status?.lastRun,
    consecutiveFailures: check.status?.consecutiveFailures,
    lastSuccessfulTime: check.status?.lastSuccessfulTime,
    healthy: { status: healthy?.status, reason: healthy?.reason },
    events: await runEvents(namespace, name),
    jobs: jobs.items
      .filter((job) =>
        job.metadata?.ownerReferences?.some((owner) => owner.uid === check.metadata.uid),
      )
      .map((job) => job.metadata?.name ?? '')
      .sort(),
  };
}

async function healthyWithEvent(namespace: string, name: string): Promise<Recorded> {
  return eventually(
    `${name} Healthy with its run Event`,
    async () => {
      const now = await recorded(namespace, name);
      const healthy = (now.healthy as { status?: string }).status === 'True';
      return healthy && now.events.some((e) => e.startsWith('RunSucceeded')) ? now : undefined;
    },
    60_000,
  );
}

// explained adds the replica's log to a failure, which is where a lost Lease shows.
async function explained<T>(operator: RunningOperator, step: Promise<T>): Promise<T> {
  try {
    return await step;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`${why}\n--- ${operator.name}\n${logTail(operator.process.logFile, 40)}`, {
      cause: error,
    });
  }
}

describe('a replica whose leadership ends', () => {
  it('exits non-zero by itself while the apiserver is frozen; a new replica leads and records nothing twice', async () => {
    const first = await start('replica-a');
    await eventually('replica-a to lead', async () =>
      (await first.isLeader()) ? true : undefined,
    );
    const namespace = await createTenant(admin, objects);
    await tenantWithCheck(namespace, 'before-freeze');
    await explained(first, healthyWithEvent(namespace, 'before-freeze'));
    // Let a few resyncs pass, so what is compared later is the steady state.
    await sleep(2_000);
    const before = await recorded(namespace, 'before-freeze');
    expect(await first.isLeader()).toBe(true);

    const pid = apiServerPid();
    const frozenAt = Date.now();
    let exit: { code: number | null; at: number } | undefined;
    try {
      process.kill(pid, 'SIGSTOP');
      exit = await Promise.race([first.exited, sleep(30_000).then(() => undefined)]);
      // Frozen for longer than the Lease lasts, whenever the replica went.
      await sleep(Math.max(0, frozenAt + LEASE_DURATION_MS + 1_000 - Date.now()));
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const exitAfterMs = exit ? exit.at - frozenAt : undefined;
    console.log(`replica-a exited ${String(exitAfterMs)} ms after the freeze`);
    expect(exit?.code).toBe(1);
    expect(exitAfterMs).toBeLessThanOrEqual(EXIT_BOUND_MS);
    // It ended by the orderly path (workers drained, caches stopped), not the backstop.
    const log = readFileSync(first.process.logFile, 'utf8');
    expect(log).toContain('lost leadership; stopping workers and exiting');
    expect(log).toContain('stopped after losing the Lease');
    expect(log).not.toContain('did not stop in time');

    const lease = await eventually('the apiserver to answer again', async () =>
      leases.readNamespacedLease({ name: setup.leaseName, namespace: setup.namespace }),
    );
    // Lost, not released: the holder is still replica-a, whose Lease now simply expires.
    expect(lease.spec?.holderIdentity).toMatch(/^replica-a-/);

    const second = await start('replica-b');
    await eventually(
      'replica-b to lead',
      async () => ((await second.isLeader()) ? true : undefined),
      LEASE_DURATION_MS + 20_000,
    );
    await tenantWithCheck(namespace, 'after-takeover');
    await explained(second, healthyWithEvent(namespace, 'after-takeover'));
    // replica-b has resynced the frozen-over check several times by now.
    await sleep(2_000);

    expect(await recorded(namespace, 'before-freeze')).toEqual(before);
  }, 180_000);

  it('on SIGTERM drains, releases the Lease and exits 0, so the standby leads at once', async () => {
    const a = await start('replica-a');
    const b = await start('replica-b');
    const leader = await eventually('one leader', async () => {
      const leading = await Promise.all([a.isLeader(), b.isLeader()]);
      return leading.filter(Boolean).length === 1 ? (leading[0] ? a : b) : undefined;
    });
    const standby = leader === a ? b : a;

    process.kill(leader.process.pid, 'SIGTERM');
    const exit = await leader.exited;
    const lease = await leases.readNamespacedLease({
      name: setup.leaseName,
      namespace: setup.namespace,
    });
    await eventually('the standby to lead', async () =>
      (await standby.isLeader()) ? true : undefined,
    );
    const takeoverMs = Date.now() - exit.at;
    console.log(`the standby led ${takeoverMs} ms after the leader exited`);

    expect(exit.code).toBe(0);
    // Released (emptied) or already taken by the standby; never left to expire.
    expect(lease.spec?.holderIdentity ?? '').not.toMatch(new RegExp(`^${leader.name}-`));
    expect(takeoverMs).toBeLessThan(LEASE_DURATION_MS);
  }, 90_000);
});
