// The operator's runs on the real node, with the image built from the Dockerfile: a
// check's first run, a run the CronJob controller starts on schedule, bad keys, a run past
// its deadline, and a Secret the kubelet cannot mount. Everything but the operator (a
// host process) is real: apiserver, controllers, scheduler, kubelet, containerd, runc.
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AwsCheck } from '../../operator/api/v1alpha1/awscheck.ts';
import { ensureBinaries } from '../env/binaries.ts';
import { startMoto } from '../env/moto.ts';
import { stopProcessGroup, type ServerContext } from '../env/processes.ts';
import { conditionOf, CustomObjects } from '../support/awscheck.ts';
import { eventually } from '../support/eventually.ts';
import { kubeClients } from '../support/kube.ts';
import type { RunningOperator } from '../support/operator.ts';
import { createNodeTenant, startNodeOperator } from './operator.ts';
import { eventMessages, nodeOf } from './pods.ts';

const env = inject('testenv');
const node = nodeOf(env);
const admin = kubeClients(env.kubeconfig);
const objects = new CustomObjects(env.kubeconfig);
let operator: RunningOperator;

/** The CronJob controller's annotation on the Jobs it starts on schedule. */
const SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

beforeAll(async () => {
  operator = await startNodeOperator(env);
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
      timeoutSeconds: 20,
      ...spec,
    },
  };
}

// checkWhen waits for the check to pass `test`; on timeout it says what it last saw.
async function checkWhen(
  namespace: string,
  name: string,
  what: string,
  test: ((check: AwsCheck) => boolean) | { test: (check: AwsCheck) => boolean; timeoutMs: number },
): Promise<AwsCheck> {
  const { test: passes, timeoutMs } =
    typeof test === 'function' ? { test, timeoutMs: 90_000 } : test;
  let last: AwsCheck | undefined;
  try {
    return await eventually(
      what,
      async () => {
        last = await objects.check(namespace, name);
        return passes(last) ? last : undefined;
      },
      timeoutMs,
    );
  } catch (error) {
    throw new Error(`${String(error)}; last seen: ${JSON.stringify(last?.status)}`, {
      cause: error,
    });
  }
}

const recorded = (c: AwsCheck): boolean => c.status?.lastRun !== undefined;
const healthy = (c: AwsCheck): boolean => conditionOf(c, 'Healthy')?.status === 'True';

// podsOf lists the pods of a namespace's runs, with the node each ran on.
async function nodesOfPods(namespace: string): Promise<(string | undefined)[]> {
  const pods = await admin.core.listNamespacedPod({ namespace });
  return pods.items.map((pod) => pod.spec?.nodeName);
}

describe('a check on the real node', () => {
  it('runs its first run in a container and goes Ready and Healthy', async () => {
    const namespace = await createNodeTenant(env, admin, objects);
    await objects.create('awschecks', namespace, check('first'));
    const done = await checkWhen(namespace, 'first', 'Ready and Healthy', (c) => {
      return conditionOf(c, 'Ready')?.status === 'True' && healthy(c);
    });
    expect(done.status?.lastRun).toMatchObject({ outcome: 'Succeeded', resources: 1 });
    const nodes = await nodesOfPods(namespace);
    expect(nodes.length).toBeGreaterThan(0);
    expect(new Set(nodes)).toEqual(new Set([node.name]));
  });

  it('records a run the CronJob controller started on schedule', { timeout: 200_000 }, async () => {
    const namespace = await createNodeTenant(env, admin, objects);
    await objects.create(
      'awschecks',
      namespace,
      check('every-minute', { schedule: '* * * * *', firstRun: 'OnSchedule' }),
    );
    const done = await checkWhen(namespace, 'every-minute', 'a scheduled run', {
      test: recorded,
      timeoutMs: 180_000,
    });
    expect(done.status?.lastRun?.outcome).toBe('Succeeded');
    const job = await admin.batch.readNamespacedJob({
      name: done.status?.lastRun?.jobName ?? '',
      namespace,
    });
    expect(job.metadata?.annotations?.[SCHEDULED_TIMESTAMP]).toBeDefined();
    expect(new Set(await nodesOfPods(namespace))).toEqual(new Set([node.name]));
  });
});

