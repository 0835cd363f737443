// The operator end to end on the real control plane with moto: AwsCheck → CronJob → Job →
// Pod (the local pod runner) → termination message → status, Events and metrics. The
// operator runs as a user bound only to its generated RBAC.
import { generationJobName } from '../../operator/controller/names.ts';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AwsCheck } from '../../operator/api/v1alpha1/awscheck.ts';
import { conditionOf, CustomObjects } from '../support/awscheck.ts';
import { eventually } from '../support/eventually.ts';
import { createNamespace, kubeClients, statusOf } from '../support/kube.ts';
import { createTenant } from '../support/tenant.ts';
import { installOperator, startOperator, type RunningOperator } from '../support/operator.ts';

const env = inject('testenv');
const admin = kubeClients(env.kubeconfig);
const objects = new CustomObjects(env.kubeconfig);
let operator: RunningOperator;
let operatorKubeconfig: string;

beforeAll(async () => {
  const setup = await installOperator(env);
  operatorKubeconfig = setup.kubeconfig;
  operator = await startOperator(env, setup);
  const ec2 = new EC2Client({
    endpoint: env.awsEndpointUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 3, MaxCount: 3 }));
});

afterAll(async () => {
  await operator.stop();
});

function ec2Check(name: string, spec: Record<string, unknown> = {}): object {
  return {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCheck',
    metadata: { name },
    spec: {
      credentialRef: { name: 'readonly' },
      service: 'ec2',
      type: 'ResourceList',
      regions: ['us-east-1'],
      ...spec,
    },
  };
}

async function checkWhen(
  [namespace, name]: readonly [string, string],
  what: string,
  test: (check: AwsCheck) => boolean,
): Promise<AwsCheck> {
  return eventually(what, async () => {
    const check = await objects.check(namespace, name);
    return test(check) ? check : undefined;
  });
}

// expectRestrictedCronJob: the CronJob is owned by the check, never runs two at once, and
// its pods keep the restricted profile with no API token.
async function expectRestrictedCronJob(namespace: string, name: string): Promise<void> {
  const cronJob = await admin.batch.readNamespacedCronJob({ name, namespace });
  expect(cronJob.spec).toMatchObject({
    schedule: '@daily',
    concurrencyPolicy: 'Forbid',
    suspend: false,
  });
  expect(cronJob.metadata?.ownerReferences?.[0]).toMatchObject({
    kind: 'AwsCheck',
    name,
    controller: true,
  });
  const pod = cronJob.spec.jobTemplate.spec?.template.spec;
  expect(pod).toMatchObject({
    automountServiceAccountToken: false,
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  });
  expect(pod?.containers[0]?.securityContext).toMatchObject({
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
  });
}

// checkerStdout reads what the checker pods of a namespace printed (the pod runner keeps
// each container's stdout beside its files).
async function checkerStdout(namespace: string): Promise<string[]> {
  const dir = join(env.runDir, 'pods', namespace);
  const pods = await readdir(dir);
  return Promise.all(pods.map((pod) => readFile(join(dir, pod, 'stdout.log'), 'utf8')));
}

