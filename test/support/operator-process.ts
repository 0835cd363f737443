// An operator replica as a process whose end a test can watch: its exit code, when it
// exited, and whether it leads. Beside test/support/operator.ts (which installs the
// operator and starts replicas with fixed settings), this one takes extra environment.
import { join } from 'node:path';
import type { TestEnvInfo } from '../env/environment.ts';
import { repoPath } from '../env/paths.ts';
import { freePort } from '../env/ports.ts';
import {
  startProcess,
  stopProcessGroup,
  waitUntil,
  type RunningProcess,
} from '../env/processes.ts';
import type { OperatorSetup } from './operator.ts';

/** OperatorProcess is one replica with its exit observed. */
export interface OperatorProcess {
  readonly process: RunningProcess;
  readonly url: string;
  readonly name: string;
  /** exited settles with the exit code and the wall-clock time the process ended. */
  readonly exited: Promise<{ code: number | null; at: number }>;
  isLeader(): Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * startOperatorProcess starts a replica under the setup's identity with `env` on top of
 * the defaults (short Lease timings, a resync every second) and waits for /readyz.
 */
export async function startOperatorProcess(
  env: TestEnvInfo,
  setup: OperatorSetup,
  name: string,
  extra: Readonly<Record<string, string>> = {},
): Promise<OperatorProcess> {
  const port = await freePort();
  const running = startProcess({
    name,
    command: process.execPath,
    args: [repoPath('operator/main.ts')],
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
      AWSCHECK_LEASE_DURATION_SECONDS: '3',
      AWSCHECK_LEASE_RENEW_DEADLINE_SECONDS: '2',
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
    isLeader: async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return /^awscheck_leader 1$/m.test(text);
    },
    stop: () => stopProcessGroup(running.pid),
  };
}
