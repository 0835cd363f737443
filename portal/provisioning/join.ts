// How two states of one tenant combine: the rule that makes provisioning converge whatever
// order Stripe's deliveries and the free plan's choices arrive in. A tenant state holds two
// facts, each ordered on its own, and the plan is derived from them:
// - billing: the newest subscription seen. Two events of one subscription are ordered by
//   that subscription's own versions (event second, lifecycle rank, event id); a newer
//   subscription (later `created`) outranks everything about an older one. A free choice
//   carries no subscription, so joining it keeps the subscription (its customer id, status
//   and version): the customer portal stays reachable while the old one may still bill,
//   and a later event of that subscription is compared to its own last state.
// - freeSince: the latest moment the free plan was chosen.
// The plan: a subscription that grants (active, trialing, past_due) gives its plan, even
// over a free choice made after it was created: the customer is paying (a Checkout whose
// webhook is merely late is not locked out by a free choice made meanwhile). Otherwise the
// free plan when it was chosen since the subscription began (in the same second or later)
// or there is none, else `suspended`. Joining is field-wise "newest wins", so it is commutative, associative and
// idempotent: any order of any deliveries, duplicated or not, ends in the same state.
import { SUSPENDED_PLAN } from '../../operator/plans/catalog.ts';
import type { TenantBilling, TenantState } from './tenant-state.ts';
import { compareVersions, epochOf, isVersion } from './version.ts';

/** FREE_PLAN is the plan chosen in the portal without a card. */
export const FREE_PLAN = 'free';

/** GRANTING_STATUSES: a subscription in these grants its plan (past_due: Stripe's retries). */
export const GRANTING_STATUSES: ReadonlySet<string> = new Set(['active', 'trialing', 'past_due']);

/** tenantVersion says a whole state: `<subscription version>/<freeSince>` (either may be empty). */
export function tenantVersion(
  billing: TenantBilling | undefined,
  freeSince: string | undefined,
): string {
  return `${billing?.version ?? ''}/${freeSince ?? ''}`;
}

/** isTenantVersion tells whether a string (an annotation read back) is a tenantVersion. */
export function isTenantVersion(value: string | undefined): value is string {
  if (value === undefined) return false;
  const parts = value.split('/');
  return (
    parts.length === 2 &&
    parts.some((part) => part !== '') &&
    parts.every((part) => part === '' || isVersion(part))
  );
}

const newest = (a: string | undefined, b: string | undefined): string | undefined => {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return compareVersions(a, b) >= 0 ? a : b;
};

/**
 * planOfJoined is the plan of a state: a granting subscription's plan (`granted`), else
 * free when chosen since the subscription began (epoch ≥ its created) or without one, else
 * suspended.
 */
export function planOfJoined(
  billing: TenantBilling | undefined,
  granted: string,
  freeSince: string | undefined,
): string {
  if (billing !== undefined && GRANTING_STATUSES.has(billing.status)) return granted;
  if (
    freeSince !== undefined &&
    (billing === undefined || epochOf(freeSince) >= epochOf(billing.version))
  )
    return FREE_PLAN;
  if (billing !== undefined) return SUSPENDED_PLAN;
  throw new Error('a tenant state needs a subscription or a choice of the free plan');
}

/** joinStates is the state that says both `current` and `next`, each fact at its newest. */
export function joinStates(current: TenantState, next: TenantState): TenantState {
  if (current.tenantId !== next.tenantId)
    throw new Error('joinStates joins states of one tenant only');
  const fromNext =
    next.billing !== undefined &&
    (current.billing === undefined ||
      compareVersions(next.billing.version, current.billing.version) > 0);
  const billing = fromNext ? next.billing : current.billing;
  const freeSince = newest(current.freeSince, next.freeSince);
  return {
    tenantId: current.tenantId,
    plan: planOfJoined(billing, (fromNext ? next : current).plan, freeSince),
    billing,
    freeSince,
    version: tenantVersion(billing, freeSince),
  };
}
