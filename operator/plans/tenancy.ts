// The contract between the portal, which provisions tenants, and the operator, which
// enforces their plans: one tenant is one Namespace, and these keys on it say whose it
// is and what it may do. Kubernetes is the database: nothing else records a tenant.
import { createHash } from 'node:crypto';

/** TENANT_LABEL holds the tenant's id (the Cognito user's `sub`); it marks a tenant namespace. */
export const TENANT_LABEL = 'awscheck.io/tenant';

/** PLAN_LABEL holds the tenant's plan, a name in the plan catalog (`suspended` when unpaid). */
export const PLAN_LABEL = 'awscheck.io/plan';

/** STRIPE_CUSTOMER_ANNOTATION holds the tenant's Stripe customer id (cus_…). */
export const STRIPE_CUSTOMER_ANNOTATION = 'awscheck.io/stripe-customer';

/** STRIPE_SUBSCRIPTION_ANNOTATION holds the tenant's Stripe subscription id (sub_…). */
export const STRIPE_SUBSCRIPTION_ANNOTATION = 'awscheck.io/stripe-subscription';

/** SUBSCRIPTION_STATUS_ANNOTATION holds the Stripe status of that subscription (active, unpaid…). */
export const SUBSCRIPTION_STATUS_ANNOTATION = 'awscheck.io/subscription-status';

/** TENANT_SERVICE_ACCOUNT is the ServiceAccount, in each tenant namespace, tenants act as. */
export const TENANT_SERVICE_ACCOUNT = 'awscheck-tenant';

/** TENANT_CLUSTER_ROLE is the ClusterRole a tenant namespace's RoleBinding grants. */
export const TENANT_CLUSTER_ROLE = 'awscheck-tenant';

/**
 * tenantNamespace is the namespace of a tenant: stable for a tenant id, a valid DNS label,
 * and not guessable back to the id.
 */
export function tenantNamespace(tenantId: string): string {
  const digest = createHash('sha256').update(tenantId).digest('hex').slice(0, 16);
  return `tenant-${digest}`;
}

/**
 * externalIdFor is the ExternalId the platform sends with AssumeRole on a namespace's
 * behalf: derived from the namespace's UID, so it is stable, unguessable, and no tenant
 * can choose another's (the confused-deputy rule). The portal shows it; the operator sends it.
 */
export function externalIdFor(namespaceUid: string): string {
  return `awscheck-${namespaceUid}`;
}
