// Plan enforcement end to end on the real control plane: the operator reads the plan
// catalog ConfigMap in its own namespace (by name, through its generated RBAC) and judges
// every check in a tenant namespace (labels awscheck.io/tenant and awscheck.io/plan)
// against its plan. This file writes its own catalog with small limits.
import { randomBytes } from 'node:crypto';
import {
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Event,
  type V1CronJob,
  type V1Job,
} from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AwsCheck } from '../../operator/api/v1alpha1/awscheck.ts';
import {
  CATALOG_CONFIGMAP,
  CATALOG_KEY,
  defaultCatalog,
  planOf as findPlan,
  type Plan,
  type PlanCatalog,
} from '../../operator/plans/catalog.ts';
import { PLAN_LABEL, TENANT_LABEL } from '../../operator/plans/tenancy.ts';
import { RUN_KIND_LABEL } from '../../operator/labels.ts';
import { conditionOf, CustomObjects } from '../support/awscheck.ts';
import { eventually } from '../support/eventually.ts';
import { kubeClients } from '../support/kube.ts';
import { createTenant, TENANT_CREDENTIAL_REF } from '../support/tenant.ts';
import {
  installOperator,
  startOperator,
  type OperatorSetup,
  type RunningOperator,
} from '../support/operator.ts';

const env = inject('testenv');
const admin = kubeClients(env.kubeconfig);
const objects = new CustomObjects(env.kubeconfig);
let setup: OperatorSetup;
let operator: RunningOperator;

const shipped = defaultCatalog();
const team: Plan = {
  ...planOf(shipped, 'team'),
  maxChecks: 3,
  maxCredentialRefs: 1,
  minScheduleIntervalSeconds: 3600,
  maxRegionsPerCheck: 2,
  allowedServices: ['sts', 'ec2'],
  checker: { cpu: '150m', memory: '200Mi' },
};
/**
 * The catalog of this file: small limits, `small`, a plan to downgrade to, and `serial`,
 * one run at a time.
 */
const catalog: PlanCatalog = {
  plans: {
    ...shipped.plans,
    team,
    small: { ...team, stripePriceId: undefined, maxChecks: 2 },
    serial: { ...team, stripePriceId: undefined, maxConcurrentRuns: 1 },
  },
};

function planOf(plans: PlanCatalog, name: string): Plan {
  const plan = findPlan(plans, name);
  if (plan === undefined) throw new Error(`the catalog has no plan ${name}`);
  return plan;
}

beforeAll(async () => {
  setup = await installOperator(env);
  await writeCatalog(catalog);
  operator = await startOperator(env, setup);
});

afterAll(async () => {
  await operator.stop();
});

