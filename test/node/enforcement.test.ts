// What only a real kubelet enforces, measured on the real node: the memory limit, the
// read-only root filesystem, the pod's user, Secret volumes, the termination message, and
// an image built from the Dockerfile that holds every path the checker's pod names.
import type { V1Container } from '@kubernetes/client-node';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { parseTerminationMessage } from '../../operator/checker/result.ts';
import { checkerPodTemplate, validateArgs } from '../../operator/controller/checker-pod.ts';
import { loadConfig } from '../../operator/config.ts';
import { AWS_TEST_KEYS } from '../support/awscheck.ts';
import { kubeClients } from '../support/kube.ts';
import {
  createNodeNamespace,
  createPod,
  eventMessages,
  logsOf,
  nodeOf,
  terminated,
  waitingFor,
} from './pods.ts';

const env = inject('testenv');
const node = nodeOf(env);
const { core } = kubeClients(env.kubeconfig);
let namespace: string;

beforeAll(async () => {
  namespace = await createNodeNamespace(core, node, 'enforce');
});

// probe runs the probe image's program with one command.
function probe(args: string[], extra: Omit<V1Container, 'name'> = {}): V1Container {
  return {
    name: 'probe',
    image: node.probeImage,
    imagePullPolicy: 'Never',
    command: ['/probe', ...args],
    ...extra,
  };
}

describe('the kubelet enforces what the pod runner cannot', () => {
  it('kills a container over its memory limit: OOMKilled, exit code 137', async () => {
    const name = await createPod(core, namespace, 'over-memory', {
      containers: [probe(['alloc', '512'], { resources: { limits: { memory: '64Mi' } } })],
    });
    const { state, pod } = await terminated(core, namespace, name);
    expect(pod.spec?.nodeName).toBe(node.name);
    expect(state).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
  });

  it('lets the same program finish under a limit it fits in', async () => {
    const name = await createPod(core, namespace, 'within-memory', {
      containers: [probe(['alloc', '16'], { resources: { limits: { memory: '64Mi' } } })],
    });
    expect((await terminated(core, namespace, name)).state).toMatchObject({ exitCode: 0 });
  });

  it('mounts the root filesystem read-only, even for root', async () => {
    const name = await createPod(core, namespace, 'read-only-root', {
      containers: [
        probe(['write', '/written'], {
          securityContext: { runAsUser: 0, readOnlyRootFilesystem: true },
        }),
      ],
    });
    expect((await terminated(core, namespace, name)).state.exitCode).toBe(1);
    expect(await logsOf(core, namespace, name)).toMatch(/read-only file system/);
  });

  it('runs the container as the pod’s user and group', async () => {
    const name = await createPod(core, namespace, 'as-user', {
      securityContext: { runAsUser: 65532, runAsGroup: 65532, runAsNonRoot: true },
      containers: [probe(['id'])],
    });
    expect((await terminated(core, namespace, name)).state.exitCode).toBe(0);
    expect(await logsOf(core, namespace, name)).toBe('uid=65532 gid=65532\n');
  });

  it('refuses runAsNonRoot for an image that would run as root', async () => {
    const name = await createPod(core, namespace, 'would-be-root', {
      securityContext: { runAsNonRoot: true },
      containers: [probe(['id'])],
    });
    expect(await waitingFor(core, namespace, name, 'CreateContainerConfigError')).toMatch(
      /runAsNonRoot and image will run as root/,
    );
  });

  it('mounts a Secret volume as files the pod’s group can read', async () => {
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'keys' }, stringData: { token: 's3cr3t' } },
    });
    const name = await createPod(core, namespace, 'secret-volume', {
      securityContext: { runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532 },
      containers: [
        probe(['cat', '/keys/token'], {
          volumeMounts: [{ name: 'keys', mountPath: '/keys', readOnly: true }],
        }),
      ],
      volumes: [{ name: 'keys', secret: { secretName: 'keys', defaultMode: 0o440 } }],
    });
    expect((await terminated(core, namespace, name)).state.exitCode).toBe(0);
    expect(await logsOf(core, namespace, name)).toBe('s3cr3t');
  });

  it('reports a missing Secret as FailedMount and never starts the container', async () => {
    const name = await createPod(core, namespace, 'missing-secret', {
      containers: [probe(['id'], { volumeMounts: [{ name: 'keys', mountPath: '/keys' }] })],
      volumes: [{ name: 'keys', secret: { secretName: 'absent' } }],
    });
    const [message] = await eventMessages(core, namespace, name, 'FailedMount');
    expect(message).toMatch(/secret "absent" not found/);
    const pod = await core.readNamespacedPod({ name, namespace });
    expect(pod.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('ContainerCreating');
  });

  it('reports the termination message the container wrote', async () => {
    const name = await createPod(core, namespace, 'message', {
      containers: [probe(['message', 'done: 42'])],
    });
    expect((await terminated(core, namespace, name)).state).toMatchObject({
      exitCode: 0,
      message: 'done: 42',
    });
  });
});

describe('the image built from the Dockerfile', () => {
  it('runs the operator’s own checker pod: node, the checker, its Secret and its termination log', async () => {
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'aws-keys' }, stringData: { ...AWS_TEST_KEYS } },
    });
    const config = loadConfig({
      AWSCHECK_CHECKER_IMAGE: node.image,
      AWSCHECK_IMAGE_PULL_POLICY: 'Never',
      AWSCHECK_NAMESPACE: namespace,
    });
    const credential = {
      refName: 'readonly',
      spec: { region: 'us-east-1', secretRef: { name: 'aws-keys' } },
      externalId: 'unused',
    };
    const template = checkerPodTemplate(
      config,
      validateArgs(credential, namespace, undefined),
      credential,
      { labels: {} },
    );
    if (template.spec === undefined) throw new Error('the checker pod template has no spec');
    const name = await createPod(core, namespace, 'checker-validate', template.spec);
    const { state } = await terminated(core, namespace, name);
    expect(state.exitCode, state.message).toBe(0);
    expect(parseTerminationMessage(state.message ?? '')).toMatchObject({
      kind: 'validate',
      outcome: 'Succeeded',
    });
  });
});
