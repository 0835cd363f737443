// The plan's maxConcurrentRuns end to end on the real control plane, beyond one run at a
// time (operator-plans.test.ts): a limit above 1 is kept and used, and one tenant's full
// run queue never holds back another tenant's runs (the queue is per namespace).
import { randomBytes } from 'node:crypto';
import { PatchStrategy, setHeaderOptions, type V1Job } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AwsCheck } from '../../operator/api/v1alpha1/awscheck.ts';
import {
  CATALOG_CONFIGMAP,
  CATALOG_KEY,
  defaultCatalog,
  planOf,
  type Plan,
  type PlanCatalog,
} from '../../operator/plans/catalog.ts';
import { PLAN_LABEL, TENANT_LABEL } from '../../operator/plans/tenancy.ts';
import { conditionOf, CustomObjects } from '../support/awscheck.ts';
import { eventually } from '../support/eventually.ts';
import { kubeClients } from '../support/kube.ts';
import {
  installOperator,
  startOperator,
  type OperatorSetup,
  type RunningOperator,
} from '../support/operator.ts';
import { createTenant, TENANT_CREDENTIAL_REF } from '../support/tenant.ts';

const env = inject('testenv');
const admin = kubeClients(env.kubeconfig);
const objects = new CustomObjects(env.kubeconfig);
let setup: OperatorSetup;
let operator: RunningOperator;

const shipped = defaultCatalog();
const team = planOf(shipped, 'team');
if (team === undefined) throw new Error('the shipped catalog has no plan team');
const queued = (maxConcurrentRuns: number): Plan => ({
  ...team,
  stripePriceId: undefined,
  sellable: false,
  maxChecks: 12,
  allowedServices: ['sts'],
  maxConcurrentRuns,
});
const catalog: PlanCatalog = {
  plans: { ...shipped.plans, serial: queued(1), pair: queued(2) },
};

beforeAll(async () => {
  setup = await installOperator(env);
  await admin.core.patchNamespacedConfigMap(
    {
      name: CATALOG_CONFIGMAP,
      namespace: setup.namespace,
      body: { data: { [CATALOG_KEY]: stringify(catalog) } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  operator = await startOperator(env, setup);
});

afterAll(async () => {
  await operator.stop();
});

async function tenantOn(plan: string): Promise<string> {
  const labels = { [TENANT_LABEL]: randomBytes(8).toString('hex'), [PLAN_LABEL]: plan };
  const namespace = await createTenant(admin, objects, { prefix: 'admit', labels });
  await eventually('the credential ref Ready', async () => {
    const ref = await objects.credential(namespace, TENANT_CREDENTIAL_REF);
    return conditionOf(ref, 'Ready')?.status === 'True' ? ref : undefined;
  });
  return namespace;
}

async function createChecks(namespace: string, names: readonly string[]): Promise<void> {
  for (const name of names) {
    await objects.create('awschecks', namespace, {
      apiVersion: 'awscheck.io/v1alpha1',
      kind: 'AwsCheck',
      metadata: { name },
      spec: {
        credentialRef: { name: TENANT_CREDENTIAL_REF },
        service: 'sts',
        type: 'HealthCheck',
        schedule: '@daily',
        firstRun: 'Immediately',
      },
    });
  }
}

function finished(job: V1Job): boolean {
  return (job.status?.conditions ?? []).some(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
}

const jobsOf = async (namespace: string): Promise<V1Job[]> =>
  (await admin.batch.listNamespacedJob({ namespace })).items;

const running = (jobs: readonly V1Job[]): number =>
  jobs.filter((job) => job.spec?.suspend !== true && !finished(job)).length;

const waiting = (jobs: readonly V1Job[]): number =>
  jobs.filter((job) => job.spec?.suspend === true && !finished(job)).length;

async function allRecorded(namespace: string, names: readonly string[]): Promise<AwsCheck[]> {
  const found = await Promise.all(names.map((name) => objects.check(namespace, name)));
  return found.every((c) => c.status?.lastRun !== undefined) ? found : [];
}

const namesOf = (prefix: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

describe('the run queue of a tenant namespace', () => {
  it('runs at most two Jobs at once under maxConcurrentRuns 2, and records every run', async () => {
    const namespace = await tenantOn('pair');
    const names = namesOf('check', 6);
    await createChecks(namespace, names);

    let mostRunning = 0;
    let mostWaiting = 0;
    const done = await eventually(
      'every run recorded',
      async () => {
        const jobs = await jobsOf(namespace);
        mostRunning = Math.max(mostRunning, running(jobs));
        mostWaiting = Math.max(mostWaiting, waiting(jobs));
        const found = await allRecorded(namespace, names);
        return found.length > 0 ? found : undefined;
      },
      110_000,
    );

    expect(mostRunning).toBeLessThanOrEqual(2);
    expect(mostWaiting).toBeGreaterThan(0);
    for (const found of done) {
      expect(found.status?.lastRun).toMatchObject({ outcome: 'Succeeded' });
    }
  }, 120_000);

  it('does not hold back another tenant’s run while its own queue is full', async () => {
    const busy = await tenantOn('serial');
    const other = await tenantOn('serial');
    const busyNames = namesOf('busy', 10);
    await createChecks(busy, busyNames);
    await eventually('the busy tenant’s queue to fill', async () => {
      const jobs = await jobsOf(busy);
      return waiting(jobs) >= 5 ? jobs : undefined;
    });

    await createChecks(other, ['alone']);

    const [alone] = await eventually('the other tenant’s run recorded', async () => {
      const found = await allRecorded(other, ['alone']);
      return found.length > 0 ? found : undefined;
    });
    // When the other tenant's run was recorded, the busy tenant's queue still waited.
    const busyJobs = await jobsOf(busy);
    expect(waiting(busyJobs)).toBeGreaterThan(0);
    expect(alone?.status?.lastRun).toMatchObject({ outcome: 'Succeeded' });

    await eventually(
      'the busy tenant’s runs recorded',
      async () => {
        const found = await allRecorded(busy, busyNames);
        return found.length > 0 ? found : undefined;
      },
      110_000,
    );
  }, 180_000);
});
