// Faults of the control plane under one running operator, on a control plane of this file's
// own (test/support/control-plane.ts), so the shared one stays whole for every other test:
// the kube-apiserver stopped and started again on the same port and certificates, and etcd
// compacted while the operator's watches are behind, so they expire (410 Gone) and it
// must relist. The apiserver serves watches from etcd (--watch-cache=false), as it does
// for a resource it does not cache, so a compaction reaches its watchers.
// One operator process serves the whole file: it must survive each fault in place.
import { setTimeout as sleep } from 'node:timers/promises';
import { Watch, type V1CronJob } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { conditionOf, CustomObjects } from '../support/awscheck.ts';
import {
  startDedicatedControlPlane,
  type DedicatedControlPlane,
} from '../support/control-plane.ts';
import { eventually } from '../support/eventually.ts';
import { kubeClients, type KubeClients } from '../support/kube.ts';
import { createTenant } from '../support/tenant.ts';
import { installOperator, startOperator, type RunningOperator } from '../support/operator.ts';
import { isAlive, logTail } from '../env/processes.ts';

const shared = inject('testenv');
// A Lease that outlasts the faults: the replica keeps leading through a short outage or
// pause rather than exiting on a missed renewal (operator-lease-loss.test.ts covers that).
const LEASE_ENV = {
  AWSCHECK_LEASE_DURATION_SECONDS: '60',
  AWSCHECK_LEASE_RENEW_DEADLINE_SECONDS: '45',
  AWSCHECK_LEASE_RETRY_SECONDS: '2',
};
let plane: DedicatedControlPlane | undefined;
let admin: KubeClients;
let objects: CustomObjects;
let operator: RunningOperator | undefined;

beforeAll(async () => {
  const started = await startDedicatedControlPlane(shared, {
    apiServerArgs: ['--watch-cache=false'],
  });
  plane = started;
  admin = kubeClients(started.env.kubeconfig);
  objects = new CustomObjects(started.env.kubeconfig);
  const setup = await installOperator(started.env);
  operator = await startOperator(started.env, setup, 'replica-a', LEASE_ENV);
}, 180_000);

afterAll(async () => {
  if (operator !== undefined) {
    process.kill(operator.process.pid, 'SIGCONT');
    await operator.stop();
  }
  await plane?.stop();
});

function dedicated(): DedicatedControlPlane {
  if (plane === undefined) throw new Error('the dedicated control plane did not start');
  return plane;
}

function running(): RunningOperator {
  if (operator === undefined) throw new Error('the operator did not start');
  return operator;
}

async function createCheck(namespace: string, name: string, schedule = '@daily'): Promise<void> {
  await objects.create('awschecks', namespace, {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCheck',
    metadata: { name },
    spec: {
      credentialRef: { name: 'readonly' },
      service: 'sts',
      type: 'HealthCheck',
      schedule,
      firstRun: 'OnSchedule',
    },
  });
}

// converged: the check's CronJob is its own (by controller UID) and runs on `schedule`, and
// its status speaks for its current spec.
async function converged(namespace: string, name: string, schedule: string): Promise<V1CronJob> {
  return explained(
    eventually(`${name} converged on ${schedule}`, async () => {
      const check = await objects.check(namespace, name);
      const cronJob = await admin.batch.readNamespacedCronJob({ name, namespace });
      const own = cronJob.metadata?.ownerReferences?.some(
        (owner) => owner.controller === true && owner.uid === check.metadata.uid,
      );
      const observed = check.status?.observedGeneration === check.metadata.generation;
      const ready = conditionOf(check, 'Ready')?.observedGeneration === check.metadata.generation;
      return own === true && observed && ready && cronJob.spec.schedule === schedule
        ? cronJob
        : undefined;
    }),
  );
}

// published tells whether the operator exports series for the check.
async function published(namespace: string, name: string): Promise<boolean> {
  const text = await (await fetch(`${running().url}/metrics`)).text();
  return text.includes(
    `awscheck_check_created_timestamp_seconds{namespace="${namespace}",name="${name}"`,
  );
}

// explained adds the operator's log to a failure.
async function explained<T>(step: Promise<T>): Promise<T> {
  try {
    return await step;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`${why}\n--- operator\n${logTail(running().process.logFile, 40)}`, {
      cause: error,
    });
  }
}

