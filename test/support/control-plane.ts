// A control plane of a test's own, for faults that would hurt every other test on the shared
// one: an etcd and a kube-apiserver that can be stopped and started again on the same port
// with the same certificates and data, and an etcd that can be compacted. It has no
// controller manager and no node: the operator's own work (CronJobs, status, metrics) is
// what its tests judge. Everything it starts is stopped by `stop`, and dies with the test
// process (tiedToParent).
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureBinaries } from '../env/binaries.ts';
import { startApiServer, startEtcd, type ApiServerInput } from '../env/control-plane.ts';
import type { TestEnvInfo } from '../env/environment.ts';
import { httpsGet } from '../env/http.ts';
import { writeKubeconfig } from '../env/kubeconfig.ts';
import {
  createPki,
  issueClientCertificate,
  issueServingCertificate,
  writeServiceAccountKeys,
} from '../env/pki.ts';
import { stopProcessGroup, type RunningProcess, type ServerContext } from '../env/processes.ts';
import { metricTotal } from './metrics.ts';

/** DedicatedControlPlane is a test's own etcd and kube-apiserver. */
export interface DedicatedControlPlane {
  /**
   * env describes the plane as the shared environment is described (its admin kubeconfig,
   * CA, URL), so installOperator, startOperator and mintKubeconfig work on it unchanged;
   * AWS and Stripe are the shared environment's.
   */
  readonly env: TestEnvInfo;
  readonly etcdUrl: string;
  /** apiServer is the kube-apiserver process now serving, undefined while stopped. */
  apiServer(): RunningProcess | undefined;
  /** stopApiServer ends the kube-apiserver (SIGTERM, as a restart does); etcd keeps running. */
  stopApiServer(): Promise<void>;
  /** startApiServer starts it again on the same port, certificates and etcd, until ready. */
  startApiServer(): Promise<void>;
  /** revision is etcd's current revision. */
  revision(): Promise<number>;
  /** compact compacts etcd's history up to its current revision and returns that revision. */
  compact(): Promise<number>;
  /**
   * requests counts the requests the kube-apiserver served for a resource and verb since it
   * last started (apiserver_request_total, summed over codes, scopes and clients).
   */
  requests(resource: string, verb: string): Promise<number>;
  stop(): Promise<void>;
}

/** DedicatedOptions are flags for the plane's kube-apiserver, beyond the environment's. */
export interface DedicatedOptions {
  readonly apiServerArgs?: readonly string[];
}

/**
 * startDedicatedControlPlane starts etcd and kube-apiserver from the environment's cached
 * binaries, with a CA of their own, in a directory under the shared run directory.
 */
export async function startDedicatedControlPlane(
  shared: TestEnvInfo,
  options: DedicatedOptions = {},
): Promise<DedicatedControlPlane> {
  const binaries = await ensureBinaries(() => undefined);
  const runDir = join(shared.runDir, `dedicated-${randomBytes(3).toString('hex')}`);
  await mkdir(runDir, { recursive: true });
  const context: ServerContext = { runDir, tiedToParent: true, started: [] };
  try {
    const pki = await createPki(runDir);
    const [serving, admin, serviceAccount, kubeletClient] = await Promise.all([
      issueServingCertificate(pki, 'kube-apiserver'),
      issueClientCertificate(pki, 'testenv-admin', ['system:masters']),
      writeServiceAccountKeys(pki.dir),
      issueClientCertificate(pki, 'kube-apiserver-kubelet-client', ['system:masters']),
    ]);
    const etcd = await startEtcd(binaries.etcd, context);
    const input: ApiServerInput = {
      binary: binaries.kubeApiserver,
      etcdUrl: etcd.url,
      pki,
      serving,
      serviceAccount,
      admin,
      kubeletClient,
      ...(options.apiServerArgs !== undefined && { extraArgs: options.apiServerArgs }),
    };
    const first = await startApiServer(input, context);
    const port = Number(new URL(first.url).port);
    const kubeconfig = join(runDir, 'admin.kubeconfig');
    await writeKubeconfig(kubeconfig, {
      server: first.url,
      caCert: pki.ca.cert,
      client: admin,
      user: 'testenv-admin',
    });
    let current: RunningProcess | undefined = first.process;
    return {
      env: {
        ...shared,
        runDir,
        kubeconfig,
        apiServerUrl: first.url,
        caCert: pki.ca.cert,
        processes: [],
      },
      etcdUrl: etcd.url,
      apiServer: () => current,
      stopApiServer: async () => {
        if (current === undefined) return;
        await stopProcessGroup(current.pid);
        current = undefined;
      },
      startApiServer: async () => {
        if (current !== undefined) throw new Error('the dedicated kube-apiserver is running');
        current = (await startApiServer({ ...input, port }, context)).process;
      },
      revision: () => etcdRevision(etcd.url),
      compact: async () => {
        const revision = await etcdRevision(etcd.url);
        await etcdPost(etcd.url, '/v3/kv/compaction', {
          revision: String(revision),
          physical: true,
        });
        return revision;
      },
      requests: async (resource, verb) => {
        const metrics = await httpsGet(`${first.url}/metrics`, {
          caCert: pki.ca.cert,
          client: admin,
        });
        if (metrics.status !== 200)
          throw new Error(`apiserver /metrics answered ${metrics.status}`);
        return metricTotal(metrics.body, 'apiserver_request_total', { resource, verb });
      },
      stop: () => stopAll(context),
    };
  } catch (error) {
    await stopAll(context);
    throw error;
  }
}

async function stopAll(context: ServerContext): Promise<void> {
  await Promise.all([...context.started].reverse().map((p) => stopProcessGroup(p.pid)));
}

// etcdRevision reads the store's revision from the header of any range request (etcd's
// v3 HTTP gateway: keys and values are base64; "AA==" is the key "\0").
async function etcdRevision(etcdUrl: string): Promise<number> {
  const body = (await etcdPost(etcdUrl, '/v3/kv/range', { key: 'AA==' })) as {
    header?: { revision?: string };
  };
  const revision = Number(body.header?.revision);
  if (!Number.isSafeInteger(revision) || revision <= 0) {
    throw new Error(`etcd answered no revision: ${JSON.stringify(body)}`);
  }
  return revision;
}

async function etcdPost(etcdUrl: string, path: string, body: object): Promise<unknown> {
  const response = await fetch(`${etcdUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`etcd ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as unknown;
}
