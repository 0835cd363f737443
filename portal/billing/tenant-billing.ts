// What billing needs to know about a tenant, read from its Namespace (Kubernetes is the
// database): its plan and the Stripe ids and status provisioning wrote there.
import type { CoreV1Api, V1Namespace } from '@kubernetes/client-node';
import { isStatus } from '../../operator/kube.ts';
import {
  PLAN_LABEL,
  TENANT_LABEL,
  STRIPE_CUSTOMER_ANNOTATION,
  STRIPE_SUBSCRIPTION_ANNOTATION,
  SUBSCRIPTION_STATUS_ANNOTATION,
  tenantNamespace,
} from '../../operator/plans/tenancy.ts';
import { portalError } from '../errors.ts';

/** TenantBillingFacts is a provisioned tenant as billing sees it. */
export interface TenantBillingFacts {
  readonly plan: string | undefined;
  readonly customerId: string | undefined;
  readonly subscriptionId: string | undefined;
  readonly subscriptionStatus: string | undefined;
}

/** billingFactsOf reads the billing facts off a tenant Namespace. */
export function billingFactsOf(namespace: V1Namespace): TenantBillingFacts {
  const labels = namespace.metadata?.labels ?? {};
  const annotations = namespace.metadata?.annotations ?? {};
  return {
    plan: labels[PLAN_LABEL],
    customerId: annotations[STRIPE_CUSTOMER_ANNOTATION],
    subscriptionId: annotations[STRIPE_SUBSCRIPTION_ANNOTATION],
    subscriptionStatus: annotations[SUBSCRIPTION_STATUS_ANNOTATION],
  };
}

/**
 * readTenantBilling is the tenant's billing facts, or undefined when it has no namespace
 * yet; a namespace of that name labelled for another tenant (or none) is refused
 * (TenantMismatch), as the dashboard refuses it: its Stripe customer is not this user's.
 */
export async function readTenantBilling(
  core: CoreV1Api,
  tenantId: string,
): Promise<TenantBillingFacts | undefined> {
  let namespace: V1Namespace;
  try {
    namespace = await core.readNamespace({ name: tenantNamespace(tenantId) });
  } catch (error) {
    if (isStatus(error, 404)) return undefined;
    throw error;
  }
  if (namespace.metadata?.labels?.[TENANT_LABEL] !== tenantId) throw portalError('TenantMismatch');
  return billingFactsOf(namespace);
}
