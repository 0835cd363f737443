// How the operator records runs and keeps children, end to end on the real control plane:
// runs belong to a check by controller UID (not by label), Healthy speaks only for the
// current spec, a hand-edited CronJob is put back, long names and tokens are reported
// rather than retried, recorded runs are cleaned up, a checker that cannot start is shown
// in Ready, and credential refs are validated again on request.
import { randomBytes } from 'node:crypto';
import { PatchStrategy, setHeaderOptions, type V1Job } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AwsCheck } from '../../operator/api/v1alpha1/awscheck.ts';
import { loadConfig } from '../../operator/config.ts';
import { desiredRunJob } from '../../operator/controller/cronjob.ts';
import { generationJobName, runNowJobName } from '../../operator/controller/names.ts';
import { conditionOf, CustomObjects } from '../support/awscheck.ts';
import { eventually } from '../support/eventually.ts';
import { kubeClients } from '../support/kube.ts';
import { createTenant } from '../support/tenant.ts';
import { installOperator, startOperator, type RunningOperator } from '../support/operator.ts';

const env = inject('testenv');
const admin = kubeClients(env.kubeconfig);
const objects = new CustomObjects(env.kubeconfig);
let operator: RunningOperator;

beforeAll(async () => {
  operator = await startOperator(env, await installOperator(env));
});

afterAll(async () => {
  await operator.stop();
});

function check(name: string, spec: Record<string, unknown> = {}): object {
  return {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCheck',
    metadata: { name },
    spec: {
      credentialRef: { name: 'readonly' },
      service: 'sts',
      type: 'HealthCheck',
      timeoutSeconds: 10,
      ...spec,
    },
  };
}

// checkWhen waits for the check to pass `test`; on timeout it says what it last saw.
async function checkWhen(
  namespace: string,
  name: string,
  what: string,
  test: (check: AwsCheck) => boolean,
): Promise<AwsCheck> {
  let last: AwsCheck | undefined;
  try {
    return await eventually(
      what,
      async () => {
        last = await objects.check(namespace, name);
        return test(last) ? last : undefined;
      },
      60_000,
    );
  } catch (error) {
    const seen = JSON.stringify({ uid: last?.metadata.uid, status: last?.status });
    throw new Error(`${String(error)}; last seen: ${seen}`, { cause: error });
  }
}

const healthy = (c: AwsCheck): boolean => conditionOf(c, 'Healthy')?.status === 'True';
const stalled = (c: AwsCheck): boolean => conditionOf(c, 'Stalled')?.status === 'True';

async function jobsOf(namespace: string, labelSelector?: string): Promise<V1Job[]> {
  const selector = labelSelector === undefined ? {} : { labelSelector };
  return (await admin.batch.listNamespacedJob({ namespace, ...selector })).items;
}

async function metrics(): Promise<string> {
  return (await fetch(`${operator.url}/metrics`)).text();
}

/** upSeries matches the awscheck_check_up series of one check under one service. */
function upSeries(namespace: string, name: string, service: string): RegExp {
  return new RegExp(
    `awscheck_check_up\\{namespace="${namespace}",name="${name}",service="${service}"`,
  );
}

describe('runs belong to the spec they ran for (item 3)', () => {
  it('withdraws Healthy and the old series on a spec change, and runs the new spec once', async () => {
    const namespace = await createTenant(admin, objects, { prefix: 'runs' });
    await objects.create('awschecks', namespace, check('switch', { service: 'sts' }));
    const first = await checkWhen(namespace, 'switch', 'the first run', healthy);
    expect(first.status?.lastRun).toMatchObject({ generation: 1, resources: 1 });
    await eventually('the sts series', async () =>
      upSeries(namespace, 'switch', 'sts').test(await metrics()) ? true : undefined,
    );

    // A new service, and no run of its own yet (firstRun OnSchedule): no verdict.
    await objects.mergePatch('awschecks', namespace, 'switch', {
      spec: { service: 'iam', firstRun: 'OnSchedule' },
    });
    const changed = await checkWhen(namespace, 'switch', 'the new spec observed', (c) => {
      return c.status?.observedGeneration === 2;
    });
    expect(conditionOf(changed, 'Healthy')).toMatchObject({
      status: 'Unknown',
      reason: 'AwaitingFirstRun',
      observedGeneration: 2,
    });
    expect(conditionOf(changed, 'Healthy')?.message).toMatch(/last run was for generation 1/);
    await eventually('both series withdrawn', async () => {
      const between = await metrics();
      const shown = ['sts', 'iam'].some((service) =>
        upSeries(namespace, 'switch', service).test(between),
      );
      return shown ? undefined : true;
    });

    // firstRun Immediately runs the changed spec once, right away.
    await objects.mergePatch('awschecks', namespace, 'switch', {
      spec: { firstRun: 'Immediately' },
    });
    const rerun = await checkWhen(namespace, 'switch', 'the new spec’s run', (c) => {
      return c.status?.lastRun?.generation === 3 && healthy(c);
    });
    const uid = rerun.metadata.uid ?? '';
    expect(rerun.status?.lastRun?.jobName).toBe(generationJobName('switch', uid, 3));
    expect(conditionOf(rerun, 'Healthy')?.observedGeneration).toBe(3);
    await eventually('the iam series', async () =>
      upSeries(namespace, 'switch', 'iam').test(await metrics()) ? true : undefined,
    );
  });
});

