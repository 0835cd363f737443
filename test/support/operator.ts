// Runs the real operator as a process for end-to-end tests, as a user bound only to the
// generated RBAC (no system:masters), with probes on a free port.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';
import type { TestEnvInfo } from '../env/environment.ts';
import { mintKubeconfig } from '../env/environment.ts';
import { repoPath } from '../env/paths.ts';
import { freePort } from '../env/ports.ts';
import {
  startProcess,
  stopProcessGroup,
  waitUntil,
  type RunningProcess,
} from '../env/processes.ts';
import {
  CATALOG_ROLE_NAME,
  LEADER_ELECTION_ROLE_NAME,
  OPERATOR_ROLE_NAME,
  rbacManifests,
} from '../../operator/rbac.ts';
import { catalogConfigMap } from '../../operator/plans/configmap.ts';
import { DEFAULT_TOKEN_AUDIENCE, installAdmission, TEST_CHECKER_IMAGE } from './admission.ts';
import { installCrds } from './crds.ts';
import { kubeClients } from './kube.ts';

/**
 * OPERATOR_USER_PREFIX starts the identity of every test operator. Each install has its
 * own (the prefix and its namespace): the fence matches an identity against every binding
 * naming it, so installs that shared one would be judged by each other's checker image.
 */
export const OPERATOR_USER_PREFIX = 'awscheck-operator-under-test';

/** OperatorSetup is one operator installation: its namespace, identity and lease. */
export interface OperatorSetup {
  readonly namespace: string;
  readonly user: string;
  readonly kubeconfig: string;
  readonly leaseName: string;
  /**
   * The entry point its replicas run: the source under Node's type stripping by default,
   * or the compiled dist/operator/main.js the image runs (the benchmarks).
   */
  readonly program?: string;
}

/**
 * installOperator installs the CRDs and the generated RBAC, bound to a user minted for this
 * install alone, and
 * fences that user at admission (operator/admission.ts): its own parameters (the user, the
 * checker image it runs, by default the test one, the configuration's default platform
 * token audience) and binding,
 * enforced before it returns, so every operator under test runs inside the fence. The
 * plan catalog ConfigMap (operator/plans/catalog.yaml, as crds/plans ships it) is created
 * in the operator's namespace.
 */
export async function installOperator(
  env: TestEnvInfo,
  checkerImage: string = TEST_CHECKER_IMAGE,
): Promise<OperatorSetup> {
  await installCrds(env.kubeconfig);
  const admin = kubeClients(env.kubeconfig);
  const namespace = `awscheck-system-${randomBytes(3).toString('hex')}`;
  const user = `${OPERATOR_USER_PREFIX}-${namespace}`;
  await admin.core.createNamespace({ body: { metadata: { name: namespace } } });
  const config = new KubeConfig();
  config.loadFromFile(env.kubeconfig);
  const objects = KubernetesObjectApi.makeApiClient(config);
  const [clusterRole, role, catalogRole] = rbacManifests();
  await objects.patch(
    clusterRole,
    undefined,
    undefined,
    'e2e',
    true,
    PatchStrategy.ServerSideApply,
  );
  for (const namespaced of [role, catalogRole]) {
    namespaced.metadata = { name: namespaced.metadata?.name ?? '', namespace };
    await objects.patch(
      namespaced,
      undefined,
      undefined,
      'e2e',
      true,
      PatchStrategy.ServerSideApply,
    );
  }
  await admin.core.createNamespacedConfigMap({ namespace, body: catalogConfigMap(namespace) });
  const rbac = config.makeApiClient(RbacAuthorizationV1Api);
  const subjects = [{ kind: 'User', name: user, apiGroup: 'rbac.authorization.k8s.io' }];
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: `${namespace}-operator` },
      subjects,
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: OPERATOR_ROLE_NAME,
      },
    },
  });
  for (const [binding, name] of [
    ['leader-election', LEADER_ELECTION_ROLE_NAME],
    ['plan-catalog', CATALOG_ROLE_NAME],
  ] as const) {
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: binding },
        subjects,
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      },
    });
  }
  const kubeconfig = await mintKubeconfig(env, user);
  await installAdmission(
    env.kubeconfig,
    {
      namespace,
      operatorUsername: user,
      checkerImage,
      platformTokenAudience: DEFAULT_TOKEN_AUDIENCE,
      bindingName: `${namespace}-checker-pods`,
    },
    kubeconfig,
  );
  return { namespace, user, kubeconfig, leaseName: 'awscheck-operator' };
}

/** RunningOperator is one operator replica, its end observed. */
export interface RunningOperator {
  readonly process: RunningProcess;
  readonly url: string;
  readonly name: string;
  /** exited settles with the exit code and the wall-clock time the process ended. */
  readonly exited: Promise<{ code: number | null; at: number }>;
  isLeader(): Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * startOperator starts a replica under the setup's identity, with `extra` environment on
 * top of the defaults, and waits until its caches are synced (/readyz).
 */
export async function startOperator(
  env: TestEnvInfo,
  setup: OperatorSetup,
  name = 'replica-a',
  extra: Readonly<Record<string, string>> = {},
): Promise<RunningOperator> {
  const port = await freePort();
  const running = startProcess({
    name,
    command: process.execPath,
    args: [setup.program ?? repoPath('operator/main.ts')],
    logFile: join(env.runDir, `${setup.namespace}-${name}.log`),
    tiedToParent: true,
    env: {
      PATH: process.env.PATH ?? '',
      KUBECONFIG: setup.kubeconfig,
      AWSCHECK_CHECKER_IMAGE: 'ghcr.io/awscheck/awscheck-operator:test',
      AWSCHECK_NAMESPACE: setup.namespace,
      POD_NAME: name,
      AWSCHECK_HTTP_HOST: '127.0.0.1',
      AWSCHECK_HTTP_PORT: String(port),
      // Short enough for failover tests, roomy enough that a loaded 2-core CI machine
      // (every request times out at half the renew deadline) does not lose the Lease.
      AWSCHECK_LEASE_DURATION_SECONDS: '8',
      AWSCHECK_LEASE_RENEW_DEADLINE_SECONDS: '5',
      AWSCHECK_LEASE_RETRY_SECONDS: '1',
      AWSCHECK_LOG_LEVEL: 'debug',
      AWSCHECK_RESYNC_SECONDS: '1',
      ...extra,
    },
  });
  const exited = running.exit.then((code) => ({ code, at: Date.now() }));
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${url}/readyz`)).ok, {
    what: `operator ${name}`,
    timeoutMs: 30_000,
    process: running,
  });
  return {
    process: running,
    url,
    name,
    exited,
    isLeader: async () => /^awscheck_leader 1$/m.test(await (await fetch(`${url}/metrics`)).text()),
    stop: () => stopProcessGroup(running.pid),
  };
}
