// Stripe subscription events → the tenant state they ask for. Pure: the webhook route
// (signature, dedupe) calls this and hands the state to the Provisioner, which applies it
// only over an older one (portal/provisioning/version.ts orders them).
//
// Status → plan:
// - active, trialing, past_due → the plan the subscription's price sells. past_due is the
//   grace period while Stripe retries the card; the tenant keeps its plan meanwhile.
// - unpaid, canceled, paused → `suspended`: objects stay, nothing runs, nothing new.
// - incomplete → ignored: the first payment has not succeeded, so the subscription never
//   granted anything; a free tenant trying to upgrade with a failing card stays on free
//   rather than being suspended, and the `active` update that follows payment provisions.
// - incomplete_expired → ignored for the same reason (the brief listed it as suspended;
//   suspending a free tenant because an upgrade attempt expired would punish a tenant who
//   owes nothing; the subscription never was the tenant's plan).
// Missing `tenant` metadata or a price no plan sells → ignored with the reason.
import type Stripe from 'stripe';
import { planForPrice, SUSPENDED_PLAN, type PlanCatalog } from '../../operator/plans/catalog.ts';
import { FREE_PLAN, GRANTING_STATUSES, tenantVersion } from '../provisioning/join.ts';
import type { TenantBilling, TenantState } from '../provisioning/tenant-state.ts';
import { stateVersion } from '../provisioning/version.ts';

export { FREE_PLAN } from '../provisioning/join.ts';

/** SUBSCRIPTION_EVENTS are the event types that carry a subscription's state. */
export const SUBSCRIPTION_EVENTS = [
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'customer.subscription.paused',
  'customer.subscription.resumed',
] as const;

/** TENANT_METADATA_KEY is the subscription metadata key Checkout sets to the tenant's id. */
export const TENANT_METADATA_KEY = 'tenant';

const SUSPENDING = new Set(['unpaid', 'canceled', 'paused']);
const NOT_YET_PAID = new Set(['incomplete', 'incomplete_expired']);

type Decision = { plan: string } | { ignored: string };

function planOfSubscription(subscription: Stripe.Subscription, catalog: PlanCatalog): Decision {
  const { status } = subscription;
  if (NOT_YET_PAID.has(status))
    return { ignored: `subscription ${subscription.id} is ${status}: nothing was paid yet` };
  if (SUSPENDING.has(status)) return { plan: SUSPENDED_PLAN };
  if (!GRANTING_STATUSES.has(status))
    return { ignored: `subscription ${subscription.id} has unknown status ${status}` };
  const items = subscription.items.data;
  const [item] = items;
  if (item === undefined || items.length !== 1)
    return { ignored: `subscription ${subscription.id} has ${items.length} items, not one` };
  const priceId = item.price.id;
  const sold = planForPrice(catalog, priceId);
  if (sold === undefined)
    return { ignored: `price ${priceId} of subscription ${subscription.id} sells no plan` };
  return { plan: sold.name };
}

const customerIdOf = (subscription: Stripe.Subscription): string =>
  typeof subscription.customer === 'string' ? subscription.customer : subscription.customer.id;

/**
 * stateFromSubscriptionEvent is the tenant state a customer.subscription.* event asks for,
 * or `{ ignored }` with the reason when it asks for none (other event types included).
 */
export function stateFromSubscriptionEvent(
  event: Stripe.Event,
  catalog: PlanCatalog,
): TenantState | { ignored: string } {
  if (!(SUBSCRIPTION_EVENTS as readonly string[]).includes(event.type))
    return { ignored: `event type ${event.type} carries no subscription state` };
  const subscription = event.data.object as Stripe.Subscription;
  const tenantId = subscription.metadata[TENANT_METADATA_KEY] ?? '';
  if (tenantId === '')
    return { ignored: `subscription ${subscription.id} has no ${TENANT_METADATA_KEY} metadata` };
  const decision = planOfSubscription(subscription, catalog);
  if ('ignored' in decision) return decision;
  const billing: TenantBilling = {
    customerId: customerIdOf(subscription),
    subscriptionId: subscription.id,
    status: subscription.status,
    version: stateVersion({
      epoch: subscription.created,
      event: event.created,
      status: subscription.status,
      tiebreak: event.id,
    }),
  };
  return {
    tenantId,
    plan: decision.plan,
    billing,
    freeSince: undefined,
    version: tenantVersion(billing, undefined),
  };
}

/**
 * freePlanState is the free plan chosen at `now` without a card. It carries no
 * subscription: joined over the recorded state (provisioning/join.ts) it keeps the
 * tenant's subscription and customer, wins over a subscription that no longer grants and
 * was created before `now`, and yields to one that grants (the customer is paying) or was
 * created after.
 */
export function freePlanState(tenantId: string, now: Date): TenantState {
  const at = Math.floor(now.getTime() / 1000);
  const freeSince = stateVersion({ epoch: at, event: at, status: 'free', tiebreak: '' });
  return {
    tenantId,
    plan: FREE_PLAN,
    billing: undefined,
    freeSince,
    version: tenantVersion(undefined, freeSince),
  };
}
