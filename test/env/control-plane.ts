import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { httpsGet } from './http.ts';
import { freePort } from './ports.ts';
import type { CertificateFiles, Pki } from './pki.ts';
import { startServer, waitUntil, type RunningProcess, type ServerContext } from './processes.ts';

/** Etcd is a started etcd and the URL clients use. */
export interface Etcd {
  readonly process: RunningProcess;
  readonly url: string;
}

/**
 * startEtcd runs a single-member etcd on loopback. fsync is off: the data lives for one
 * test run, and fsync on a small machine's disk dominates apiserver latency.
 */
export async function startEtcd(binary: string, context: ServerContext): Promise<Etcd> {
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const server = startServer(context, 'etcd', [
    binary,
    `--data-dir=${join(context.runDir, 'etcd')}`,
    `--listen-client-urls=${url}`,
    `--advertise-client-urls=${url}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=default=${peerUrl}`,
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ]);
  await waitUntil(async () => (await fetch(`${url}/health`)).ok, {
    what: 'etcd',
    timeoutMs: 20_000,
    process: server,
  });
  return { process: server, url };
}

/** ApiServerInput is what kube-apiserver is started with. */
export interface ApiServerInput {
  readonly binary: string;
  readonly etcdUrl: string;
  readonly pki: Pki;
  readonly serving: CertificateFiles;
  readonly serviceAccount: CertificateFiles;
  readonly admin: CertificateFiles;
  /** The apiserver's identity towards kubelets (logs, exec), in system:masters. */
  readonly kubeletClient: CertificateFiles;
  /** The port to serve on; a free one when unset. A restart passes the first start's. */
  readonly port?: number;
  /** Flags added after the defaults (a test's dedicated apiserver: watch cache off). */
  readonly extraArgs?: readonly string[];
}

/** ApiServer is a started kube-apiserver and its URL. */
export interface ApiServer {
  readonly process: RunningProcess;
  readonly url: string;
}

/**
 * startApiServer runs kube-apiserver as a real cluster runs it: secure serving signed by
 * the run's CA, client-certificate users, Node and RBAC authorization, the default
 * admission plugins (quota, service accounts, namespace lifecycle) plus NodeRestriction,
 * and service-account tokens (TokenRequest, for the tokens a kubelet projects into pods).
 * It reaches a kubelet at the Node's InternalIP, its certificate checked against the CA.
 */
export async function startApiServer(
  input: ApiServerInput,
  context: ServerContext,
): Promise<ApiServer> {
  const port = input.port ?? (await freePort());
  const url = `https://127.0.0.1:${port}`;
  const certDir = join(context.runDir, 'apiserver');
  await mkdir(certDir, { recursive: true });
  const server = startServer(context, 'kube-apiserver', [
    input.binary,
    `--etcd-servers=${input.etcdUrl}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${port}`,
    `--cert-dir=${certDir}`,
    `--tls-cert-file=${input.serving.cert}`,
    `--tls-private-key-file=${input.serving.key}`,
    `--client-ca-file=${input.pki.ca.cert}`,
    // Node: a kubelet (user system:node:<name>) may touch only its own Node and pods.
    '--authorization-mode=Node,RBAC',
    '--enable-admission-plugins=NodeRestriction',
    `--kubelet-client-certificate=${input.kubeletClient.cert}`,
    `--kubelet-client-key=${input.kubeletClient.key}`,
    `--kubelet-certificate-authority=${input.pki.ca.cert}`,
    '--kubelet-preferred-address-types=InternalIP',
    // As kubeadm and most clusters: privileged pods are a matter for admission policy.
    '--allow-privileged=true',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${input.serviceAccount.cert}`,
    `--service-account-signing-key-file=${input.serviceAccount.key}`,
    '--service-cluster-ip-range=10.96.0.0/16',
    '--endpoint-reconciler-type=none',
    '--profiling=false',
    '--v=0',
    ...(input.extraArgs ?? []),
  ]);
  const tls = { caCert: input.pki.ca.cert, client: input.admin };
  await waitUntil(async () => (await httpsGet(`${url}/readyz`, tls)).status === 200, {
    what: 'kube-apiserver',
    timeoutMs: 60_000,
    process: server,
  });
  return { process: server, url };
}

/** The controllers the operator's world needs: CronJob → Job → Pod, quota, GC, namespaces. */
export const CONTROLLERS = [
  'cronjob-controller',
  // Roll out Deployments (the chart's operator and portal) and keep PodDisruptionBudgets' status.
  'deployment-controller',
  'replicaset-controller',
  'disruption-controller',
  'job-controller',
  'garbage-collector-controller',
  'namespace-controller',
  // Lifts the not-ready taint a kubelet registers its Node with, once the Node is Ready.
  'node-lifecycle-controller',
  'resourcequota-controller',
  // Publishes kube-root-ca.crt in every namespace: in-cluster clients verify the apiserver with it.
  'root-ca-certificate-publisher-controller',
  'serviceaccount-controller',
  'ttl-after-finished-controller',
] as const;

/**
 * ControllerManagerSizing sizes kube-controller-manager as a large cluster does. Its client
 * QPS is what paces Jobs: the Job controller sends about six requests per Job it finishes
 * (the Pod's create and finalizer patch, four status updates), so kube's default of 20 QPS
 * finishes about 3 Jobs a second.
 */
export interface ControllerManagerSizing {
  /** --kube-api-qps and --kube-api-burst, per controller client. */
  readonly qps: number;
  readonly burst: number;
  /** --concurrent-job-syncs (kube's default 5). */
  readonly jobSyncs: number;
}

/**
 * startControllerManager runs kube-controller-manager with per-controller service-account
 * credentials (as kubeadm does), so every controller acts under its own bootstrap RBAC.
 * Readiness is observed, not assumed: the caller waits for a controller's effect.
 */
export function startControllerManager(
  { binary, kubeconfig, rootCaFile }: { binary: string; kubeconfig: string; rootCaFile: string },
  context: ServerContext,
  sizing?: ControllerManagerSizing,
): RunningProcess {
  const sized =
    sizing === undefined
      ? []
      : [
          `--kube-api-qps=${String(sizing.qps)}`,
          `--kube-api-burst=${String(sizing.burst)}`,
          `--concurrent-job-syncs=${String(sizing.jobSyncs)}`,
        ];
  return startServer(context, 'kube-controller-manager', [
    binary,
    `--kubeconfig=${kubeconfig}`,
    `--controllers=${CONTROLLERS.join(',')}`,
    `--root-ca-file=${rootCaFile}`,
    '--use-service-account-credentials=true',
    '--leader-elect=false',
    '--secure-port=0',
    '--concurrent-gc-syncs=5',
    ...sized,
    '--v=0',
  ]);
}
