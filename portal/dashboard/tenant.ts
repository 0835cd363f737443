// The signed-in user's namespace, read live: the name is tenantNamespace(sub), and the
// namespace must carry that sub in its tenant label, or it is not theirs.
import { ApiException, type V1Namespace } from '@kubernetes/client-node';
import { TENANT_LABEL, tenantNamespace } from '../../operator/plans/tenancy.ts';
import type { PortalKube, SignedInUser } from '../deps.ts';
import { portalError } from '../errors.ts';

/**
 * readTenantNamespace is the user's namespace, or undefined while it is not provisioned;
 * a namespace of that name labelled for another tenant is refused (TenantMismatch).
 */
export async function readTenantNamespace(
  kube: PortalKube,
  user: SignedInUser,
): Promise<V1Namespace | undefined> {
  let namespace: V1Namespace;
  try {
    namespace = await kube.core.readNamespace({ name: tenantNamespace(user.tenantId) });
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return undefined;
    throw error;
  }
  if (namespace.metadata?.labels?.[TENANT_LABEL] !== user.tenantId)
    throw portalError('TenantMismatch');
  return namespace;
}
