// The connection, made as kubectl makes it: --kubeconfig or $KUBECONFIG or ~/.kube/config,
// --context or the current one, -n or the context's namespace or "default".
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { Connection } from './args.ts';
import { PluginError } from './errors.ts';

/** PluginClients are the API clients and the namespace commands act in. */
export interface PluginClients {
  readonly objects: CustomObjectsApi;
  readonly core: CoreV1Api;
  readonly namespace: string;
}

/** connect loads the kubeconfig the flags name and makes the clients. */
export function connect(connection: Connection): PluginClients {
  const config = loadKubeconfig(connection.kubeconfig);
  if (connection.context !== undefined) useContext(config, connection.context);
  if (config.getCurrentCluster() === null) {
    throw new PluginError(
      'no cluster to talk to: the kubeconfig has no current context; give --context or --kubeconfig',
    );
  }
  const context = config.getContextObject(config.getCurrentContext());
  return {
    objects: config.makeApiClient(CustomObjectsApi),
    core: config.makeApiClient(CoreV1Api),
    namespace: connection.namespace ?? context?.namespace ?? 'default',
  };
}

function loadKubeconfig(path: string | undefined): KubeConfig {
  const config = new KubeConfig();
  try {
    if (path === undefined) config.loadFromDefault();
    else config.loadFromFile(path);
  } catch (error) {
    const which = path ?? process.env.KUBECONFIG ?? '~/.kube/config';
    const why = error instanceof Error ? error.message : String(error);
    throw new PluginError(`cannot read the kubeconfig ${which}: ${why}`);
  }
  return config;
}

function useContext(config: KubeConfig, name: string): void {
  if (config.getContextObject(name) === null) {
    const known = config.contexts.map((c) => c.name).join(', ');
    throw new PluginError(
      `context "${name}" is not in the kubeconfig (contexts: ${known || 'none'})`,
    );
  }
  config.setCurrentContext(name);
}
