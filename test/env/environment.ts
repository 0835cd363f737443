import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ensureBinaries, type Binaries, type Progress } from './binaries.ts';
import {
  startApiServer,
  startControllerManager,
  startEtcd,
  type ControllerManagerSizing,
} from './control-plane.ts';
import { TestEnvError } from './errors.ts';
import { httpsGet } from './http.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { startMoto } from './moto.ts';
import { startNode, stopNode, type NodeInfo, type NodeOptions } from './node/node.ts';
import { startPodRunner } from './pod-runner/start.ts';
import {
  createPki,
  issueClientCertificate,
  issueServingCertificate,
  writeServiceAccountKeys,
  type Pki,
} from './pki.ts';
import { requireTools } from './prerequisites.ts';
import {
  killProcessGroupNow,
  stopProcessGroup,
  waitUntil,
  type RunningProcess,
  type ServerContext,
} from './processes.ts';
import { STRIPE_MOCK_API_KEY, startStripeMock } from './stripe-mock.ts';

/** TestEnvInfo is everything a client needs to use a running environment; it is plain JSON. */
export interface TestEnvInfo {
  readonly runDir: string;
  /** An admin kubeconfig (user `testenv-admin` in `system:masters`). */
  readonly kubeconfig: string;
  readonly apiServerUrl: string;
  readonly caCert: string;
  /** kubectl of the control plane's release. */
  readonly kubectl: string;
  /** moto: one endpoint for every AWS service and region. */
  readonly awsEndpointUrl: string;
  readonly stripeApiBase: string;
  readonly stripeApiKey: string;
  readonly processes: readonly {
    readonly name: string;
    readonly pid: number;
    readonly logFile: string;
  }[];
  /** The real node (kubelet, containerd, kube-scheduler), when the environment has one. */
  readonly node?: NodeInfo;
}

/** StartOptions choose how the environment relates to the process that starts it. */
export interface StartOptions {
  /** Kill every server when this process dies (tests); false for `testenv up`. */
  readonly tiedToParent: boolean;
  readonly progress: Progress;
  /** Add the real node (node/node.ts); its options but tiedToParent and progress. */
  readonly node?: Omit<NodeOptions, 'tiedToParent' | 'progress'>;
  /** kube-controller-manager's client and Job sync sizing; kube's defaults when absent. */
  readonly controllerManager?: ControllerManagerSizing;
}

const STATE_FILE = 'state.json';

/**
 * startTestEnvironment builds what is missing, then starts etcd → kube-apiserver →
 * kube-controller-manager beside moto and stripe-mock, each on a free loopback port with
 * its files in a fresh run directory. If any part fails, every part already started is
 * stopped before the error is thrown.
 */
export async function startTestEnvironment(options: StartOptions): Promise<TestEnvInfo> {
  requireTools(options.tiedToParent ? ['openssl', 'setpriv'] : ['openssl']);
  const binaries = await ensureBinaries(options.progress);
  const runDir = await mkdtemp(join(tmpdir(), 'awscheck-testenv-'));
  const started: RunningProcess[] = [];
  const killOnExit = (): void => {
    started.forEach((p) => {
      killProcessGroupNow(p.pid);
    });
  };
  process.once('exit', killOnExit);
  try {
    const context = { runDir, tiedToParent: options.tiedToParent, started };
    const base = await startAll(binaries, context, options.controllerManager);
    const info: TestEnvInfo =
      options.node === undefined
        ? base
        : { ...base, node: await startNode(base, { ...options, ...options.node }) };
    await writeFile(join(runDir, STATE_FILE), JSON.stringify(info, null, 2));
    return info;
  } catch (error) {
    await Promise.all(started.map((p) => stopProcessGroup(p.pid)));
    await rm(runDir, { recursive: true, force: true });
    throw error;
  } finally {
    if (!options.tiedToParent) process.off('exit', killOnExit);
  }
}

async function startAll(
  binaries: Binaries,
  context: ServerContext,
  sizing: ControllerManagerSizing | undefined,
): Promise<TestEnvInfo> {
  const [cluster, moto, stripe] = await Promise.all([
    startCluster(binaries, context, sizing),
    startMoto(binaries.motoPython, context),
    startStripeMock(binaries.stripeMock, context),
  ]);
  await startPodRunner(context, cluster.kubeconfig, moto.url);
  return {
    runDir: context.runDir,
    kubeconfig: cluster.kubeconfig,
    apiServerUrl: cluster.url,
    caCert: cluster.pki.ca.cert,
    kubectl: binaries.kubectl,
    awsEndpointUrl: moto.url,
    stripeApiBase: stripe.url,
    stripeApiKey: STRIPE_MOCK_API_KEY,
    processes: context.started.map((p) => ({ name: p.name, pid: p.pid, logFile: p.logFile })),
  };
}

