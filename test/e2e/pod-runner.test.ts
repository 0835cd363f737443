// The local pod runner is the node: Jobs run to completion through the real job
// controller, with Secret files mounted, termination messages, deadlines and memory limits.
// Where the real kubelet (test/node) was measured, the runner is held to what it does.
import type {
  CoreV1Event,
  V1Job,
  V1Pod,
  V1PodSecurityContext,
  V1PodSpec,
  V1ResourceRequirements,
} from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { describe, expect, inject, it } from 'vitest';
import { judgeRun } from '../../operator/controller/run-outcome.ts';
import { eventually } from '../support/eventually.ts';
import { createNamespace, kubeClients } from '../support/kube.ts';

const admin = kubeClients(inject('testenv').kubeconfig);

// shellJob runs `sh -c script sh ...paths`: the runner maps container paths given as whole
// arguments to the pod's folders, so scripts take their paths as $1, $2, ….
function shellJob(
  name: string,
  script: readonly string[],
  extra: {
    deadline?: number;
    secret?: string;
    items?: { key: string; path: string }[];
    securityContext?: V1PodSecurityContext;
  } = {},
): V1Job {
  return {
    metadata: { name },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          ...(extra.deadline !== undefined && { activeDeadlineSeconds: extra.deadline }),
          ...(extra.securityContext && { securityContext: extra.securityContext }),
          containers: [
            {
              name: 'main',
              image: 'shell',
              command: ['testenv-sh', '-c', ...script],
              ...(extra.secret && {
                volumeMounts: [{ name: 'creds', mountPath: '/etc/creds', readOnly: true }],
              }),
            },
          ],
          ...(extra.secret && {
            volumes: [
              {
                name: 'creds',
                secret: { secretName: extra.secret, ...(extra.items && { items: extra.items }) },
              },
            ],
          }),
        },
      },
    },
  };
}

// nodeJob runs `node -e script` in a container named as the checker's, with resources.
function nodeJob(name: string, script: string, resources: V1ResourceRequirements): V1Job {
  return {
    metadata: { name },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          containers: [
            { name: 'checker', image: 'node', command: ['node', '-e', script], resources },
          ],
        },
      },
    },
  };
}

// holding touches `mib` MiB so it is resident, then holds it for a while and exits 0.
function holding(mib: number, seconds: number): string {
  return `const held = Buffer.alloc(${mib} * 2 ** 20, 1); setTimeout(() => console.log(held.length), ${seconds * 1000});`;
}

async function finishedPod(namespace: string, job: string): Promise<V1Pod> {
  return eventually(`the pod of ${job} to finish`, async () => {
    const pods = await admin.core.listNamespacedPod({
      namespace,
      labelSelector: `batch.kubernetes.io/job-name=${job}`,
    });
    const pod = pods.items[0];
    return pod?.status?.phase === 'Succeeded' || pod?.status?.phase === 'Failed' ? pod : undefined;
  });
}

async function podOf(namespace: string, job: string): Promise<V1Pod> {
  return eventually(`the pod of ${job}`, async () => {
    const pods = await admin.core.listNamespacedPod({
      namespace,
      labelSelector: `batch.kubernetes.io/job-name=${job}`,
    });
    return pods.items[0];
  });
}

// failedMount waits for the pod's FailedMount Event as the operator finds it: by the
// pod's uid and the reason, with at least `count` failed tries counted.
async function failedMount(pod: V1Pod, count = 1): Promise<CoreV1Event> {
  const uid = pod.metadata?.uid ?? '';
  return eventually(`a FailedMount Event counting ${String(count)} of pod ${uid}`, async () => {
    const events = await admin.core.listNamespacedEvent({
      namespace: pod.metadata?.namespace ?? '',
      fieldSelector: `involvedObject.uid=${uid},reason=FailedMount`,
    });
    return events.items.find((event) => (event.count ?? 0) >= count);
  });
}

