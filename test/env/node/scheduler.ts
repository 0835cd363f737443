// kube-scheduler for the real node's pods only: one profile under its own scheduler name,
// so it never looks at a pod the pod runner takes (those keep `default-scheduler`).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { httpsGet } from '../http.ts';
import type { CertificateFiles } from '../pki.ts';
import { freePort } from '../ports.ts';
import { startServer, waitUntil, type RunningProcess, type ServerContext } from '../processes.ts';

/** SCHEDULER_NAME is the scheduler of every pod the pod network policy sends to the real node. */
export const SCHEDULER_NAME = 'testenv-real-node';

/** SchedulerInput is what kube-scheduler is started with. */
export interface SchedulerInput {
  readonly binary: string;
  readonly dir: string;
  /** A kubeconfig for user `system:kube-scheduler`, bound by the bootstrap RBAC. */
  readonly kubeconfig: string;
  readonly caCert: string;
  readonly serving: CertificateFiles;
}

/** startScheduler starts kube-scheduler on loopback and waits for its /healthz. */
export async function startScheduler(
  input: SchedulerInput,
  context: ServerContext,
): Promise<RunningProcess> {
  const dir = join(input.dir, 'kube-scheduler');
  await mkdir(dir, { recursive: true });
  const config = join(dir, 'config.json');
  await writeFile(
    config,
    JSON.stringify({
      apiVersion: 'kubescheduler.config.k8s.io/v1',
      kind: 'KubeSchedulerConfiguration',
      clientConnection: { kubeconfig: input.kubeconfig },
      leaderElection: { leaderElect: false },
      profiles: [{ schedulerName: SCHEDULER_NAME }],
    }),
  );
  const port = await freePort();
  const server = startServer(context, 'kube-scheduler', [
    input.binary,
    `--config=${config}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    `--tls-cert-file=${input.serving.cert}`,
    `--tls-private-key-file=${input.serving.key}`,
    '--v=0',
  ]);
  await waitUntil(
    async () =>
      (await httpsGet(`https://127.0.0.1:${port}/healthz`, { caCert: input.caCert })).status ===
      200,
    { what: 'kube-scheduler', timeoutMs: 30_000, process: server },
  );
  return server;
}
