// What provisioning converges a tenant to, and what it reports. The billing side (webhook
// events, the free plan's sign-up) says which state a tenant should be in; provisioning
// makes the cluster say so, idempotently, never going back to an older state.

/** TenantBilling is the Stripe side of a paying tenant. */
export interface TenantBilling {
  readonly customerId: string;
  readonly subscriptionId: string;
  /** Stripe's subscription status: active, trialing, past_due, unpaid, canceled, … */
  readonly status: string;
  /**
   * version of the subscription's last event applied (version.ts stateVersion, epoch =
   * the subscription's `created`): a later event of this subscription is compared to it.
   */
  readonly version: string;
}

/** TenantState is one tenant as it should be. */
export interface TenantState {
  /** The tenant's id: the Cognito user's `sub`. */
  readonly tenantId: string;
  /**
   * The plan, a name in the plan catalog: the subscription's while it grants, `free` when
   * chosen since the subscription began, else `suspended` (see version.ts planOfJoined).
   */
  readonly plan: string;
  /** The newest subscription seen, kept on a free choice too (its customer, status, version). */
  readonly billing: TenantBilling | undefined;
  /** The version of the latest choice of the free plan (status `free`), or undefined. */
  readonly freeSince: string | undefined;
  /**
   * version says the whole state: the subscription's version and freeSince (version.ts
   * tenantVersion). States are joined field by field (joinStates), so duplicated, late and
   * reordered deliveries cannot move a tenant back, in any order.
   */
  readonly version: string;
}

/** ProvisionOutcome says what one provisioning did. */
export interface ProvisionOutcome {
  /**
   * applied: the cluster now says `state`, joined with any newer state that waited with it;
   * unchanged: it already did; stale: a newer state is in place.
   */
  readonly result: 'applied' | 'unchanged' | 'stale';
  readonly namespace: string;
  /** Write requests made to the apiserver (0 for unchanged and stale). */
  readonly writes: number;
}

/** Provisioner converges a tenant's namespace and everything in it to a state. */
export interface Provisioner {
  provision(state: TenantState): Promise<ProvisionOutcome>;
}
