// The portal's process: configuration → real dependencies → createApp → listen, with the
// provisioner's resync in the background. SIGTERM stops accepting connections and exits
// once the open ones are done.
import { KubeConfig } from '@kubernetes/client-node';
import { createApp } from './app.ts';
import { loadPortalConfig } from './config.ts';
import type { MakeProvisioner } from './deps.ts';
import { createProvisioner, type ResyncReport } from './provisioning/provisioner.ts';
import { realDeps } from './real-deps.ts';
import { startResync } from './resync.ts';

const config = loadPortalConfig();
const kubeConfig = new KubeConfig();
kubeConfig.loadFromDefault();
let resync: (() => Promise<ResyncReport>) | undefined;
const makeProvisioner: MakeProvisioner = (inputs) => {
  const provisioner = createProvisioner(inputs);
  resync = () => provisioner.resync();
  return provisioner;
};
const deps = realDeps(config, { kubeConfig, makeProvisioner });
if (resync === undefined) throw new Error('realDeps built no provisioner');
const stopResync = startResync(resync, config.resyncMs, deps.log);
const server = createApp(deps).listen(config.http.port, config.http.host, () => {
  deps.log.info({ url: config.publicUrl, port: config.http.port }, 'portal listening');
});
process.once('SIGTERM', () => {
  deps.log.info('SIGTERM: closing');
  stopResync();
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