async function startCluster(
  binaries: Binaries,
  context: ServerContext,
  sizing: ControllerManagerSizing | undefined,
): Promise<{ url: string; kubeconfig: string; pki: Pki }> {
  const pki = await createPki(context.runDir);
  const [serving, admin, controllerManager, serviceAccount, kubeletClient] = await Promise.all([
    issueServingCertificate(pki, 'kube-apiserver'),
    issueClientCertificate(pki, 'testenv-admin', ['system:masters']),
    issueClientCertificate(pki, 'system:kube-controller-manager'),
    writeServiceAccountKeys(pki.dir),
    issueClientCertificate(pki, 'kube-apiserver-kubelet-client', ['system:masters']),
  ]);
  const etcd = await startEtcd(binaries.etcd, context);
  const apiServer = await startApiServer(
    {
      binary: binaries.kubeApiserver,
      etcdUrl: etcd.url,
      pki,
      serving,
      serviceAccount,
      admin,
      kubeletClient,
    },
    context,
  );
  const kubeconfig = join(context.runDir, 'admin.kubeconfig');
  const kcmKubeconfig = join(context.runDir, 'kube-controller-manager.kubeconfig');
  const server = apiServer.url;
  await writeKubeconfig(kubeconfig, {
    server,
    caCert: pki.ca.cert,
    client: admin,
    user: 'testenv-admin',
  });
  await writeKubeconfig(kcmKubeconfig, {
    server,
    caCert: pki.ca.cert,
    client: controllerManager,
    user: 'system:kube-controller-manager',
  });
  const kcm = startControllerManager(
    { binary: binaries.kubeControllerManager, kubeconfig: kcmKubeconfig, rootCaFile: pki.ca.cert },
    context,
    sizing,
  );
  // The serviceaccount controller creating `default` proves the controllers are running.
  const tls = { caCert: pki.ca.cert, client: admin };
  const defaultAccount = `${server}/api/v1/namespaces/default/serviceaccounts/default`;
  await waitUntil(async () => (await httpsGet(defaultAccount, tls)).status === 200, {
    what: 'kube-controller-manager',
    timeoutMs: 60_000,
    process: kcm,
  });
  return { url: server, kubeconfig, pki };
}

/** stopTestEnvironment stops every server of a run and removes its run directory. */
export async function stopTestEnvironment(info: TestEnvInfo): Promise<void> {
  if (info.node !== undefined) await stopNode(info.node);
  await Promise.all([...info.processes].reverse().map((p) => stopProcessGroup(p.pid)));
  await rm(info.runDir, { recursive: true, force: true });
}

/** readTestEnvInfo loads the state of a run started by `testenv up`. */
export async function readTestEnvInfo(runDir: string): Promise<TestEnvInfo> {
  try {
    return JSON.parse(await readFile(join(runDir, STATE_FILE), 'utf8')) as TestEnvInfo;
  } catch (error) {
    throw new TestEnvError(`no test environment state in ${runDir}: ${String(error)}`);
  }
}

/**
 * mintKubeconfig writes a kubeconfig for any user in any groups, signed by the run's CA,
 * so tests can act as a tenant, the operator or a stranger and meet real RBAC.
 */
export async function mintKubeconfig(
  info: TestEnvInfo,
  user: string,
  groups: readonly string[] = [],
): Promise<string> {
  const pki: Pki = {
    dir: info.runDir,
    ca: { cert: info.caCert, key: join(info.runDir, 'ca.key') },
  };
  const client = await issueClientCertificate(pki, user, groups);
  const path = join(info.runDir, `${client.cert.slice(info.runDir.length + 1, -4)}.kubeconfig`);
  await writeKubeconfig(path, { server: info.apiServerUrl, caCert: info.caCert, client, user });
  return path;
}

/** shellExports renders the environment as `export` lines for `eval "$(npm run -s testenv -- env)"`. */
export function shellExports(info: TestEnvInfo): string {
  const vars: Record<string, string> = {
    AWSCHECK_TESTENV: info.runDir,
    KUBECONFIG: info.kubeconfig,
    AWS_ENDPOINT_URL: info.awsEndpointUrl,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    STRIPE_API_BASE: info.stripeApiBase,
    STRIPE_API_KEY: info.stripeApiKey,
  };
  const exports = Object.entries(vars).map(([name, value]) => `export ${name}='${value}'`);
  // kubectl of the control plane's release first on PATH, expanded by the shell that evals.
  return [...exports, `export PATH='${dirname(info.kubectl)}':"$PATH"`].join('\n');
}
