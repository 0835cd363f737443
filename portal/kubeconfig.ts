// The kubeconfig a tenant downloads: a short-lived token for its namespace's ServiceAccount,
// minted by a TokenRequest (never a long-lived token Secret), so a leaked file expires by
// itself. The token goes into the returned text and nowhere else: never into a log.
import { stringify } from 'yaml';
import { TENANT_SERVICE_ACCOUNT } from '../operator/plans/tenancy.ts';
import type { PortalKube } from './deps.ts';

/** KubeconfigRequest says whose kubeconfig, for which apiserver, valid how long. */
export interface KubeconfigRequest {
  /** The tenant's namespace: the token's ServiceAccount lives there, the context points there. */
  readonly namespace: string;
  /** The apiserver URL tenants reach. */
  readonly server: string;
  /** That apiserver's CA bundle, base64 PEM; undefined: the system's trust store. */
  readonly caData: string | undefined;
  /** The token's lifetime; the apiserver may shorten it, never lengthen it. */
  readonly expirationSeconds: number;
}

/** tenantKubeconfig mints a token for TENANT_SERVICE_ACCOUNT and returns a kubeconfig YAML. */
export async function tenantKubeconfig(
  kube: PortalKube,
  request: KubeconfigRequest,
): Promise<string> {
  const { namespace, server, caData, expirationSeconds } = request;
  const issued = await kube.core.createNamespacedServiceAccountToken({
    name: TENANT_SERVICE_ACCOUNT,
    namespace,
    body: { spec: { expirationSeconds, audiences: [] } },
  });
  const token = issued.status?.token;
  if (token === undefined || token === '')
    throw new Error(
      `the TokenRequest for ${namespace}/${TENANT_SERVICE_ACCOUNT} returned no token`,
    );
  const name = `awscheck-${namespace}`;
  const cluster =
    caData === undefined ? { server } : { server, 'certificate-authority-data': caData };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster }],
    users: [{ name, user: { token } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace } }],
    'current-context': name,
  });
}
