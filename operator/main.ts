#!/usr/bin/env node
// The operator process: configuration from the environment, the Kubernetes identity from
// the standard kubeconfig loading (in-cluster service account, or KUBECONFIG), then the
// manager and the probe/metrics server. SIGTERM and SIGINT stop it gracefully: workers
// finish their key, then the Lease is released so a standby takes over at once, and the
// process exits 0. A replica that loses the Lease stops its workers and exits 1, so the
// Deployment restarts it as a standby; it never lingers, not leading.
import type { Server } from 'node:http';
import { loadConfig } from './config.ts';
import { makeClients } from './kube.ts';
import { createLogger, describe } from './log.ts';
import { requestTimeoutMs, startManager } from './manager.ts';
import { Metrics } from './metrics.ts';
import { loadKubeIdentity } from './runtime/kube-identity.ts';
import { startServer } from './server.ts';

const config = loadConfig();
const log = createLogger(config.logLevel);
const identity = loadKubeIdentity();
const metrics = new Metrics();
// On loss the workers have until a standby may take over (lease duration − renew
// deadline) to stop; past that the process ends whatever is still in flight.
const lostBoundMs = Math.max(1_000, config.lease.durationMs - config.lease.renewDeadlineMs);
// A graceful stop drains the workers (each request is bounded) and releases the Lease.
const stopBoundMs = config.lease.durationMs + config.lease.renewDeadlineMs;
// One connection pool for every request and watch, under the client-side rate limit.
const clients = makeClients(identity, {
  requestTimeoutMs: requestTimeoutMs(config),
  rateLimit: config.kubeClient,
  metrics,
});
const manager = startManager({
  config,
  clients,
  log,
  metrics,
  onLeadershipLost: () => {
    exitWithin(lostBoundMs, 1, 'workers did not stop in time after the Lease was lost');
  },
});
const { server, port } = await startServer(config.httpHost, config.httpPort, manager, metrics);
log.info({ port, namespace: config.namespace }, 'awscheck-operator started');

let stopping = false;
const shutdown = async (signal: string): Promise<void> => {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  exitWithin(stopBoundMs, 1, 'graceful shutdown did not finish in time');
  await manager.stop();
};
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
manager.ended.then(
  (end) => {
    const code = end === 'lost' ? 1 : 0;
    log.info({ code }, end === 'lost' ? 'stopped after losing the Lease' : 'stopped');
    finish(server, code);
  },
  (error: unknown) => {
    log.error({ err: describe(error) }, 'manager failed');
    finish(server, 1);
  },
);

// finish closes the server and exits: everything of ours has stopped by now, and what a
// library may still hold open (a watch's reconnect delay, idle keep-alive sockets) must
// not keep a replica alive that is done.
function finish(http: Server, code: number): void {
  process.exitCode = code;
  http.close();
  http.closeAllConnections();
  process.exit(code);
}

// exitWithin ends the process after `ms` if it has not ended by then.
function exitWithin(ms: number, code: number, why: string): void {
  setTimeout(() => {
    log.error({ afterMs: ms, code }, why);
    process.exit(code);
  }, ms).unref();
}
