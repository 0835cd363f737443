import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../operator/plans/catalog.ts';
import { compareVersions } from '../provisioning/version.ts';
import { freePlanState, stateFromSubscriptionEvent } from './subscription-state.ts';

const catalog = defaultCatalog();

interface EventFacts {
  readonly type?: string;
  readonly status?: string;
  readonly prices?: readonly string[];
  readonly metadata?: Record<string, string>;
  readonly customer?: string | { id: string };
}

function event(facts: EventFacts = {}): Stripe.Event {
  const {
    type = 'customer.subscription.updated',
    status = 'active',
    prices = ['price_team_monthly'],
    metadata = { tenant: 'sub-123' },
    customer = 'cus_9',
  } = facts;
  return {
    id: 'evt_1',
    object: 'event',
    type,
    created: 1_800_000_100,
    data: {
      object: {
        id: 'sub_7',
        object: 'subscription',
        created: 1_800_000_000,
        customer,
        status,
        metadata,
        items: { data: prices.map((id) => ({ price: { id } })) },
      },
    },
  } as unknown as Stripe.Event;
}

describe('stateFromSubscriptionEvent', () => {
  it.each([
    ['active', 'team'],
    ['trialing', 'team'],
    ['past_due', 'team'],
    ['unpaid', 'suspended'],
    ['canceled', 'suspended'],
    ['paused', 'suspended'],
  ])('maps status %s to plan %s', (status, plan) => {
    const version = /^0*1800000000\.0*1800000100\.\d\.evt_1$/;
    const state = stateFromSubscriptionEvent(event({ status }), catalog);

    expect(state).toEqual({
      tenantId: 'sub-123',
      plan,
      billing: {
        customerId: 'cus_9',
        subscriptionId: 'sub_7',
        status,
        version: expect.stringMatching(version) as string,
      },
      freeSince: undefined,
      version: expect.stringMatching(/\/$/) as string,
    });
    if ('ignored' in state) throw new Error(state.ignored);
    expect(state.version).toBe(`${String(state.billing?.version)}/`);
  });

  it.each([
    'customer.subscription.created',
    'customer.subscription.deleted',
    'customer.subscription.paused',
    'customer.subscription.resumed',
  ])('reads %s', (type) => {
    expect(stateFromSubscriptionEvent(event({ type }), catalog)).toHaveProperty('plan', 'team');
  });

  it('reads the plan from the price, and an expanded customer’s id', () => {
    const state = stateFromSubscriptionEvent(
      event({ prices: ['price_business_monthly'], customer: { id: 'cus_x' } }),
      catalog,
    );

    expect(state).toMatchObject({ plan: 'business', billing: { customerId: 'cus_x' } });
  });

  it.each<[string, EventFacts, RegExp]>([
    ['incomplete (nothing paid yet)', { status: 'incomplete' }, /incomplete: nothing was paid/],
    ['incomplete_expired', { status: 'incomplete_expired' }, /nothing was paid/],
    ['an unknown status', { status: 'frozen' }, /unknown status frozen/],
    ['an unknown price', { prices: ['price_nope'] }, /price price_nope .* sells no plan/],
    ['two items', { prices: ['price_team_monthly', 'price_team_monthly'] }, /2 items/],
    ['no tenant metadata', { metadata: {} }, /no tenant metadata/],
    ['an empty tenant', { metadata: { tenant: '' } }, /no tenant metadata/],
    ['another event type', { type: 'invoice.paid' }, /invoice.paid carries no subscription/],
  ])('ignores %s with the reason', (_, facts, reason) => {
    const state = stateFromSubscriptionEvent(event(facts), catalog);

    expect(state).toEqual({ ignored: expect.stringMatching(reason) as string });
  });
});

describe('freePlanState', () => {
  it('is the free plan without billing, versioned by the moment it was chosen', () => {
    const early = freePlanState('sub-1', new Date('2026-01-01T00:00:00Z'));
    const later = freePlanState('sub-1', new Date('2026-01-02T00:00:00Z'));

    expect(early).toMatchObject({ tenantId: 'sub-1', plan: 'free', billing: undefined });
    expect(early.version).toBe(`/${String(early.freeSince)}`);
    expect(compareVersions(String(early.freeSince), String(later.freeSince))).toBeLessThan(0);
  });
});