// expectOwnRunAndCronJob: the new incarnation ran its own first run and controls the CronJob.
async function expectOwnRunAndCronJob(second: AwsCheck, first: AwsCheck): Promise<void> {
  const { namespace, name, uid = '' } = second.metadata;
  const lastRun = second.status?.lastRun;
  expect(lastRun?.jobName).toBe(generationJobName(name, uid, 1));
  expect(lastRun?.jobName).not.toBe(first.status?.lastRun?.jobName);
  const cronJob = await admin.batch.readNamespacedCronJob({ name, namespace });
  expect(cronJob.metadata?.ownerReferences?.map((o) => o.uid)).toEqual([uid]);
}

// recreateLeavingChildren deletes a check but orphans its children, as a slow garbage
// collector leaves them for a while, and creates the check again.
async function recreateLeavingChildren(namespace: string, name: string): Promise<void> {
  await objects.delete('awschecks', namespace, name, 'Orphan');
  await eventually('the check to be gone', async () =>
    (await objects.exists('awschecks', namespace, name)) ? undefined : true,
  );
  const orphaned = await admin.batch.readNamespacedCronJob({ name, namespace });
  expect(orphaned.metadata?.ownerReferences ?? []).toEqual([]);
  await objects.create('awschecks', namespace, check(name));
}

describe('children are matched by controller UID (item 4)', () => {
  it('ignores a Job that carries a check’s labels but is not its own', async () => {
    const namespace = await createTenant(admin, objects, { prefix: 'runs' });
    await objects.create('awschecks', namespace, check('target', { firstRun: 'OnSchedule' }));
    const target = await checkWhen(namespace, 'target', 'the check to be Ready', (c) => {
      return conditionOf(c, 'Ready')?.status === 'True';
    });
    const forged = desiredRunJob(
      { ...target, spec: { ...target.spec, service: 'sts' } },
      {
        refName: 'readonly',
        spec: { region: 'us-east-1', secretRef: { name: 'aws-keys' } },
        externalId: 'x',
      },
      loadConfig({
        AWSCHECK_CHECKER_IMAGE: 'ghcr.io/awscheck/awscheck-operator:test',
        AWSCHECK_NAMESPACE: 'x',
      }),
      { name: 'target-forged', run: 'run-now' },
    );
    delete forged.metadata?.ownerReferences;
    await admin.batch.createNamespacedJob({ namespace, body: forged });
    await eventually('the forged run to finish', async () => {
      const job = await admin.batch.readNamespacedJob({ name: 'target-forged', namespace });
      return job.status?.succeeded === 1 ? job : undefined;
    });
    // Give the operator a few resyncs (every second) to adopt it, which it must not.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const after = await objects.check(namespace, 'target');
    expect(after.status?.lastRun).toBeUndefined();
    expect(conditionOf(after, 'Healthy')?.status).toBe('Unknown');
  });

  it('refuses to treat a Job of the same name that is not its own as its run', async () => {
    const namespace = await createTenant(admin, objects, { prefix: 'runs' });
    await objects.create('awschecks', namespace, check('taken', { firstRun: 'OnSchedule' }));
    const taken = await checkWhen(namespace, 'taken', 'the check to be Ready', (c) => {
      return conditionOf(c, 'Ready')?.status === 'True';
    });
    const name = runNowJobName('taken', taken.metadata.uid ?? '', 'squat');
    await admin.batch.createNamespacedJob({
      namespace,
      body: {
        metadata: { name },
        spec: {
          template: {
            spec: { restartPolicy: 'Never', containers: [{ name: 'x', image: 'busybox' }] },
          },
        },
      },
    });
    await objects.mergePatch('awschecks', namespace, 'taken', {
      metadata: { annotations: { 'awscheck.io/run-now': 'squat' } },
    });
    const stalled = await checkWhen(namespace, 'taken', 'Stalled', (c) => {
      return conditionOf(c, 'Stalled')?.status === 'True';
    });
    expect(conditionOf(stalled, 'Ready')?.message).toContain(
      `Job ${name} already exists in namespace ${namespace} and is not controlled by this object`,
    );
    expect(stalled.status?.runNowToken).toBeUndefined();
  });

  it('never takes over a predecessor’s CronJob or runs, and starts its own first run', async () => {
    const namespace = await createTenant(admin, objects, { prefix: 'runs' });
    await objects.create('awschecks', namespace, check('again'));
    const first = await checkWhen(namespace, 'again', 'the first incarnation’s run', healthy);
    await recreateLeavingChildren(namespace, 'again');
    const waiting = await checkWhen(namespace, 'again', 'the takeover to be refused', (c) => {
      return c.metadata.uid !== first.metadata.uid && stalled(c);
    });
    expect(conditionOf(waiting, 'Ready')?.message).toMatch(
      /CronJob again already exists .* is not controlled by this check/,
    );
    expect(waiting.status?.lastRun).toBeUndefined();
    // The predecessor's CronJob goes, as the garbage collector would delete it.
    await admin.batch.deleteNamespacedCronJob({ name: 'again', namespace });
    const second = await checkWhen(namespace, 'again', 'the new incarnation’s own run', healthy);
    await expectOwnRunAndCronJob(second, first);
  });
});