describe('operator', () => {
  it('schedules an AwsCheck, runs it at once and reports Ready, Healthy and the count', async () => {
    const namespace = await createTenant(admin, objects);
    await objects.create(
      'awschecks',
      namespace,
      ec2Check('instances', { expect: { min: 1, max: 10 } }),
    );

    // A first run can end before the credentials' validation: wait for both.
    const check = await checkWhen(
      [namespace, 'instances'],
      'Healthy=True and Ready=True',
      (c) =>
        conditionOf(c, 'Healthy')?.status === 'True' && conditionOf(c, 'Ready')?.status === 'True',
    );

    expect(conditionOf(check, 'Ready')).toMatchObject({ status: 'True', reason: 'Scheduled' });
    expect(check.status?.lastRun).toMatchObject({
      outcome: 'Succeeded',
      resources: 3,
      generation: 1,
      jobName: generationJobName('instances', check.metadata.uid ?? '', 1),
    });
    expect(check.status?.consecutiveFailures).toBe(0);
    expect(check.status?.observedGeneration).toBe(1);
    await expectRestrictedCronJob(namespace, 'instances');
    const credential = await eventually('the credential ref to be Ready', async () => {
      const ref = await objects.credential(namespace, 'readonly');
      return conditionOf(ref, 'Ready')?.status === 'True' ? ref : undefined;
    });
    expect(credential.status?.identity?.accountId).toBe('123456789012');
  });

  it('fails fast with CountOutOfRange when the count is outside expect, with an Event', async () => {
    const namespace = await createTenant(admin, objects);
    await objects.create('awschecks', namespace, ec2Check('too-few', { expect: { min: 5 } }));

    const check = await checkWhen(
      [namespace, 'too-few'],
      'Healthy=False',
      (c) => conditionOf(c, 'Healthy')?.status === 'False',
    );

    expect(conditionOf(check, 'Healthy')?.reason).toBe('CountOutOfRange');
    expect(check.status?.consecutiveFailures).toBe(1);
    const events = await eventually('a Warning Event', async () => {
      const list = await admin.core.listNamespacedEvent({
        namespace,
        fieldSelector: 'involvedObject.name=too-few',
      });
      return list.items.length > 0 ? list.items : undefined;
    });
    expect(events[0]).toMatchObject({ type: 'Warning', reason: 'CountOutOfRange' });
  });

  it('reports a missing credential ref as Ready=False at once, and creates no CronJob', async () => {
    const namespace = await createNamespace(admin.core, 'tenant');
    await objects.create('awschecks', namespace, {
      ...ec2Check('orphan'),
      spec: { credentialRef: { name: 'nowhere' }, service: 'sts', type: 'HealthCheck' },
    });

    const check = await checkWhen(
      [namespace, 'orphan'],
      'Ready=False',
      (c) => conditionOf(c, 'Ready')?.status === 'False',
    );

    expect(conditionOf(check, 'Ready')).toMatchObject({ reason: 'InvalidConfiguration' });
    expect(conditionOf(check, 'Ready')?.message).toContain(
      'AwsCredentialRef nowhere does not exist',
    );
    expect(conditionOf(check, 'Stalled')?.status).toBe('True');
    const cronJobs = await admin.batch.listNamespacedCronJob({ namespace });
    expect(cronJobs.items).toEqual([]);
  });

  it('reports a schedule the CronJob controller refuses as InvalidConfiguration, not a crash', async () => {
    const namespace = await createTenant(admin, objects);
    await objects.create('awschecks', namespace, ec2Check('reversed', { schedule: '5-3 * * * *' }));

    const check = await checkWhen(
      [namespace, 'reversed'],
      'Ready=False',
      (c) => conditionOf(c, 'Ready')?.reason === 'InvalidConfiguration',
    );

    expect(conditionOf(check, 'Ready')?.message).toContain('schedule "5-3 * * * *" is invalid');
    expect(conditionOf(check, 'Stalled')?.status).toBe('True');
  });

  it(
    'updates the CronJob on a spec change, runs on demand, suspends, and deletes children with the check',
    { timeout: 150_000 },
    async () => {
      const namespace = await createTenant(admin, objects);
      await objects.create(
        'awschecks',
        namespace,
        ec2Check('lifecycle', { firstRun: 'OnSchedule' }),
      );
      await eventually('the CronJob', () =>
        admin.batch.readNamespacedCronJob({ name: 'lifecycle', namespace }),
      );

      await objects.mergePatch('awschecks', namespace, 'lifecycle', {
        spec: { schedule: '0 6 * * 1' },
      });
      await eventually('the new schedule', async () => {
        const cronJob = await admin.batch.readNamespacedCronJob({ name: 'lifecycle', namespace });
        return cronJob.spec.schedule === '0 6 * * 1' ? cronJob : undefined;
      });

      await objects.mergePatch('awschecks', namespace, 'lifecycle', {
        metadata: { annotations: { 'awscheck.io/run-now': 'first' } },
      });
      const ran = await checkWhen(
        [namespace, 'lifecycle'],
        'the run-now run',
        (c) => c.status?.lastRun?.jobName.startsWith('lifecycle-now-') === true,
      );
      expect(ran.status?.runNowToken).toBe('first');
      expect(ran.status?.lastRun?.outcome).toBe('Succeeded');

      await objects.mergePatch('awschecks', namespace, 'lifecycle', { spec: { suspend: true } });
      await eventually('the CronJob to be suspended', async () => {
        const cronJob = await admin.batch.readNamespacedCronJob({ name: 'lifecycle', namespace });
        return cronJob.spec.suspend === true ? cronJob : undefined;
      });

      await objects.delete('awschecks', namespace, 'lifecycle');
      await eventually(
        'the garbage collector to delete the CronJob and Jobs',
        async () => {
          const [cronJobs, jobs] = await Promise.all([
            admin.batch.listNamespacedCronJob({ namespace }),
            admin.batch.listNamespacedJob({
              namespace,
              labelSelector: 'awscheck.io/check=lifecycle',
            }),
          ]);
          return cronJobs.items.length + jobs.items.length === 0 ? true : undefined;
        },
        90_000,
      ); // The garbage collector learns of a new CRD at its next 30 s discovery.
    },
  );

  it('writes nothing at steady state, though it resyncs every second', async () => {
    const namespace = await createTenant(admin, objects);
    await objects.create('awschecks', namespace, ec2Check('steady'));
    const settledWhen = (c: AwsCheck): boolean =>
      conditionOf(c, 'Healthy')?.status === 'True' && conditionOf(c, 'Ready')?.status === 'True';
    const settled = await checkWhen([namespace, 'steady'], 'Healthy and Ready', settledWhen);
    const cronJob = await admin.batch.readNamespacedCronJob({ name: 'steady', namespace });

    await new Promise((resolve) => setTimeout(resolve, 3_000));

    const later = await objects.check(namespace, 'steady');
    const cronJobLater = await admin.batch.readNamespacedCronJob({ name: 'steady', namespace });
    expect(later.metadata.resourceVersion).toBe(settled.metadata.resourceVersion);
    expect(cronJobLater.metadata?.resourceVersion).toBe(cronJob.metadata?.resourceVersion);
  });

  it('cannot read Secrets, and no credential reaches its log, status, Events or metrics', async () => {
    const secret = `sekret-${randomBytes(6).toString('hex')}`;
    const namespace = await createTenant(admin, objects, {
      keys: {
        AWS_ACCESS_KEY_ID: 'AKIATESTING',
        AWS_SECRET_ACCESS_KEY: secret,
      },
    });
    await objects.create('awschecks', namespace, ec2Check('quiet'));
    const check = await checkWhen(
      [namespace, 'quiet'],
      'Healthy',
      (c) => conditionOf(c, 'Healthy')?.status === 'True',
    );

    const asOperator = kubeClients(operatorKubeconfig);
    const denied = await statusOf(
      asOperator.core.readNamespacedSecret({ name: 'aws-keys', namespace }),
    );
    expect(denied.code).toBe(403);
    const events = await admin.core.listNamespacedEvent({ namespace });
    const ref = await objects.credential(namespace, 'readonly');
    const metrics = await (await fetch(`${operator.url}/metrics`)).text();
    const log = await readFile(operator.process.logFile, 'utf8');
    const checkerLogs = await checkerStdout(namespace);
    expect(checkerLogs.length).toBeGreaterThan(0);
    const texts = [JSON.stringify([check, ref, events.items]), metrics, log, ...checkerLogs];
    for (const text of texts) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain('AKIATESTING');
    }
  });

  it('exports per-check metrics', async () => {
    const text = await (await fetch(`${operator.url}/metrics`)).text();

    expect(text).toMatch(
      /awscheck_check_up\{namespace="tenant-[0-9a-f]+",name="instances",service="ec2",type="ResourceList"\} 1/,
    );
    expect(text).toMatch(/awscheck_check_resources\{[^}]*name="instances"[^}]*\} 3/);
    expect(text).toMatch(/awscheck_leader 1/);
    expect(text).not.toMatch(/testing/);
  });
});
