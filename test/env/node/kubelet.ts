// The kubelet of the real node: bound to loopback, its identity and serving certificate
// from the run's PKI, its files, pod logs and cgroups under the run's own names.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CertificateFiles, Pki } from '../pki.ts';
import { freePort } from '../ports.ts';
import { startServer, type RunningProcess, type ServerContext } from '../processes.ts';

/**
 * NODE_TAINT keeps every pod off the real node but those the pod network policy sends
 * there (it adds the matching toleration): the pod runner is every other pod's node.
 */
export const NODE_TAINT = {
  key: 'testenv.awscheck.io/node',
  value: 'real',
  effect: 'NoSchedule',
} as const;

/** KubeletInput is what the kubelet is started with. */
export interface KubeletInput {
  readonly binary: string;
  readonly dir: string;
  /** The Node's name: its loopback address, which the apiserver dials it at. */
  readonly nodeName: string;
  readonly kubeconfig: string;
  readonly pki: Pki;
  readonly serving: CertificateFiles;
  readonly containerdSocket: string;
  /** The cgroup (cgroupfs path) under which the kubelet makes kubepods. */
  readonly cgroupRoot: string;
}

/**
 * startKubelet writes the kubelet's configuration and starts it; the caller waits for
 * its Node to be Ready. The rules: cgroup v1 is accepted (these machines have it), the
 * cgroupfs driver matches containerd's runc, x509 clients of the run's CA only, with
 * authorization by the apiserver; no eviction or image garbage collection a shared
 * disk's fill level could trigger mid-test (the images are imported, never pulled back).
 */
export async function startKubelet(
  input: KubeletInput,
  context: ServerContext,
): Promise<RunningProcess> {
  const dir = join(input.dir, 'kubelet');
  await mkdir(join(dir, 'pod-logs'), { recursive: true });
  const endpoint = `unix://${input.containerdSocket}`;
  const config = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: '127.0.0.1',
    port: await freePort(),
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: await freePort(),
    tlsCertFile: input.serving.cert,
    tlsPrivateKeyFile: input.serving.key,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: input.pki.ca.cert },
    },
    authorization: { mode: 'Webhook' },
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    cgroupRoot: input.cgroupRoot,
    failSwapOn: false,
    containerRuntimeEndpoint: endpoint,
    imageServiceEndpoint: endpoint,
    podLogsDir: join(dir, 'pod-logs'),
    registerWithTaints: [NODE_TAINT],
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: {
      'memory.available': '1Mi',
      'nodefs.available': '1%',
      'nodefs.inodesFree': '1%',
      'imagefs.available': '1%',
    },
    // Pods see changes to their Secrets and the node's status sooner than a cluster's defaults.
    syncFrequency: '10s',
    nodeStatusReportFrequency: '10s',
    serializeImagePulls: false,
    resolvConf: '/etc/resolv.conf',
  };
  const configFile = join(dir, 'config.json');
  await writeFile(configFile, JSON.stringify(config, null, 2));
  return startServer(context, 'kubelet', [
    input.binary,
    `--config=${configFile}`,
    `--kubeconfig=${input.kubeconfig}`,
    `--root-dir=${join(dir, 'root')}`,
    `--cert-dir=${join(dir, 'pki')}`,
    // An IP as the hostname is the one way to make loopback the Node's address.
    `--hostname-override=${input.nodeName}`,
    '--v=0',
  ]);
}
