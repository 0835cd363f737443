import { describe, expect, it } from 'vitest';
import { defaultCatalog, planOf } from '../../operator/plans/catalog.ts';
import { CHECKOUT_KEY_WINDOW_MS, planCheckout, type CheckoutFacts } from './checkout-plan.ts';
import type { TenantBillingFacts } from './tenant-billing.ts';

const catalog = defaultCatalog();
const user = { tenantId: 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6', email: 'ada@example.com' };
const now = new Date('2026-11-26T10:00:00Z');
const facts = (requestedPlan: unknown, tenant?: Partial<TenantBillingFacts>): CheckoutFacts => ({
  user,
  requestedPlan,
  catalog,
  tenant:
    tenant === undefined
      ? undefined
      : {
          plan: undefined,
          customerId: undefined,
          subscriptionId: undefined,
          subscriptionStatus: undefined,
          ...tenant,
        },
  publicUrl: 'https://portal.example.com',
  now,
});

describe('planCheckout', () => {
  it.each([
    ['a plan the catalog lacks', 'platinum'],
    ['the suspended state, which is not for sale', 'suspended'],
    ['a name inherited from Object', 'constructor'],
    ['no plan field', undefined],
    ['a plan field sent twice', ['team', 'business']],
  ])('refuses %s', (_, requested) => {
    expect(planCheckout(facts(requested))).toEqual({ kind: 'refuse', message: 'unknown plan' });
  });

  it('refuses a plan taken off sale, though its subscribers still run', () => {
    const team = planOf(catalog, 'team');
    if (team === undefined) throw new Error('the catalog has no team plan');
    const offSale = { plans: { ...catalog.plans, team: { ...team, sellable: false } } };
    expect(planCheckout({ ...facts('team'), catalog: offSale })).toEqual({
      kind: 'refuse',
      message: 'unknown plan',
    });
  });

  it.each(['active', 'trialing', 'past_due', 'unpaid', 'paused'])(
    'sends a tenant whose subscription is %s to the customer portal, whatever plan it chose',
    (status) => {
      for (const plan of ['free', 'team', 'business']) {
        const decided = planCheckout(facts(plan, { plan: 'team', subscriptionStatus: status }));
        expect(decided).toEqual({ kind: 'portal' });
      }
    },
  );

  it.each([
    ['a new tenant', undefined],
    [
      'a tenant whose subscription was canceled',
      { plan: 'suspended', subscriptionStatus: 'canceled' },
    ],
    [
      'a tenant whose subscription expired unpaid',
      { plan: 'suspended', subscriptionStatus: 'incomplete_expired' },
    ],
  ])('provisions the free plan without a card for %s', (_, tenant) => {
    expect(planCheckout(facts('free', tenant))).toEqual({ kind: 'free' });
  });

  it('writes nothing for a tenant already on the free plan', () => {
    expect(planCheckout(facts('free', { plan: 'free' }))).toEqual({ kind: 'dashboard' });
  });

  it('opens Checkout for a new tenant by email, tagged with the tenant id', () => {
    const decided = planCheckout(facts('team'));
    expect(decided).toMatchObject({
      kind: 'checkout',
      params: {
        mode: 'subscription',
        line_items: [{ price: 'price_team_monthly', quantity: 1 }],
        client_reference_id: user.tenantId,
        metadata: { tenant: user.tenantId },
        subscription_data: { metadata: { tenant: user.tenantId } },
        customer_email: user.email,
        success_url: 'https://portal.example.com/dashboard?checkout=success',
        cancel_url: 'https://portal.example.com/',
      },
    });
    expect(decided.kind === 'checkout' && 'customer' in decided.params).toBe(false);
  });

  it('opens Checkout for the existing customer of a returning tenant, without the email', () => {
    const decided = planCheckout(
      facts('business', {
        plan: 'suspended',
        customerId: 'cus_123',
        subscriptionStatus: 'canceled',
      }),
    );
    expect(decided).toMatchObject({
      kind: 'checkout',
      params: { customer: 'cus_123', line_items: [{ price: 'price_business_monthly' }] },
    });
    expect(decided.kind === 'checkout' && 'customer_email' in decided.params).toBe(false);
  });

  it('keeps the idempotency key within a window and changes it with the plan or the window', () => {
    const key = (plan: string, at: Date): string => {
      const decided = planCheckout({ ...facts(plan), now: at });
      if (decided.kind !== 'checkout') throw new Error('expected a checkout');
      return decided.idempotencyKey;
    };
    const windowStart = new Date(
      Math.floor(now.getTime() / CHECKOUT_KEY_WINDOW_MS) * CHECKOUT_KEY_WINDOW_MS,
    );
    const later = new Date(windowStart.getTime() + CHECKOUT_KEY_WINDOW_MS - 1);
    const nextWindow = new Date(windowStart.getTime() + CHECKOUT_KEY_WINDOW_MS);

    expect(key('team', windowStart)).toBe(key('team', later));
    expect(key('team', windowStart)).not.toBe(key('business', windowStart));
    expect(key('team', windowStart)).not.toBe(key('team', nextWindow));
    expect(key('team', now)).toMatch(/^checkout-[0-9a-f]{64}$/);
    expect(key('team', now)).not.toContain(user.tenantId);
  });
});
