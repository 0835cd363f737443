// Running the operator for real: one leader among replicas, failover when it dies, and a
// restart in the middle of a run that neither loses the result nor repeats the run.
import { generationJobName } from '../../operator/controller/names.ts';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { conditionOf, CustomObjects } from '../support/awscheck.ts';
import { eventually } from '../support/eventually.ts';
import { kubeClients } from '../support/kube.ts';
import { createTenant } from '../support/tenant.ts';
import {
  installOperator,
  startOperator,
  type OperatorSetup,
  type RunningOperator,
} from '../support/operator.ts';
import { killProcessGroupNow } from '../env/processes.ts';

const env = inject('testenv');
const admin = kubeClients(env.kubeconfig);
const objects = new CustomObjects(env.kubeconfig);
let setup: OperatorSetup;
const running: RunningOperator[] = [];

beforeAll(async () => {
  setup = await installOperator(env);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((operator) => operator.stop()));
});

async function start(name: string): Promise<RunningOperator> {
  const operator = await startOperator(env, setup, name);
  running.push(operator);
  return operator;
}

async function tenantWithCheck(name: string): Promise<string> {
  const namespace = await createTenant(admin, objects);
  await objects.create('awschecks', namespace, {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCheck',
    metadata: { name },
    spec: { credentialRef: { name: 'readonly' }, service: 'sts', type: 'HealthCheck' },
  });
  return namespace;
}

async function healthyCheck(namespace: string, name: string): Promise<void> {
  await eventually(`${name} to be Healthy`, async () => {
    const check = await objects.check(namespace, name);
    return conditionOf(check, 'Healthy')?.status === 'True' ? check : undefined;
  });
}

describe('operator replicas', () => {
  it('elect one leader; when it dies the standby takes over and reconciles', async () => {
    const first = await start('replica-a');
    const second = await start('replica-b');

    const leader = await eventually('one leader', async () => {
      const leading = await Promise.all([first, second].map((replica) => replica.isLeader()));
      return leading.filter(Boolean).length === 1 ? (leading[0] ? first : second) : undefined;
    });
    const standby = leader === first ? second : first;
    expect(await standby.isLeader()).toBe(false);
    expect((await fetch(`${standby.url}/readyz`)).status).toBe(200);

    killProcessGroupNow(leader.process.pid);
    await eventually(
      'the standby to lead',
      async () => ((await standby.isLeader()) ? true : undefined),
      20_000,
    );
    const namespace = await tenantWithCheck('after-failover');
    await healthyCheck(namespace, 'after-failover');
  });

  it('after a restart mid-run, records the run exactly once and starts no second first run', async () => {
    const operator = await start('replica-a');
    const namespace = await tenantWithCheck('restarted');
    await eventually('the first run to be started', async () => {
      const jobs = await admin.batch.listNamespacedJob({
        namespace,
        labelSelector: 'awscheck.io/check=restarted',
      });
      return jobs.items.length > 0 ? jobs.items : undefined;
    });
    killProcessGroupNow(operator.process.pid);
    const uid = (await objects.check(namespace, 'restarted')).metadata.uid ?? '';
    const first = generationJobName('restarted', uid, 1);
    await eventually('the run to finish while no operator runs', async () => {
      const job = await admin.batch.readNamespacedJob({ name: first, namespace });
      return job.status?.succeeded === 1 ? job : undefined;
    });

    await start('replica-b');
    await healthyCheck(namespace, 'restarted');

    const check = await objects.check(namespace, 'restarted');
    expect(check.status?.lastRun?.jobName).toBe(first);
    expect(check.status?.consecutiveFailures).toBe(0);
    const jobs = await admin.batch.listNamespacedJob({
      namespace,
      labelSelector: 'awscheck.io/check=restarted',
    });
    expect(jobs.items.map((job) => job.metadata?.name)).toEqual([first]);
    // The Event follows the status write, so it may arrive a moment after Healthy.
    const events = await eventually('the run Event', async () => {
      const list = await admin.core.listNamespacedEvent({
        namespace,
        fieldSelector: 'involvedObject.name=restarted',
      });
      return list.items.length > 0 ? list.items : undefined;
    });
    expect(events.map((event) => event.reason)).toEqual(['RunSucceeded']);
  });
});