describe('failures as the kubelet reports them', () => {
  let context: ServerContext;
  let blackhole: Server;
  const held: Socket[] = [];

  beforeAll(async () => {
    context = {
      runDir: await mkdtemp(join(tmpdir(), 'node-runs-')),
      tiedToParent: true,
      started: [],
    };
    // An AWS endpoint that accepts connections and never answers.
    blackhole = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    held.forEach((socket) => socket.destroy());
    blackhole.close();
    await Promise.all(context.started.map((server) => stopProcessGroup(server.pid)));
    await rm(context.runDir, { recursive: true, force: true });
  });

  it('fails a run with bad keys: AuthenticationFailed on the check and the ref', async () => {
    const { motoPython } = await ensureBinaries(() => undefined);
    const enforcing = await startMoto(
      motoPython,
      context,
      { INITIAL_NO_AUTH_ACTION_COUNT: '0' },
      'moto-iam',
    );
    const namespace = await createNodeTenant(env, admin, objects, {
      keys: { AWS_ACCESS_KEY_ID: 'AKIAINVALIDKEY000000', AWS_SECRET_ACCESS_KEY: 'wrong' },
      awsEndpointUrl: enforcing.url,
    });
    await objects.create('awschecks', namespace, check('identity'));
    const failed = await checkWhen(namespace, 'identity', 'AuthenticationFailed', (c) => {
      return conditionOf(c, 'Healthy')?.reason === 'AuthenticationFailed';
    });
    expect(conditionOf(failed, 'Healthy')?.message).toContain('InvalidClientTokenId');
    const ref = await objects.credential(namespace, 'readonly');
    expect(conditionOf(ref, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'AuthenticationFailed',
    });
    expect(JSON.stringify([failed.status, ref.status])).not.toContain('wrong');
  });

  it('fails a run whose AWS calls never answer with DeadlineExceeded', async () => {
    const address = blackhole.address();
    if (address === null || typeof address === 'string') throw new Error('no blackhole port');
    const namespace = await createNodeTenant(env, admin, objects, {
      awsEndpointUrl: `http://127.0.0.1:${address.port}`,
    });
    await objects.create('awschecks', namespace, check('stuck', { timeoutSeconds: 10 }));
    const done = await checkWhen(namespace, 'stuck', 'the run to end', recorded);
    expect(done.status?.lastRun, JSON.stringify(done.status)).toMatchObject({
      outcome: 'Failed',
      reason: 'DeadlineExceeded',
    });
    expect(conditionOf(done, 'Healthy')).toMatchObject({
      status: 'False',
      reason: 'DeadlineExceeded',
    });
  });

  it(
    'reports the kubelet’s FailedMount for a missing Secret in Ready, and in the run at its deadline',
    { timeout: 180_000 },
    async () => {
      const namespace = await createNodeTenant(env, admin, objects, { keys: null });
      await objects.create('awschecks', namespace, check('nosecret', { timeoutSeconds: 10 }));
      const pod = await eventually('the run’s pod', async () => {
        const pods = await admin.core.listNamespacedPod({ namespace });
        return pods.items.find((p) => p.metadata?.labels?.['awscheck.io/check'] === 'nosecret');
      });
      const [mount] = await eventMessages(
        admin.core,
        namespace,
        pod.metadata?.name ?? '',
        'FailedMount',
      );
      expect(mount).toMatch(/secret "aws-keys" not found/);
      const blocked = await checkWhen(namespace, 'nosecret', 'Ready RunNotStarting', (c) => {
        return conditionOf(c, 'Ready')?.reason === 'RunNotStarting';
      });
      expect(conditionOf(blocked, 'Ready')?.status).toBe('False');
      expect(conditionOf(blocked, 'Ready')?.message).toMatch(
        /the checker could not start: FailedMount: MountVolume\.SetUp failed for volume "[^"]+" : secret "aws-keys" not found/,
      );
      expect(conditionOf(blocked, 'Reconciling')).toMatchObject({
        status: 'True',
        reason: 'RunNotStarting',
      });
      expect(conditionOf(blocked, 'Stalled')).toBeUndefined();
      const ended = await checkWhen(namespace, 'nosecret', 'the run to end', {
        test: recorded,
        timeoutMs: 150_000,
      });
      expect(ended.status?.lastRun).toMatchObject({
        outcome: 'Failed',
        reason: 'InvalidConfiguration',
      });
      expect(ended.status?.lastRun?.message).toMatch(
        /FailedMount: MountVolume\.SetUp failed for volume "[^"]+" : secret "aws-keys" not found; the run was stopped at its deadline of 40 s$/,
      );
      expect(conditionOf(ended, 'Healthy')).toMatchObject({
        status: 'False',
        reason: 'InvalidConfiguration',
      });
    },
  );
});
