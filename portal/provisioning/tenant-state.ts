// What provisioning converges a tenant to, and what it reports. The billing side (webhook
// events, the free plan's sign-up) says which state a tenant should be in; provisioning
// makes the cluster say so, idempotently, never going back to an older state.

/** TenantBilling is the Stripe side of a paying tenant. */
export interface TenantBilling {
  readonly customerId: string;
  readonly subscriptionId: string;
  /** Stripe's subscription status: active, trialing, past_due, unpaid, canceled, … */
  readonly status: string;
}

/** TenantState is one tenant as it should be. */
export interface TenantState {
  /** The tenant's id: the Cognito user's `sub`. */
  readonly tenantId: string;
  /** The plan, a name in the plan catalog (`suspended` while the subscription is inactive). */
  readonly plan: string;
  readonly billing: TenantBilling | undefined;
  /**
   * version orders states of one tenant: a state is applied only over an older one, so
   * duplicated, late and reordered deliveries cannot move a tenant back (see version.ts).
   */
  readonly version: string;
}

/** ProvisionOutcome says what one provisioning did. */
export interface ProvisionOutcome {
  /** applied: the cluster now says `state`; unchanged: it already did; stale: a newer state is in place. */
  readonly result: 'applied' | 'unchanged' | 'stale';
  readonly namespace: string;
  /** Write requests made to the apiserver (0 for unchanged and stale). */
  readonly writes: number;
}

/** Provisioner converges a tenant's namespace and everything in it to a state. */
export interface Provisioner {
  provision(state: TenantState): Promise<ProvisionOutcome>;
}