// HOLD is a finalizer of the tests' own: it keeps a deleted Pod readable until the test
// has seen how it ended.
const HOLD = 'testenv.awscheck.io/hold';

async function createHeldPod(namespace: string, name: string, spec: V1PodSpec): Promise<V1Pod> {
  return admin.core.createNamespacedPod({
    namespace,
    body: { metadata: { name, finalizers: [HOLD] }, spec },
  });
}

// deletedAndConfirmed deletes a held Pod, waits until its deletion is confirmed as a kubelet
// confirms one (a zero grace period), and lets it go, giving the Pod as it ended.
async function deletedAndConfirmed(namespace: string, name: string): Promise<V1Pod> {
  await admin.core.deleteNamespacedPod({ name, namespace });
  const ended = await eventually('the deleted Pod to end and its deletion confirmed', async () => {
    const read = await admin.core.readNamespacedPod({ name, namespace });
    return read.metadata?.deletionGracePeriodSeconds === 0 ? read : undefined;
  });
  await admin.core.patchNamespacedPod(
    { name, namespace, body: { metadata: { finalizers: null } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  return ended;
}

// creating reads the pod while its container waits ContainerCreating.
async function creating(pod: V1Pod): Promise<V1Pod> {
  const name = pod.metadata?.name ?? '';
  const namespace = pod.metadata?.namespace ?? '';
  return eventually(`pod ${name} to wait ContainerCreating`, async () => {
    const read = await admin.core.readNamespacedPod({ name, namespace });
    const waiting = read.status?.containerStatuses?.[0]?.state?.waiting;
    return waiting?.reason === 'ContainerCreating' ? read : undefined;
  });
}

// expectNeverStarted: the kubelet ends a container it never started with its status
// unknown, exit code 137, and no start time (the apiserver shows it as null).
function expectNeverStarted(pod: V1Pod): void {
  const terminated = pod.status?.containerStatuses?.[0]?.state?.terminated;
  expect(terminated).toMatchObject({
    exitCode: 137,
    reason: 'ContainerStatusUnknown',
    message: 'The container could not be located when the pod was terminated',
  });
  expect(terminated?.startedAt ?? undefined).toBeUndefined();
}

async function jobCondition(namespace: string, job: string): Promise<string> {
  return eventually(`${job} to complete or fail`, async () => {
    const status = (await admin.batch.readNamespacedJob({ name: job, namespace })).status;
    return status?.conditions?.find(
      (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
    )?.type;
  });
}

describe('local pod runner', () => {
  it('runs a Job to completion with its Secret mounted as files and its termination message', async () => {
    const namespace = await createNamespace(admin.core, 'runner');
    await admin.core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'creds' }, stringData: { key: 's3cret' } },
    });
    await admin.batch.createNamespacedJob({
      namespace,
      body: shellJob(
        'reads-secret',
        ['cat "$1" > "$2"', 'sh', '/etc/creds/key', '/dev/termination-log'],
        {
          secret: 'creds',
        },
      ),
    });

    const pod = await finishedPod(namespace, 'reads-secret');

    expect(pod.spec?.nodeName).toBe('awscheck-local-node');
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed',
      message: 's3cret',
    });
    expect(await jobCondition(namespace, 'reads-secret')).toBe('Complete');
  });

  it('reports a non-zero exit as a failed Pod and a failed Job', async () => {
    const namespace = await createNamespace(admin.core, 'runner');
    await admin.batch.createNamespacedJob({
      namespace,
      body: shellJob('exits-3', ['echo broken > "$1"; exit 3', 'sh', '/dev/termination-log']),
    });

    const pod = await finishedPod(namespace, 'exits-3');

    expect(pod.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 3,
      reason: 'Error',
      message: 'broken\n',
    });
    expect(await jobCondition(namespace, 'exits-3')).toBe('Failed');
  });

  it('kills a Pod that outlives its activeDeadlineSeconds', async () => {
    const namespace = await createNamespace(admin.core, 'runner');
    await admin.batch.createNamespacedJob({
      namespace,
      body: shellJob('sleeps', ['sleep 60'], { deadline: 1 }),
    });

    const pod = await finishedPod(namespace, 'sleeps');

    expect(pod.status?.reason).toBe('DeadlineExceeded');
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated?.reason).toBe('DeadlineExceeded');
  });

  it('leaves a Pod whose Secret is missing Pending in ContainerCreating with the kubelet’s FailedMount Event, and starts it once the Secret exists', async () => {
    const namespace = await createNamespace(admin.core, 'runner');
    await admin.batch.createNamespacedJob({
      namespace,
      body: shellJob(
        'late-secret',
        ['cat "$1" > "$2"', 'sh', '/etc/creds/key', '/dev/termination-log'],
        {
          secret: 'creds',
        },
      ),
    });
    const pod = await podOf(namespace, 'late-secret');

    const event = await failedMount(pod, 2);
    const waiting = await creating(pod);

    expect(waiting.status?.phase).toBe('Pending');
    expect(event).toMatchObject({
      type: 'Warning',
      message: 'MountVolume.SetUp failed for volume "creds" : secret "creds" not found',
      source: { component: 'kubelet', host: 'awscheck-local-node' },
      involvedObject: {
        apiVersion: 'v1',
        kind: 'Pod',
        name: pod.metadata?.name,
        namespace,
        uid: pod.metadata?.uid,
      },
    });
    await admin.core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'creds' }, stringData: { key: 'late' } },
    });
    const done = await finishedPod(namespace, 'late-secret');
    expect(done.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 0,
      message: 'late',
    });
    expect(await jobCondition(namespace, 'late-secret')).toBe('Complete');
  });

  it('reports a Secret that lacks a key named in items as FailedMount, and starts the Pod once the key is there', async () => {
    const namespace = await createNamespace(admin.core, 'runner');
    await admin.core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'creds' }, stringData: { other: 'x' } },
    });
    await admin.batch.createNamespacedJob({
      namespace,
      body: shellJob(
        'bad-mount',
        ['cat "$1" > "$2"', 'sh', '/etc/creds/key', '/dev/termination-log'],
        {
          secret: 'creds',
          items: [{ key: 'missing', path: 'key' }],
        },
      ),
    });
    const pod = await podOf(namespace, 'bad-mount');

    const event = await failedMount(pod);
    const waiting = await creating(pod);

    expect(waiting.status?.phase).toBe('Pending');
    expect(event.message).toBe(
      'MountVolume.SetUp failed for volume "creds" : references non-existent secret key: missing',
    );
    await admin.core.patchNamespacedSecret(
      { name: 'creds', namespace, body: { stringData: { missing: 'found' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const done = await finishedPod(namespace, 'bad-mount');
    expect(done.status?.containerStatuses?.[0]?.state?.terminated?.message).toBe('found');
  });

  it('fails a Pod still waiting for its Secret at its activeDeadlineSeconds, its container status unknown', async () => {
    const namespace = await createNamespace(admin.core, 'runner');
    await admin.batch.createNamespacedJob({
      namespace,
      body: shellJob('never-mounted', ['true'], { secret: 'absent', deadline: 2 }),
    });

    const pod = await finishedPod(namespace, 'never-mounted');

    expect(pod.status).toMatchObject({ phase: 'Failed', reason: 'DeadlineExceeded' });
    expectNeverStarted(pod);
    expect((await failedMount(pod)).message).toMatch(/secret "absent" not found/);
  });

  it('ends a Pod deleted while it waits for its Secret as Failed, its container status unknown, then confirms the deletion', async () => {
    const namespace = await createNamespace(admin.core, 'runner');
    const template = shellJob('unused', ['true'], { secret: 'absent' }).spec?.template.spec;
    if (template === undefined) throw new Error('shellJob has a pod template');
    const pod = await createHeldPod(namespace, 'deleted-waiting', template);
    await creating(pod);

    const ended = await deletedAndConfirmed(namespace, 'deleted-waiting');

    expect(ended.status?.phase).toBe('Failed');
    expectNeverStarted(ended);
  });

  it('stops a running Pod that is deleted with SIGTERM, writes its end, then confirms the deletion', async () => {
    const namespace = await createNamespace(admin.core, 'runner');
    const template = shellJob('unused', ['trap "exit 7" TERM; while :; do sleep 0.1; done']).spec
      ?.template.spec;
    if (template === undefined) throw new Error('shellJob has a pod template');
    await createHeldPod(namespace, 'deleted-running', template);
    await eventually('the Pod to run', async () => {
      const read = await admin.core.readNamespacedPod({ name: 'deleted-running', namespace });
      return read.status?.phase === 'Running' ? true : undefined;
    });

    const ended = await deletedAndConfirmed(namespace, 'deleted-running');

    // The container's own answer to SIGTERM, as the kubelet reports it.
    expect(ended.status?.phase).toBe('Failed');
    expect(ended.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 7,
      reason: 'Error',
    });
  });

  it('refuses runAsNonRoot with runAsUser 0 as the kubelet does, and runs it as the image’s non-root user', async () => {
    const namespace = await createNamespace(admin.core, 'runner');
    await admin.batch.createNamespacedJob({
      namespace,
      body: shellJob('as-root', ['true'], {
        securityContext: { runAsNonRoot: true, runAsUser: 0 },
      }),
    });
    await admin.batch.createNamespacedJob({
      namespace,
      body: shellJob('as-image-user', ['true'], { securityContext: { runAsNonRoot: true } }),
    });

    const refused = await eventually('as-root to wait with its config error', async () => {
      const pod = await podOf(namespace, 'as-root');
      return pod.status?.containerStatuses?.[0]?.state?.waiting;
    });

    expect(refused.reason).toBe('CreateContainerConfigError');
    expect(refused.message).toMatch(
      /^container's runAsUser breaks non-root policy \(pod: "as-root-/,
    );
    expect(await jobCondition(namespace, 'as-image-user')).toBe('Complete');
  });

  it('kills a Pod over its memory limit and reports OOMKilled, exit code 137, as a kubelet does', async () => {
    const namespace = await createNamespace(admin.core, 'runner');
    await admin.batch.createNamespacedJob({
      namespace,
      body: nodeJob('over-limit', holding(300, 30), {
        requests: { cpu: '100m', memory: '96Mi' },
        limits: { cpu: '500m', memory: '96Mi' },
      }),
    });

    const pod = await finishedPod(namespace, 'over-limit');

    expect(pod.status?.phase).toBe('Failed');
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 137,
      reason: 'OOMKilled',
    });
    expect(await jobCondition(namespace, 'over-limit')).toBe('Failed');
    // The operator's reading of the same Job and Pod names the kill.
    const job = await admin.batch.readNamespacedJob({ name: 'over-limit', namespace });
    expect(judgeRun({ job, pod }, new Date())).toMatchObject({
      state: 'Finished',
      run: { outcome: 'Failed', message: 'the checker exited 137 (OOMKilled) without a result' },
    });
  });

  it('leaves a Pod within its memory and CPU limits alone', async () => {
    const namespace = await createNamespace(admin.core, 'runner');
    await admin.batch.createNamespacedJob({
      namespace,
      body: nodeJob('within-limit', holding(32, 1), {
        requests: { cpu: '100m', memory: '192Mi' },
        limits: { cpu: '500m', memory: '192Mi' },
      }),
    });

    const pod = await finishedPod(namespace, 'within-limit');

    expect(pod.status?.phase).toBe('Succeeded');
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed',
    });
    expect(await jobCondition(namespace, 'within-limit')).toBe('Complete');
  });
});
