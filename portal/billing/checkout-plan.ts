// What POST /billing/checkout does, decided from gathered facts without touching Stripe or
// the cluster: refuse, provision the free plan, or open a Stripe Checkout session.
import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import { planOf, type PlanCatalog } from '../../operator/plans/catalog.ts';
import type { SignedInUser } from '../deps.ts';
import type { TenantBillingFacts } from './tenant-billing.ts';

/**
 * ENDED_SUBSCRIPTION_STATUSES are the Stripe statuses of a subscription that can bill no
 * more. A tenant whose recorded subscription is in any other status (active, trialing,
 * past_due, and also unpaid and paused, which may still be paid or resumed) changes plan or
 * cancels in the customer portal: neither the free plan nor a second Checkout is offered.
 */
export const ENDED_SUBSCRIPTION_STATUSES: ReadonlySet<string> = new Set([
  'canceled',
  'incomplete_expired',
]);

/** CHECKOUT_KEY_WINDOW_MS is how long a repeated submit opens the same Checkout session. */
export const CHECKOUT_KEY_WINDOW_MS = 10 * 60 * 1000;

/** CheckoutFacts are everything the decision depends on. */
export interface CheckoutFacts {
  readonly user: SignedInUser;
  /** The form's `plan` field, as sent. */
  readonly requestedPlan: unknown;
  readonly catalog: PlanCatalog;
  /** The tenant's namespace, or undefined before the first provisioning. */
  readonly tenant: TenantBillingFacts | undefined;
  readonly publicUrl: string;
  readonly now: Date;
}

/** CheckoutPlan is what the route does. */
export type CheckoutPlan =
  | { readonly kind: 'refuse'; readonly message: string }
  /** A subscription still bills: plan changes and cancellation happen in the customer portal. */
  | { readonly kind: 'portal' }
  /** Already on the free plan: nothing to write. */
  | { readonly kind: 'dashboard' }
  | { readonly kind: 'free' }
  | {
      readonly kind: 'checkout';
      readonly params: Stripe.Checkout.SessionCreateParams;
      readonly idempotencyKey: string;
    };

/**
 * planCheckout decides a plan choice. Only plans the catalog sells can be chosen; a
 * plan without a Stripe price is provisioned without a card; a tenant whose subscription
 * has not ended (ENDED_SUBSCRIPTION_STATUSES) is sent to the customer portal instead of
 * the free plan or a second subscription (a plan change or cancellation happens there); a paid
 * plan opens Checkout for the tenant's existing customer (or its email), tagged with the
 * tenant id so the subscription's webhooks name their tenant. A submit repeated within
 * CHECKOUT_KEY_WINDOW_MS carries the same idempotency key and so reopens the same session.
 */
export function planCheckout(facts: CheckoutFacts): CheckoutPlan {
  const name = typeof facts.requestedPlan === 'string' ? facts.requestedPlan : '';
  const plan = planOf(facts.catalog, name);
  if (plan?.sellable !== true) return { kind: 'refuse', message: 'unknown plan' };
  const tenant = facts.tenant;
  if (
    tenant?.subscriptionStatus !== undefined &&
    !ENDED_SUBSCRIPTION_STATUSES.has(tenant.subscriptionStatus)
  )
    return { kind: 'portal' };
  if (plan.stripePriceId === undefined)
    return tenant?.plan === name ? { kind: 'dashboard' } : { kind: 'free' };
  return checkoutSession(facts, name, plan.stripePriceId);
}

function checkoutSession(facts: CheckoutFacts, plan: string, price: string): CheckoutPlan {
  const tenantId = facts.user.tenantId;
  const customerId = facts.tenant?.customerId;
  const who =
    customerId === undefined ? { customer_email: facts.user.email } : { customer: customerId };
  const window = Math.floor(facts.now.getTime() / CHECKOUT_KEY_WINDOW_MS);
  const key = createHash('sha256')
    .update(JSON.stringify([tenantId, plan, price, customerId ?? facts.user.email, window]))
    .digest('hex');
  return {
    kind: 'checkout',
    idempotencyKey: `checkout-${key}`,
    params: {
      mode: 'subscription',
      line_items: [{ price, quantity: 1 }],
      client_reference_id: tenantId,
      metadata: { tenant: tenantId },
      subscription_data: { metadata: { tenant: tenantId } },
      ...who,
      success_url: `${facts.publicUrl}/dashboard?checkout=success`,
      cancel_url: `${facts.publicUrl}/`,
    },
  };
}
