import { randomBytes } from 'node:crypto';
import { ApiException, BatchV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';

/** KubeClients are the typed API clients tests use, all for one identity. */
export interface KubeClients {
  readonly config: KubeConfig;
  readonly core: CoreV1Api;
  readonly batch: BatchV1Api;
}

/** kubeClients loads a kubeconfig file and makes the API clients for its identity. */
export function kubeClients(kubeconfigPath: string): KubeClients {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfigPath);
  return { config, core: config.makeApiClient(CoreV1Api), batch: config.makeApiClient(BatchV1Api) };
}

/** uniqueName gives each test its own namespace or object name on the shared apiserver. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** createNamespace makes a namespace and returns its name. */
export async function createNamespace(
  core: CoreV1Api,
  prefix: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<string> {
  const name = uniqueName(prefix);
  await core.createNamespace({ body: { metadata: { name, labels: { ...labels } } } });
  return name;
}

/** statusOf returns the HTTP status of a rejected Kubernetes call, and rethrows anything else. */
export async function statusOf(call: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException) return { code: error.code, message: String(error.body) };
    throw error;
  }
  throw new Error('the call was expected to be rejected, and it succeeded');
}
