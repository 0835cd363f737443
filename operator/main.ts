#!/usr/bin/env node
// The operator process: configuration from the environment, the Kubernetes identity from
// the standard kubeconfig loading (in-cluster service account, or KUBECONFIG), then the
// manager and the probe/metrics server. SIGTERM and SIGINT stop it gracefully: workers
// finish their key, the Lease is released so a standby takes over at once.
import { KubeConfig } from '@kubernetes/client-node';
import { loadConfig } from './config.ts';
import { makeClients } from './kube.ts';
import { createLogger } from './log.ts';
import { describe, startManager } from './manager.ts';
import { Metrics } from './metrics.ts';
import { startServer } from './server.ts';

const config = loadConfig();
const log = createLogger(config.logLevel);
const kubeConfig = new KubeConfig();
kubeConfig.loadFromDefault();
const metrics = new Metrics();
const manager = startManager({ config, clients: makeClients(kubeConfig), log, metrics });
const { server, port } = await startServer(config.httpHost, config.httpPort, manager, metrics);
log.info({ port, namespace: config.namespace }, 'awscheck-operator started');

let stopping = false;
const shutdown = async (signal: string): Promise<void> => {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  await manager.stop();
  server.close();
  log.info('stopped');
};
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
manager.ended.then(
  () => {
    server.close();
    if (!stopping) process.exitCode = 1;
  },
  (error: unknown) => {
    log.error({ err: describe(error) }, 'manager failed');
    process.exitCode = 1;
    server.close();
  },
);
