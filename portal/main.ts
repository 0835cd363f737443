// The portal's process: configuration → real dependencies → createApp → listen. SIGTERM
// stops accepting connections and exits once the open ones are done.
import { KubeConfig } from '@kubernetes/client-node';
import { createApp } from './app.ts';
import { loadPortalConfig } from './config.ts';
import { createProvisioner } from './provisioning/provisioner.ts';
import { realDeps } from './real-deps.ts';

const config = loadPortalConfig();
const kubeConfig = new KubeConfig();
kubeConfig.loadFromDefault();
const deps = realDeps(config, { kubeConfig, makeProvisioner: createProvisioner });
const server = createApp(deps).listen(config.http.port, config.http.host, () => {
  deps.log.info({ url: config.publicUrl, port: config.http.port }, 'portal listening');
});
process.once('SIGTERM', () => {
  deps.log.info('SIGTERM: closing');
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