async function probe(path: '/healthz' | '/readyz'): Promise<number> {
  return (await fetch(`${running().url}${path}`, { signal: AbortSignal.timeout(5_000) })).status;
}

/** expectSameProcess: the replica survived in place, neither exited nor replaced. */
async function expectSameProcess(): Promise<void> {
  const exit = await Promise.race([running().exited, sleep(0).then(() => undefined)]);
  expect(exit).toBeUndefined();
  expect(isAlive(running().process.pid)).toBe(true);
  expect(await running().isLeader()).toBe(true);
}

// watchStatus starts a watch of AwsChecks from `resourceVersion` and tells how the apiserver
// answers: 410 when that point of history is compacted away, 200 when it streams from it.
async function watchStatus(resourceVersion: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let status = 200;
    new Watch(admin.config)
      .watch(
        '/apis/awscheck.io/v1alpha1/awschecks',
        { resourceVersion },
        (phase, object: { code?: number }) => {
          if (phase === 'ERROR') status = object.code ?? 0;
        },
        (error: unknown) => {
          const code = (error as { statusCode?: number } | null)?.statusCode;
          resolve(code ?? status);
        },
      )
      .then((request) => {
        setTimeout(() => {
          request.abort();
        }, 1_500);
      }, reject);
  });
}

describe('the kube-apiserver stopped and started again under the operator', () => {
  it('recovers in the same process, stays live and ready meanwhile, and converges what changed after', async () => {
    const namespace = await createTenant(admin, objects);
    await createCheck(namespace, 'before');
    await converged(namespace, 'before', '@daily');

    await dedicated().stopApiServer();
    try {
      // Long enough for watches, resyncs and a Lease renewal to fail for real.
      await sleep(4_000);
      // Liveness holds (a restart would not bring the apiserver back), and so does
      // readiness: the caches stay synced and the replica still holds its Lease.
      expect(await probe('/healthz')).toBe(200);
      expect(await probe('/readyz')).toBe(200);
    } finally {
      await dedicated().startApiServer();
    }

    await createCheck(namespace, 'after');
    await objects.mergePatch('awschecks', namespace, 'before', { spec: { schedule: '@hourly' } });
    await converged(namespace, 'after', '@daily');
    await converged(namespace, 'before', '@hourly');
    expect(await probe('/readyz')).toBe(200);
    await expectSameProcess();
  }, 90_000);
});

describe('etcd compacted while the operator’s watches are behind', () => {
  it('relists on 410 Gone and misses no create, change or delete made in the gap', async () => {
    const namespace = await createTenant(admin, objects);
    await createCheck(namespace, 'changed');
    await createCheck(namespace, 'deleted');
    await converged(namespace, 'changed', '@daily');
    await converged(namespace, 'deleted', '@daily');
    await eventually('the deleted check’s series', async () =>
      (await published(namespace, 'deleted')) ? true : undefined,
    );

    const pid = running().process.pid;
    process.kill(pid, 'SIGSTOP');
    let listsBefore: number;
    try {
      // Paused: the operator has seen nothing after this point of history. The apiserver
      // restarts behind it, ending every watch it held (as an upgrade or a network partition
      // does), and the history it would resume from is compacted away.
      const behind = String(await dedicated().revision());
      await dedicated().stopApiServer();
      await dedicated().startApiServer();
      listsBefore = await dedicated().requests('awschecks', 'LIST');
      await createCheck(namespace, 'created');
      await objects.mergePatch('awschecks', namespace, 'changed', {
        spec: { schedule: '@hourly' },
      });
      await objects.delete('awschecks', namespace, 'deleted');
      await dedicated().compact();
      // Whoever watches from where the operator stands is told 410 Gone.
      expect(await watchStatus(behind)).toBe(410);
    } finally {
      process.kill(pid, 'SIGCONT');
    }

    await converged(namespace, 'created', '@daily');
    await converged(namespace, 'changed', '@hourly');
    await explained(
      eventually('the deleted check’s series to be withdrawn', async () =>
        (await published(namespace, 'deleted')) ? undefined : true,
      ),
    );
    // It relisted (only the operator lists AwsChecks here; this test reads them one by one).
    expect(await dedicated().requests('awschecks', 'LIST')).toBeGreaterThan(listsBefore);
    await expectSameProcess();
  }, 90_000);
});
