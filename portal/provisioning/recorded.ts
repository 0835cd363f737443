// What a tenant Namespace records, read back: the state it says, its version and marker.
// Resync converges from this alone (Kubernetes is the database), and the Provisioner
// decides from it whether a state is newer, equal or stale.
import type { V1Namespace } from '@kubernetes/client-node';
import {
  PLAN_LABEL,
  STRIPE_CUSTOMER_ANNOTATION,
  STRIPE_SUBSCRIPTION_ANNOTATION,
  SUBSCRIPTION_STATUS_ANNOTATION,
  TENANT_LABEL,
} from '../../operator/plans/tenancy.ts';
import { isTenantVersion } from './join.ts';
import {
  FREE_SINCE_ANNOTATION,
  PROVISIONED_ANNOTATION,
  STATE_VERSION_ANNOTATION,
  SUBSCRIPTION_VERSION_ANNOTATION,
} from './plan.ts';
import type { TenantBilling, TenantState } from './tenant-state.ts';
import { isVersion } from './version.ts';

/** Recorded is what one Namespace says about its tenant. */
export interface Recorded {
  /** version of the state it says; undefined when absent or unreadable (older than any). */
  readonly version: string | undefined;
  /** provisioned is the version whose children were all applied, or undefined. */
  readonly provisioned: string | undefined;
  readonly resourceVersion: string | undefined;
}

/** recordedOf reads a Namespace's version, marker and resourceVersion. */
export function recordedOf(namespace: V1Namespace): Recorded {
  const annotations = namespace.metadata?.annotations ?? {};
  const version = annotations[STATE_VERSION_ANNOTATION];
  return {
    version: isTenantVersion(version) ? version : undefined,
    provisioned: annotations[PROVISIONED_ANNOTATION],
    resourceVersion: namespace.metadata?.resourceVersion,
  };
}

function billingOf(annotations: Record<string, string>): TenantBilling | undefined {
  const customerId = annotations[STRIPE_CUSTOMER_ANNOTATION];
  const subscriptionId = annotations[STRIPE_SUBSCRIPTION_ANNOTATION];
  const status = annotations[SUBSCRIPTION_STATUS_ANNOTATION];
  const version = annotations[SUBSCRIPTION_VERSION_ANNOTATION];
  if (customerId === undefined || subscriptionId === undefined || status === undefined)
    return undefined;
  if (!isVersion(version)) return undefined;
  return { customerId, subscriptionId, status, version };
}

function freeSinceOf(annotations: Record<string, string>): string | undefined {
  const free = annotations[FREE_SINCE_ANNOTATION];
  return isVersion(free) ? free : undefined;
}

/**
 * recordedState is the tenant state a Namespace says, or a reason it says none (no tenant
 * or plan label, no readable version: a namespace left before its first full apply).
 */
export function recordedState(namespace: V1Namespace): TenantState | { unreadable: string } {
  const name = namespace.metadata?.name ?? '';
  const labels = namespace.metadata?.labels ?? {};
  const tenantId = labels[TENANT_LABEL];
  const plan = labels[PLAN_LABEL];
  const { version } = recordedOf(namespace);
  if (tenantId === undefined || plan === undefined || version === undefined)
    return { unreadable: `namespace ${name} records no tenant, plan or state version` };
  const annotations = namespace.metadata?.annotations ?? {};
  return {
    tenantId,
    plan,
    billing: billingOf(annotations),
    freeSince: freeSinceOf(annotations),
    version,
  };
}
