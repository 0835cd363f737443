import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoPath } from '../paths.ts';
import { startServer, waitUntil, type RunningProcess, type ServerContext } from '../processes.ts';

/**
 * startPodRunner starts the local "node" as a process of the environment and waits until
 * its pod cache is synced. Pods it runs reach AWS at `awsEndpointUrl` (moto).
 */
export async function startPodRunner(
  context: ServerContext,
  kubeconfig: string,
  awsEndpointUrl: string,
): Promise<RunningProcess> {
  const workDir = join(context.runDir, 'pods');
  const main = repoPath('test/env/pod-runner/main.ts');
  const server = startServer(context, 'pod-runner', [
    process.execPath,
    main,
    kubeconfig,
    workDir,
    awsEndpointUrl,
  ]);
  await waitUntil(() => existsSync(join(workDir, 'ready')), {
    what: 'pod runner',
    timeoutMs: 30_000,
    process: server,
  });
  return server;
}