async function writeCatalog(plans: PlanCatalog): Promise<void> {
  await admin.core.patchNamespacedConfigMap(
    {
      name: CATALOG_CONFIGMAP,
      namespace: setup.namespace,
      body: { data: { [CATALOG_KEY]: stringify(plans) } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

/**
 * tenantOn makes a tenant namespace on `plan`, with its keys and credential ref; `before`
 * runs once the namespace exists, before anything is in it.
 */
async function tenantOn(
  plan: string,
  before: (namespace: string) => Promise<unknown> = () => Promise.resolve(),
): Promise<string> {
  const labels = { [TENANT_LABEL]: randomBytes(8).toString('hex'), [PLAN_LABEL]: plan };
  return createTenant(admin, objects, { prefix: 'plan', labels, before });
}

async function relabel(namespace: string, plan: string): Promise<void> {
  await admin.core.patchNamespace(
    { name: namespace, body: { metadata: { labels: { [PLAN_LABEL]: plan } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

function check(name: string, spec: Record<string, unknown> = {}): object {
  return {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCheck',
    metadata: { name },
    spec: {
      credentialRef: { name: TENANT_CREDENTIAL_REF },
      service: 'sts',
      type: 'HealthCheck',
      schedule: '@daily',
      firstRun: 'OnSchedule',
      ...spec,
    },
  };
}

// readyWhen waits for the check's Ready to have `reason`; on timeout it says what it saw.
async function readyWhen(namespace: string, name: string, reason: string): Promise<AwsCheck> {
  let seen = '';
  try {
    return await eventually(`AwsCheck ${name} Ready reason ${reason}`, async () => {
      const found = await objects.check(namespace, name);
      const ready = conditionOf(found, 'Ready');
      seen = `${ready?.status ?? '-'} ${ready?.reason ?? '-'}: ${ready?.message ?? ''}`;
      return ready?.reason === reason ? found : undefined;
    });
  } catch (error) {
    throw new Error(`${(error as Error).message}; last Ready: ${seen}`, { cause: error });
  }
}

function finished(job: V1Job): boolean {
  return (job.status?.conditions ?? []).some(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
}

// suspendedCondition is the status of the job controller's Suspended condition, if any.
function suspendedCondition(job: V1Job): string | undefined {
  return job.status?.conditions?.find((c) => c.type === 'Suspended')?.status;
}

/**
 * sampleRuns lists the namespace's Jobs on every poll until `until` has a value, and
 * returns it with the most Jobs seen running at once (resumed, not finished).
 */
async function sampleRuns<T>(
  namespace: string,
  until: () => Promise<T | undefined>,
): Promise<{ value: T; mostActive: number }> {
  let mostActive = 0;
  const value = await eventually(
    'the runs to finish',
    async () => {
      const jobs = (await admin.batch.listNamespacedJob({ namespace })).items;
      const running = jobs.filter((job) => job.spec?.suspend !== true && !finished(job));
      mostActive = Math.max(mostActive, running.length);
      return until();
    },
    90_000,
  );
  return { value, mostActive };
}

async function cronJobOf(namespace: string, name: string): Promise<V1CronJob | undefined> {
  const list = await admin.batch.listNamespacedCronJob({ namespace });
  return list.items.find((c) => c.metadata?.name === name);
}

async function suspendedWhen(namespace: string, name: string, suspend: boolean): Promise<void> {
  await eventually(`CronJob ${name} suspend=${String(suspend)}`, async () => {
    const cronJob = await cronJobOf(namespace, name);
    return cronJob?.spec.suspend === suspend ? cronJob : undefined;
  });
}

async function catalogWarnings(): Promise<CoreV1Event[]> {
  const events = await admin.core.listNamespacedEvent({
    namespace: setup.namespace,
    fieldSelector: `involvedObject.name=${CATALOG_CONFIGMAP},reason=PlanCatalogRejected`,
  });
  return events.items.filter((event) => event.type === 'Warning');
}

// catalogWarning waits for the operator's Warning Event on the catalog ConfigMap that
// names `keptVersion` as the catalog still in force.
async function catalogWarning(keptVersion: string): Promise<CoreV1Event> {
  return eventually(`a PlanCatalogRejected Event keeping ${keptVersion}`, async () =>
    (await catalogWarnings()).find((event) =>
      event.message?.includes(`(resourceVersion ${keptVersion})`),
    ),
  );
}

async function catalogGauges(expected: { valid: number; inForce: number }): Promise<void> {
  await eventually(`catalog gauges ${JSON.stringify(expected)}`, async () => {
    const text = await (await fetch(`${operator.url}/metrics`)).text();
    const valid = new RegExp(`^awscheck_plan_catalog_valid ${String(expected.valid)}$`, 'm');
    const inForce = new RegExp(`^awscheck_plan_catalog_in_force ${String(expected.inForce)}$`, 'm');
    return valid.test(text) && inForce.test(text) ? text : undefined;
  });
}

// restoreCatalog puts this file's catalog back, creating the ConfigMap if it was deleted.
async function restoreCatalog(): Promise<void> {
  const list = await admin.core.listNamespacedConfigMap({
    namespace: setup.namespace,
    fieldSelector: `metadata.name=${CATALOG_CONFIGMAP}`,
  });
  if (list.items.length > 0) {
    await writeCatalog(catalog);
    return;
  }
  await admin.core.createNamespacedConfigMap({
    namespace: setup.namespace,
    body: {
      metadata: { name: CATALOG_CONFIGMAP, namespace: setup.namespace },
      data: { [CATALOG_KEY]: stringify(catalog) },
    },
  });
}

describe('plan enforcement', () => {
  it('reports a too-frequent schedule, too many regions and a service outside the plan, with no CronJob', async () => {
    const namespace = await tenantOn('team');
    await objects.create('awschecks', namespace, check('often', { schedule: '*/5 * * * *' }));
    await objects.create(
      'awschecks',
      namespace,
      check('wide', { regions: ['us-east-1', 'eu-west-1', 'ap-south-1'] }),
    );
    await objects.create('awschecks', namespace, check('eks', { service: 'eks' }));

    const often = await readyWhen(namespace, 'often', 'PlanLimitExceeded');
    const wide = await readyWhen(namespace, 'wide', 'PlanLimitExceeded');
    const eks = await readyWhen(namespace, 'eks', 'PlanLimitExceeded');

    expect(conditionOf(often, 'Ready')?.message).toBe(
      'schedule "*/5 * * * *" runs every 5m; plan team allows at most one run every 1h',
    );
    expect(conditionOf(wide, 'Ready')?.message).toBe(
      '3 regions (us-east-1, eu-west-1, ap-south-1); plan team allows at most 2 regions per check',
    );
    expect(conditionOf(eks, 'Ready')?.message).toBe(
      'service eks is not in plan team (allowed: sts, ec2)',
    );
    for (const found of [often, wide, eks]) {
      expect(conditionOf(found, 'Stalled')).toMatchObject({ status: 'True' });
      expect(found.status?.cronJobName).toBeUndefined();
    }
    expect((await admin.batch.listNamespacedCronJob({ namespace })).items).toEqual([]);
    const jobs = await admin.batch.listNamespacedJob({ namespace });
    expect(jobs.items.map((job) => job.metadata?.labels?.[RUN_KIND_LABEL])).not.toContain(
      'initial',
    );
  });

  it('gives checker pods the plan’s CPU and memory, request equal to limit', async () => {
    const namespace = await tenantOn('team');
    await objects.create('awschecks', namespace, check('daily'));

    await readyWhen(namespace, 'daily', 'Scheduled');

    const cronJob = await cronJobOf(namespace, 'daily');
    const resources = cronJob?.spec.jobTemplate.spec?.template.spec?.containers[0]?.resources;
    expect(resources).toEqual({
      requests: { cpu: '150m', memory: '200Mi' },
      limits: { cpu: '150m', memory: '200Mi' },
    });
    const validations = await admin.batch.listNamespacedJob({ namespace });
    expect(validations.items.length).toBeGreaterThan(0);
    for (const job of validations.items) {
      expect(job.spec?.template.spec?.containers[0]?.resources?.limits).toEqual({
        cpu: '150m',
        memory: '200Mi',
      });
    }
  });

  it('suspends every CronJob while the plan is suspended, and resumes when it returns', async () => {
    const namespace = await tenantOn('team');
    await objects.create('awschecks', namespace, check('first'));
    await objects.create('awschecks', namespace, check('second', { schedule: '@weekly' }));
    await readyWhen(namespace, 'first', 'Scheduled');
    await readyWhen(namespace, 'second', 'Scheduled');

    await relabel(namespace, 'suspended');

    for (const name of ['first', 'second']) {
      const found = await readyWhen(namespace, name, 'SubscriptionInactive');
      expect(conditionOf(found, 'Ready')?.message).toContain('plan suspended is not active');
      expect(conditionOf(found, 'Stalled')?.status).toBe('True');
      await suspendedWhen(namespace, name, true);
    }
    const ref = await eventually('the credential ref SubscriptionInactive', async () => {
      const found = await objects.credential(namespace, TENANT_CREDENTIAL_REF);
      return conditionOf(found, 'Ready')?.reason === 'SubscriptionInactive' ? found : undefined;
    });
    expect(conditionOf(ref, 'Ready')?.status).toBe('False');

    await relabel(namespace, 'team');

    for (const name of ['first', 'second']) {
      await readyWhen(namespace, name, 'Scheduled');
      await suspendedWhen(namespace, name, false);
    }
  });

  it('applies an edited catalog without a restart', async () => {
    const namespace = await tenantOn('small');
    await objects.create('awschecks', namespace, check('hourly', { schedule: '@hourly' }));
    await readyWhen(namespace, 'hourly', 'Scheduled');

    const stricter = { ...planOf(catalog, 'small'), minScheduleIntervalSeconds: 7200 };
    await writeCatalog({ plans: { ...catalog.plans, small: stricter } });
    try {
      const found = await readyWhen(namespace, 'hourly', 'PlanLimitExceeded');
      expect(conditionOf(found, 'Ready')?.message).toBe(
        'schedule "@hourly" runs every 1h; plan small allows at most one run every 2h',
      );
      await suspendedWhen(namespace, 'hourly', true);
    } finally {
      await writeCatalog(catalog);
    }
    await readyWhen(namespace, 'hourly', 'Scheduled');
    await suspendedWhen(namespace, 'hourly', false);
  });

  it('keeps the last valid catalog in force when the ConfigMap turns invalid or is deleted, and says so', async () => {
    const namespace = await tenantOn('small');
    await objects.create('awschecks', namespace, check('kept', { schedule: '@hourly' }));
    await readyWhen(namespace, 'kept', 'Scheduled');
    const before = await admin.core.readNamespacedConfigMap({
      name: CATALOG_CONFIGMAP,
      namespace: setup.namespace,
    });
    try {
      await admin.core.patchNamespacedConfigMap(
        {
          name: CATALOG_CONFIGMAP,
          namespace: setup.namespace,
          body: { data: { [CATALOG_KEY]: 'plans: {}' } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      const invalid = await catalogWarning(before.metadata?.resourceVersion ?? '');
      expect(invalid.message).toContain(
        `the last valid catalog (resourceVersion ${before.metadata?.resourceVersion ?? ''}) stays in force until a valid edit`,
      );
      expect(invalid.involvedObject.uid).toBe(before.metadata?.uid);
      await catalogGauges({ valid: 0, inForce: 1 });
      // judged under the kept catalog: a new tenant's check is scheduled, the old one stays
      const later = await tenantOn('small');
      await objects.create('awschecks', later, check('judged', { schedule: '@hourly' }));
      await readyWhen(later, 'judged', 'Scheduled');
      expect(conditionOf(await objects.check(namespace, 'kept'), 'Ready')?.reason).toBe(
        'Scheduled',
      );
      expect((await cronJobOf(namespace, 'kept'))?.spec.suspend).toBe(false);

      await admin.core.deleteNamespacedConfigMap({
        name: CATALOG_CONFIGMAP,
        namespace: setup.namespace,
      });
      await eventually('a second Warning Event, for the deletion', async () => {
        const events = await catalogWarnings();
        return events.length >= 2 ? events : undefined;
      });
      await objects.create('awschecks', later, check('after-delete', { schedule: '@hourly' }));
      await readyWhen(later, 'after-delete', 'Scheduled');

      // a restarted operator has seen no valid catalog: tenant checks stop, named
      await operator.stop();
      operator = await startOperator(env, setup);
      const stopped = await readyWhen(namespace, 'kept', 'InvalidConfiguration');
      expect(conditionOf(stopped, 'Ready')?.message).toContain(
        `ConfigMap ${setup.namespace}/${CATALOG_CONFIGMAP} (key ${CATALOG_KEY}), does not exist`,
      );
      await suspendedWhen(namespace, 'kept', true);
      await catalogGauges({ valid: 0, inForce: 0 });
    } finally {
      await restoreCatalog();
    }
    await readyWhen(namespace, 'kept', 'Scheduled');
    await suspendedWhen(namespace, 'kept', false);
    await catalogGauges({ valid: 1, inForce: 1 });
  });

  it('keeps every object on a downgrade and reports the ones beyond maxChecks', async () => {
    const namespace = await tenantOn('team');
    for (const name of ['a-oldest', 'b-middle', 'c-newest']) {
      await objects.create('awschecks', namespace, check(name));
      await readyWhen(namespace, name, 'Scheduled');
    }

    await relabel(namespace, 'small');

    const newest = await readyWhen(namespace, 'c-newest', 'PlanLimitExceeded');
    expect(conditionOf(newest, 'Ready')?.message).toBe(
      'the namespace has 3 AwsChecks and plan small allows 2; AwsCheck c-newest is number 3 by age, so it is kept but does not run',
    );
    await suspendedWhen(namespace, 'c-newest', true);
    for (const name of ['a-oldest', 'b-middle']) {
      expect(conditionOf(await objects.check(namespace, name), 'Ready')?.reason).toBe('Scheduled');
      expect((await cronJobOf(namespace, name))?.spec.suspend).toBe(false);
    }
    const cronJobs = await admin.batch.listNamespacedCronJob({ namespace });
    expect(cronJobs.items.map((c) => c.metadata?.name).sort()).toEqual([
      'a-oldest',
      'b-middle',
      'c-newest',
    ]);

    await objects.delete('awschecks', namespace, 'a-oldest');

    await readyWhen(namespace, 'c-newest', 'Scheduled');
    await suspendedWhen(namespace, 'c-newest', false);
  });

  it('reports a plan the catalog does not have, and runs nothing', async () => {
    const namespace = await tenantOn('platinum');
    await objects.create('awschecks', namespace, check('lost'));

    const found = await readyWhen(namespace, 'lost', 'InvalidConfiguration');

    expect(conditionOf(found, 'Ready')?.message).toContain(
      'plan "platinum" (label awscheck.io/plan) is not in the plan catalog, ConfigMap awscheck-plans',
    );
    expect(conditionOf(found, 'Stalled')?.status).toBe('True');
    expect(await cronJobOf(namespace, 'lost')).toBeUndefined();
    const ref = await eventually('the credential ref to report the plan', async () => {
      const found = await objects.credential(namespace, TENANT_CREDENTIAL_REF);
      return conditionOf(found, 'Ready')?.reason === 'InvalidConfiguration' ? found : undefined;
    });
    expect(conditionOf(ref, 'Ready')?.message).toContain('plan "platinum"');
    expect((await admin.batch.listNamespacedJob({ namespace })).items).toEqual([]);
  });

  it('retries a run a ResourceQuota refuses, as Reconciling, and starts it once the quota allows', async () => {
    const namespace = await tenantOn('team', async (inside) => {
      await admin.core.createNamespacedResourceQuota({
        namespace: inside,
        body: { metadata: { name: 'runs' }, spec: { hard: { 'count/jobs.batch': '0' } } },
      });
      await eventually('the quota to be counted', async () => {
        const quota = await admin.core.readNamespacedResourceQuota({
          name: 'runs',
          namespace: inside,
        });
        return quota.status?.hard === undefined ? undefined : quota;
      });
    });
    await objects.create('awschecks', namespace, check('now', { firstRun: 'Immediately' }));

    const ref = await eventually('the credential ref QuotaExceeded', async () => {
      const found = await objects.credential(namespace, TENANT_CREDENTIAL_REF);
      return conditionOf(found, 'Ready')?.reason === 'QuotaExceeded' ? found : undefined;
    });
    expect(conditionOf(ref, 'Reconciling')?.status).toBe('True');
    expect(conditionOf(ref, 'Ready')?.message).toContain('exceeded quota');
    expect(conditionOf(ref, 'Ready')?.message).toContain(
      'ResourceQuota runs is full (limited: count/jobs.batch=0; used: count/jobs.batch=0; requested: count/jobs.batch=1), retrying with backoff',
    );
    const held = await readyWhen(namespace, 'now', 'QuotaExceeded');
    expect(conditionOf(held, 'Reconciling')?.status).toBe('True');
    expect(conditionOf(held, 'Stalled')).toBeUndefined();

    await admin.core.deleteNamespacedResourceQuota({ name: 'runs', namespace });

    await eventually('the first run and a validation to start', async () => {
      const jobs = await admin.batch.listNamespacedJob({ namespace });
      return jobs.items.length >= 2 ? jobs : undefined;
    });
  });

  it('runs one Job at a time under maxConcurrentRuns 1, each deadline counted from its start, every run recorded', async () => {
    const namespace = await tenantOn('serial');
    const names = ['one', 'two', 'three'];
    for (const name of names) {
      await objects.create('awschecks', namespace, check(name, { firstRun: 'Immediately' }));
    }

    const sampled = await sampleRuns(namespace, async () => {
      const found = await Promise.all(names.map((name) => objects.check(namespace, name)));
      return found.every((c) => c.status?.lastRun !== undefined) ? found : undefined;
    });
    const { mostActive, value: done } = sampled;

    expect(mostActive).toBeLessThanOrEqual(1);
    for (const found of done) {
      expect(found.status?.lastRun).toMatchObject({ outcome: 'Succeeded' });
      expect(found.status?.lastRun?.reason).not.toBe('DeadlineExceeded');
      expect(conditionOf(found, 'Healthy')?.status).toBe('True');
    }
    const jobs = (await admin.batch.listNamespacedJob({ namespace })).items;
    // created suspended, resumed by the operator: the job controller says both
    expect(jobs.map((job) => [job.spec?.suspend, suspendedCondition(job)])).toEqual(
      jobs.map(() => [false, 'False']),
    );
    const cronJob = await cronJobOf(namespace, 'one');
    expect(cronJob?.spec.jobTemplate.spec?.suspend).toBe(true);
  }, 120_000);

  it('leaves a namespace without the tenant label as it was: no plan, the operator’s resources', async () => {
    const namespace = await createTenant(admin, objects, { prefix: 'admin-made' });
    await objects.create(
      'awschecks',
      namespace,
      check('anything', {
        service: 'eks',
        schedule: '*/5 * * * *',
        regions: ['us-east-1', 'eu-west-1', 'ap-south-1'],
      }),
    );

    await readyWhen(namespace, 'anything', 'Scheduled');

    const cronJob = await cronJobOf(namespace, 'anything');
    expect(cronJob?.spec.jobTemplate.spec?.template.spec?.containers[0]?.resources).toEqual({
      requests: { cpu: '100m', memory: '256Mi' },
      limits: { cpu: '1', memory: '256Mi' },
    });
    // no run queue: runs are created running, as they always were
    expect(cronJob?.spec.jobTemplate.spec?.suspend).toBeUndefined();
    const validations = await eventually('the credential ref’s validation Job', async () => {
      const jobs = (await admin.batch.listNamespacedJob({ namespace })).items;
      return jobs.length > 0 ? jobs : undefined;
    });
    expect(validations.map((job) => [job.spec?.suspend, suspendedCondition(job)])).toEqual(
      validations.map(() => [false, undefined]),
    );
  });
});
