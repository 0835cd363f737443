// The real node: containerd + runc, a kubelet and kube-scheduler, added to a running test
// environment. Pods of namespaces labelled NODE_NAMESPACE_LABEL run here, in containers,
// under the kubelet's enforcement; every other pod stays the pod runner's.
import { basename, join } from 'node:path';
import { mkdir, rm } from 'node:fs/promises';
import { AdmissionregistrationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { ensureNodeBinaries, type NodeBinaries, type Progress } from '../binaries.ts';
import type { TestEnvInfo } from '../environment.ts';
import { writeKubeconfig } from '../kubeconfig.ts';
import { issueClientCertificate, issueServingCertificate, type Pki } from '../pki.ts';
import {
  stopProcessGroup,
  waitUntil,
  type RunningProcess,
  type ServerContext,
} from '../processes.ts';
import { createCgroupRoot, removeCgroupRoot } from './cgroups.ts';
import { killContainers, unmountUnder } from './cleanup.ts';
import { importImage, startContainerd } from './containerd.ts';
import { ensureNodeImages, type LocalImage } from './images.ts';
import { startKubelet } from './kubelet.ts';
import { installPodNetwork, NODE_NAMESPACE_LABEL, POD_NETWORK_POLICY } from './pod-network.ts';
import { SCHEDULER_NAME, startScheduler } from './scheduler.ts';

/** NODE_NAME is the real node's name: its loopback address, where the apiserver reaches it. */
export const NODE_NAME = '127.0.0.1';

/** NodeInfo is everything a test needs to use the real node; it is plain JSON. */
export interface NodeInfo {
  readonly name: string;
  /** Label a namespace with this and its pods run on the real node. */
  readonly namespaceLabel: { readonly key: string; readonly value: string };
  readonly schedulerName: string;
  /** The image built from the Dockerfile, imported; undefined when the node started without it. */
  readonly image?: string;
  /** The probe image (go/probe): `/probe id|write|cat|message|alloc|sleep`. */
  readonly probeImage: string;
  readonly dir: string;
  readonly containerdSocket: string;
  readonly ctr: string;
  readonly cgroupRoot: string;
  readonly processes: readonly {
    readonly name: string;
    readonly pid: number;
    readonly logFile: string;
  }[];
}

/** NodeOptions: how the node relates to its starter, and the product image to import. */
export interface NodeOptions {
  readonly tiedToParent: boolean;
  readonly progress: Progress;
  /** Builds (or finds) the image from the Dockerfile; the node imports it. */
  readonly productImage?: (progress: Progress) => Promise<LocalImage>;
}

/** PROBE_NAMESPACE is a labelled namespace the node keeps, to prove its policy is enforced. */
const PROBE_NAMESPACE = 'testenv-real-node';

/**
 * startNode builds what is missing and starts the real node beside a running environment:
 * containerd (with the pause, probe and product images imported), the kubelet, whose Node
 * must turn Ready, kube-scheduler, and the pod network policy. If any part fails, every
 * part already started is stopped before the error is thrown.
 */
export async function startNode(env: TestEnvInfo, options: NodeOptions): Promise<NodeInfo> {
  const binaries = await ensureNodeBinaries(options.progress);
  const images = await ensureNodeImages(options.progress);
  const product = await options.productImage?.(options.progress);
  const dir = join(env.runDir, 'node');
  await mkdir(dir, { recursive: true });
  const context: ServerContext = {
    runDir: env.runDir,
    tiedToParent: options.tiedToParent,
    started: [],
  };
  const cgroupRoot = createCgroupRoot(basename(env.runDir));
  const partial = { dir, cgroupRoot, containerdSocket: join(dir, 'containerd', 'containerd.sock') };
  try {
    const containerd = await startContainerd(
      { binaries, dir, sandboxImage: images.pause.ref },
      context,
    );
    for (const image of [images.pause, images.probe, ...(product ? [product] : [])]) {
      await importImage(binaries.ctr, containerd.socket, image);
    }
    await startNodeServers(env, { binaries, dir, cgroupRoot, socket: containerd.socket }, context);
    return {
      name: NODE_NAME,
      namespaceLabel: NODE_NAMESPACE_LABEL,
      schedulerName: SCHEDULER_NAME,
      ...(product && { image: product.ref }),
      probeImage: images.probe.ref,
      dir,
      containerdSocket: containerd.socket,
      ctr: binaries.ctr,
      cgroupRoot,
      processes: context.started.map((p) => ({ name: p.name, pid: p.pid, logFile: p.logFile })),
    };
  } catch (error) {
    await stopNodeParts(context.started, partial);
    throw error;
  }
}

interface NodeParts {
  readonly binaries: NodeBinaries;
  readonly dir: string;
  readonly cgroupRoot: string;
  readonly socket: string;
}

async function startNodeServers(
  env: TestEnvInfo,
  parts: NodeParts,
  context: ServerContext,
): Promise<void> {
  const pki: Pki = { dir: env.runDir, ca: { cert: env.caCert, key: join(env.runDir, 'ca.key') } };
  const [kubeletUser, kubeletServing, schedulerUser, schedulerServing] = await Promise.all([
    issueClientCertificate(pki, `system:node:${NODE_NAME}`, ['system:nodes']),
    issueServingCertificate(pki, 'kubelet'),
    issueClientCertificate(pki, 'system:kube-scheduler'),
    issueServingCertificate(pki, 'kube-scheduler'),
  ]);
  const kubeletKubeconfig = join(parts.dir, 'kubelet.kubeconfig');
  const schedulerKubeconfig = join(parts.dir, 'kube-scheduler.kubeconfig');
  const server = env.apiServerUrl;
  await writeKubeconfig(kubeletKubeconfig, {
    server,
    caCert: env.caCert,
    client: kubeletUser,
    user: `system:node:${NODE_NAME}`,
  });
  await writeKubeconfig(schedulerKubeconfig, {
    server,
    caCert: env.caCert,
    client: schedulerUser,
    user: 'system:kube-scheduler',
  });
  const kubelet = await startKubelet(
    {
      binary: parts.binaries.kubelet,
      dir: parts.dir,
      nodeName: NODE_NAME,
      kubeconfig: kubeletKubeconfig,
      pki,
      serving: kubeletServing,
      containerdSocket: parts.socket,
      cgroupRoot: parts.cgroupRoot,
    },
    context,
  );
  await startScheduler(
    {
      binary: parts.binaries.kubeScheduler,
      dir: parts.dir,
      kubeconfig: schedulerKubeconfig,
      caCert: env.caCert,
      serving: schedulerServing,
    },
    context,
  );
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(env.kubeconfig);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespace({
    body: {
      metadata: {
        name: PROBE_NAMESPACE,
        labels: { [NODE_NAMESPACE_LABEL.key]: NODE_NAMESPACE_LABEL.value },
      },
    },
  });
  await installPodNetwork(
    kubeConfig,
    core,
    { apiServerPort: Number(new URL(server).port), awsEndpointUrl: env.awsEndpointUrl },
    PROBE_NAMESPACE,
  );
  await waitUntil(async () => nodeReady(core), {
    what: `the kubelet’s Node ${NODE_NAME} to be Ready`,
    timeoutMs: 60_000,
    process: kubelet,
    intervalMs: 250,
  });
}

async function nodeReady(core: CoreV1Api): Promise<boolean> {
  const node = await core.readNode({ name: NODE_NAME });
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True')
    throw new Error(`Ready: ${ready?.reason ?? 'not reported'} ${ready?.message ?? ''}`);
  return true;
}

/**
 * stopNode stops the node's servers, ends its containers, unmounts what it mounted and
 * removes its cgroups and folder. With the admin kubeconfig of an environment that keeps
 * running, it also removes the pod network policy, the probe namespace and the Node, so
 * no pod is sent to a node that is gone.
 */
export async function stopNode(node: NodeInfo, adminKubeconfig?: string): Promise<void> {
  if (adminKubeconfig !== undefined) await removeFromCluster(adminKubeconfig);
  await stopNodeParts(
    node.processes.map((p) => ({ ...p, exit: Promise.resolve(null) })),
    node,
  );
}

async function stopNodeParts(
  processes: readonly RunningProcess[],
  node: { readonly dir: string; readonly cgroupRoot: string; readonly containerdSocket: string },
): Promise<void> {
  const servers = processes.filter((p) => p.name !== 'containerd');
  await Promise.all(servers.map((p) => stopProcessGroup(p.pid)));
  await killContainers(node.containerdSocket, node.cgroupRoot);
  await Promise.all(
    processes.filter((p) => p.name === 'containerd').map((p) => stopProcessGroup(p.pid)),
  );
  await unmountUnder(node.dir);
  removeCgroupRoot(node.cgroupRoot);
  await rm(node.dir, { recursive: true, force: true });
}

async function removeFromCluster(adminKubeconfig: string): Promise<void> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(adminKubeconfig);
  const admission = kubeConfig.makeApiClient(AdmissionregistrationV1Api);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  await admission.deleteMutatingAdmissionPolicyBinding({ name: POD_NETWORK_POLICY });
  await admission.deleteMutatingAdmissionPolicy({ name: POD_NETWORK_POLICY });
  await core.deleteNamespace({ name: PROBE_NAMESPACE });
  await core.deleteNode({ name: NODE_NAME });
}
