// The connection, made as kubectl makes it: --kubeconfig or $KUBECONFIG or ~/.kube/config,
// --context or the current one, -n or the context's namespace or "default".
import { KubeConfig, type CoreV1Api, type CustomObjectsApi } from '@kubernetes/client-node';
import { makeTypedClients } from '../kube-typed.ts';
import type { Connection } from './args.ts';
import { PluginError } from './errors.ts';

/** PluginClients are the API clients and the namespace commands act in. */
export interface PluginClients {
  readonly objects: CustomObjectsApi;
  readonly core: CoreV1Api;
  readonly namespace: string;
}

/**
 * REQUEST_TIMEOUT_MS bounds every request, so an apiserver that accepts a connection and
 * never answers fails the command instead of hanging it (`run --wait` bounds its reads
 * further, by the time its --timeout leaves).
 */
export const REQUEST_TIMEOUT_MS = 30_000;

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
  const clients = makeTypedClients(config, { requestTimeoutMs: REQUEST_TIMEOUT_MS });
  return {
    objects: clients.custom,
    core: clients.core,
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