describe('the CronJob stays as the operator made it (item 6)', () => {
  it('puts back a CronJob suspended by hand', async () => {
    const namespace = await createTenant(admin, objects, { prefix: 'runs' });
    await objects.create('awschecks', namespace, check('drift', { firstRun: 'OnSchedule' }));
    await eventually('the CronJob', () =>
      admin.batch.readNamespacedCronJob({ name: 'drift', namespace }),
    );
    await admin.batch.patchNamespacedCronJob(
      { name: 'drift', namespace, body: { spec: { suspend: true, schedule: '* * * * *' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const restored = await eventually('the CronJob to be restored', async () => {
      const cronJob = await admin.batch.readNamespacedCronJob({ name: 'drift', namespace });
      return cronJob.spec.suspend === false && cronJob.spec.schedule === '@daily'
        ? cronJob
        : undefined;
    });
    expect(restored.spec.suspend).toBe(false);
  });
});

describe('a check that cannot be scheduled keeps its CronJob, suspended', () => {
  it('suspends the CronJob while the credential ref is gone, and resumes it when it returns', async () => {
    const namespace = await createTenant(admin, objects, { prefix: 'runs' });
    await objects.create('awschecks', namespace, check('paused', { firstRun: 'OnSchedule' }));
    await eventually('the CronJob', () =>
      admin.batch.readNamespacedCronJob({ name: 'paused', namespace }),
    );
    await objects.delete('awscredentialrefs', namespace, 'readonly');
    const suspended = await eventually('the CronJob to be suspended', async () => {
      const cronJob = await admin.batch.readNamespacedCronJob({ name: 'paused', namespace });
      return cronJob.spec.suspend === true ? cronJob : undefined;
    });
    expect(suspended.metadata?.uid).toBeDefined();
    const stalled = await objects.check(namespace, 'paused');
    expect(conditionOf(stalled, 'Ready')?.message).toContain(
      'AwsCredentialRef readonly does not exist',
    );
    await objects.create('awscredentialrefs', namespace, {
      apiVersion: 'awscheck.io/v1alpha1',
      kind: 'AwsCredentialRef',
      metadata: { name: 'readonly' },
      spec: { region: 'us-east-1', secretRef: { name: 'aws-keys' } },
    });
    const resumed = await eventually('the CronJob to run again', async () => {
      const cronJob = await admin.batch.readNamespacedCronJob({ name: 'paused', namespace });
      return cronJob.spec.suspend === false ? cronJob : undefined;
    });
    expect(resumed.metadata?.uid).toBe(suspended.metadata?.uid);
  });
});

describe('long names and tokens are reported, not retried (item 7)', () => {
  it('runs a check whose name is too long for a label value', async () => {
    const namespace = await createTenant(admin, objects, { prefix: 'runs' });
    const name = `long-${'x'.repeat(120)}`;
    await objects.create('awschecks', namespace, check(name));
    const done = await checkWhen(namespace, name, 'the long-named check’s run', healthy);
    expect(done.status?.lastRun?.outcome).toBe('Succeeded');
  });

  it('refuses a run-now token over 253 characters in Ready, and recovers when it is removed', async () => {
    const namespace = await createTenant(admin, objects, { prefix: 'runs' });
    await objects.create('awschecks', namespace, check('token', { firstRun: 'OnSchedule' }));
    await checkWhen(namespace, 'token', 'Ready', (c) => conditionOf(c, 'Ready')?.status === 'True');
    await objects.mergePatch('awschecks', namespace, 'token', {
      metadata: { annotations: { 'awscheck.io/run-now': 't'.repeat(300) } },
    });
    const refused = await checkWhen(namespace, 'token', 'the token to be refused', (c) => {
      return conditionOf(c, 'Ready')?.status === 'False';
    });
    expect(conditionOf(refused, 'Ready')?.message).toMatch(/300 characters long; at most 253/);
    expect(conditionOf(refused, 'Stalled')?.status).toBe('True');
    await objects.mergePatch('awschecks', namespace, 'token', {
      metadata: { annotations: { 'awscheck.io/run-now': null } },
    });
    await checkWhen(
      namespace,
      'token',
      'Ready again',
      (c) => conditionOf(c, 'Ready')?.status === 'True',
    );
  });
});

describe('recorded runs do not pile up (item 8)', () => {
  it(
    'keeps no more run-now Jobs than the history once they are recorded',
    { timeout: 120_000 },
    async () => {
      const namespace = await createTenant(admin, objects, { prefix: 'runs' });
      await objects.create('awschecks', namespace, check('many'));
      await checkWhen(namespace, 'many', 'the first run', healthy);
      for (const token of ['a', 'b', 'c', 'd']) {
        await objects.mergePatch('awschecks', namespace, 'many', {
          metadata: { annotations: { 'awscheck.io/run-now': token } },
        });
        await checkWhen(namespace, 'many', `the run for ${token}`, (c) => {
          return (
            c.status?.runNowToken === token &&
            c.status.lastRun?.jobName.includes('-now-') === true &&
            healthy(c)
          );
        });
      }
      const kept = await eventually('older runs to be deleted', async () => {
        const jobs = await jobsOf(namespace, 'awscheck.io/check=many');
        const live = jobs.filter((job) => job.metadata?.deletionTimestamp === undefined);
        return live.length <= 3 ? live : undefined;
      });
      const last = await objects.check(namespace, 'many');
      expect(kept.map((job) => job.metadata?.name)).toContain(last.status?.lastRun?.jobName);
    },
  );
});

describe('a run that never starts is recorded at its deadline (item 2)', () => {
  it(
    'reports a Secret the node cannot mount while blocked, and records the run with it at its deadline',
    { timeout: 120_000 },
    async () => {
      const namespace = await createTenant(admin, objects, { prefix: 'runs', keys: null });
      await objects.create('awschecks', namespace, check('nosecret'));
      const failedMount =
        /FailedMount: MountVolume\.SetUp failed for volume "[^"]+" : secret "aws-keys" not found/;
      const blocked = await checkWhen(namespace, 'nosecret', 'Ready RunNotStarting', (c) => {
        return conditionOf(c, 'Ready')?.reason === 'RunNotStarting';
      });
      expect(conditionOf(blocked, 'Ready')?.message).toMatch(failedMount);
      expect(conditionOf(blocked, 'Reconciling')?.status).toBe('True');
      const ended = await eventually(
        'the run to end at its deadline',
        async () => {
          const found = await objects.check(namespace, 'nosecret');
          return found.status?.lastRun === undefined ? undefined : found;
        },
        90_000,
      );
      expect(ended.status?.lastRun).toMatchObject({
        outcome: 'Failed',
        reason: 'InvalidConfiguration',
      });
      expect(ended.status?.lastRun?.message).toMatch(failedMount);
      expect(ended.status?.lastRun?.message).toMatch(/deadline of 40 s$/);
      expect(conditionOf(ended, 'Healthy')?.status).toBe('False');
    },
  );
});

describe('credential refs are validated again (item 9)', () => {
  it('validates again on the revalidate annotation, with a new run', async () => {
    const namespace = await createTenant(admin, objects, { prefix: 'runs' });
    const first = await eventually('the first validation', async () => {
      const ref = await objects.credential(namespace, 'readonly');
      return ref.status?.lastValidation?.outcome === 'Succeeded' ? ref : undefined;
    });
    expect(first.status?.nextValidationTime).toBeDefined();
    const token = randomBytes(4).toString('hex');
    await objects.mergePatch('awscredentialrefs', namespace, 'readonly', {
      metadata: { annotations: { 'awscheck.io/revalidate': token } },
    });
    const again = await eventually('the ref to validate again', async () => {
      const ref = await objects.credential(namespace, 'readonly');
      const validated =
        ref.status?.lastValidation?.jobName !== first.status?.lastValidation?.jobName;
      return ref.status?.revalidateToken === token && validated ? ref : undefined;
    });
    expect(again.status?.lastValidation).toMatchObject({ outcome: 'Succeeded', generation: 1 });
    expect(conditionOf(again, 'Ready')?.status).toBe('True');
    // The validation it replaced is deleted once the new one is recorded.
    const jobs = await eventually('one validation Job to remain', async () => {
      const live = (await jobsOf(namespace)).filter(
        (j) => j.metadata?.deletionTimestamp === undefined,
      );
      return live.length === 1 ? live : undefined;
    });
    expect(jobs[0]?.metadata?.name).toBe(again.status?.lastValidation?.jobName);
  });
});
