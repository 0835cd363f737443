// A run started by the schedule, not by the operator: an AwsCheck with `* * * * *` and
// firstRun: OnSchedule gets no initial Job; kube-controller-manager's CronJob controller
// starts its first run at the next minute (Job `<cronjob>-<minutes since the epoch>`),
// the pod runner runs the Pod, and the operator reads the result into status and an Event.
// Everything but the Pod's process is the real control plane; the wait covers a full
// minute plus the run.
import { setTimeout as sleep } from 'node:timers/promises';
import type { CoreV1Event, V1Job } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AwsCheck } from '../../operator/api/v1alpha1/awscheck.ts';
import { AWS_TEST_KEYS, conditionOf, CustomObjects } from '../support/awscheck.ts';
import { eventually } from '../support/eventually.ts';
import { createNamespace, kubeClients } from '../support/kube.ts';
import { installOperator, startOperator, type RunningOperator } from '../support/operator.ts';

const env = inject('testenv');
const admin = kubeClients(env.kubeconfig);
const objects = new CustomObjects(env.kubeconfig);
let operator: RunningOperator;

/** SCHEDULED_TIMESTAMP is the annotation the CronJob controller puts on the Jobs it starts. */
const SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** Up to a minute to the next schedule, the controller's pick-up, and the run itself. */
const MINUTE_AND_RUN_MS = 120_000;

beforeAll(async () => {
  operator = await startOperator(env, await installOperator(env));
});

afterAll(async () => {
  await operator.stop();
});

async function tenantWithCheck(): Promise<string> {
  const namespace = await createNamespace(admin.core, 'scheduled');
  await admin.core.createNamespacedSecret({
    namespace,
    body: { metadata: { name: 'aws-keys' }, stringData: AWS_TEST_KEYS },
  });
  await objects.create('awscredentialrefs', namespace, {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCredentialRef',
    metadata: { name: 'readonly' },
    spec: { region: 'us-east-1', secretRef: { name: 'aws-keys' } },
  });
  await objects.create('awschecks', namespace, {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCheck',
    metadata: { name: 'every-minute' },
    spec: {
      credentialRef: { name: 'readonly' },
      service: 'sts',
      type: 'HealthCheck',
      schedule: '* * * * *',
      firstRun: 'OnSchedule',
    },
  });
  return namespace;
}

async function checkWhen(
  namespace: string,
  what: string,
  test: (check: AwsCheck) => boolean,
  timeoutMs = 30_000,
): Promise<AwsCheck> {
  return eventually(
    what,
    async () => {
      const check = await objects.check(namespace, 'every-minute');
      if (test(check)) return check;
      throw new Error(`status so far: ${JSON.stringify(check.status)}`);
    },
    timeoutMs,
  );
}

// checkJobs are the Jobs that run the check: everything but the credential ref's validation.
async function checkJobs(namespace: string): Promise<V1Job[]> {
  const jobs = (await admin.batch.listNamespacedJob({ namespace })).items;
  return jobs.filter((job) =>
    job.metadata?.ownerReferences?.every((owner) => owner.kind !== 'AwsCredentialRef'),
  );
}

// awaitingFirstRun: set up and scheduled, and nothing run yet (OnSchedule starts no
// initial Job). Returns the CronJob's name.
async function awaitingFirstRun(namespace: string): Promise<string> {
  const scheduled = await checkWhen(
    namespace,
    'Ready=True with a CronJob',
    (c) => conditionOf(c, 'Ready')?.status === 'True' && c.status?.cronJobName !== undefined,
  );
  const cronJobName = scheduled.status?.cronJobName ?? '';
  expect(scheduled.status?.lastRun).toBeUndefined();
  expect(conditionOf(scheduled, 'Healthy')?.status).not.toBe('True');
  expect(await checkJobs(namespace)).toEqual([]);
  const cronJob = await admin.batch.readNamespacedCronJob({ name: cronJobName, namespace });
  expect(cronJob.spec.schedule).toBe('* * * * *');
  return cronJobName;
}

// scheduledJob: the run's Job is the CronJob controller's: owned by the CronJob, named for
// the minute it was scheduled at, and its Pod ran to completion. No Job of the check is
// anyone else's (a later minute may have started another by now).
async function scheduledJob(
  namespace: string,
  cronJobName: string,
  jobName: string,
): Promise<number> {
  const jobs = await checkJobs(namespace);
  for (const job of jobs) {
    expect(job.metadata?.ownerReferences?.map((o) => [o.kind, o.name, o.controller])).toEqual([
      ['CronJob', cronJobName, true],
    ]);
  }
  const metadata = jobs.find((j) => j.metadata?.name === jobName)?.metadata;
  const scheduledAt = Date.parse(metadata?.annotations?.[SCHEDULED_TIMESTAMP] ?? '');
  expect(Number.isNaN(scheduledAt)).toBe(false);
  expect(jobName).toBe(`${cronJobName}-${String(Math.floor(scheduledAt / 60_000))}`);
  const pods = await admin.core.listNamespacedPod({
    namespace,
    labelSelector: `job-name=${jobName}`,
  });
  expect(pods.items.map((p) => p.status?.phase)).toEqual(['Succeeded']);
  return scheduledAt;
}

// clearOfTheMinute waits, when the next minute is under 20 s away, until it has passed, so
// the check is seen scheduled and not yet run before its first minute comes.
async function clearOfTheMinute(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 40_000) await sleep(60_000 - intoMinute + 1_000);
}

// runEvents are the Events the operator recorded for one run (their message starts with
// the Job's name).
async function runEvents(namespace: string, jobName: string): Promise<CoreV1Event[]> {
  return eventually('the run’s Event', async () => {
    const list = await admin.core.listNamespacedEvent({
      namespace,
      fieldSelector: 'involvedObject.name=every-minute',
    });
    const found = list.items.filter((e) => e.message?.startsWith(`${jobName}:`));
    return found.length > 0 ? found : undefined;
  });
}

describe('a run started by the CronJob controller', () => {
  it(
    'flows CronJob → Job → Pod → status: lastRun names the scheduled Job, Healthy=True, an Event',
    async () => {
      await clearOfTheMinute();
      const namespace = await tenantWithCheck();
      const cronJobName = await awaitingFirstRun(namespace);

      const check = await checkWhen(
        namespace,
        'the first scheduled run in status',
        (c) => c.status?.lastRun !== undefined && conditionOf(c, 'Healthy')?.status !== 'Unknown',
        MINUTE_AND_RUN_MS,
      );

      const jobName = check.status?.lastRun?.jobName ?? '';
      const scheduledAt = await scheduledJob(namespace, cronJobName, jobName);
      expect(check.status?.lastRun).toMatchObject({
        outcome: 'Succeeded',
        resources: 1,
      });
      expect(conditionOf(check, 'Healthy')).toMatchObject({
        status: 'True',
        reason: 'RunSucceeded',
      });
      expect(check.status?.consecutiveFailures).toBe(0);
      const events = await runEvents(namespace, jobName);
      expect(events.map((e) => [e.type, e.reason])).toEqual([['Normal', 'RunSucceeded']]);
      const next = Date.parse(check.status?.nextScheduleTime ?? '');
      expect(next).toBeGreaterThan(Date.now());
      expect(next).toBeGreaterThan(scheduledAt);
      expect(next).toBeLessThanOrEqual(Date.now() + 60_000);
    },
    MINUTE_AND_RUN_MS + 80_000,
  );
});
