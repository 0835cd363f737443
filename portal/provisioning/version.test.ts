import fc from 'fast-check';
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../operator/plans/catalog.ts';
import { freePlanState, stateFromSubscriptionEvent } from '../billing/subscription-state.ts';
import type { TenantState } from './tenant-state.ts';
import { isTenantVersion, joinStates } from './join.ts';
import { compareVersions, isVersion, stateVersion } from './version.ts';

const catalog = defaultCatalog();

/** Delivery is one subscription event as the property generates it. */
interface Delivery {
  readonly id: string;
  readonly subscriptionCreated: number;
  readonly created: number;
  readonly status: string;
  readonly price: string;
}

function eventOf(d: Delivery): Stripe.Event {
  const subscription = {
    id: `sub_${d.subscriptionCreated}`,
    object: 'subscription',
    created: d.subscriptionCreated,
    customer: 'cus_1',
    status: d.status,
    metadata: { tenant: 'tenant-a' },
    items: { data: [{ price: { id: d.price } }] },
  };
  return {
    id: d.id,
    object: 'event',
    type:
      d.status === 'canceled' ? 'customer.subscription.deleted' : 'customer.subscription.updated',
    created: d.created,
    data: { object: subscription },
  } as unknown as Stripe.Event;
}

// apply is what provisioning keeps: the join of what is recorded and what arrives.
const apply = (current: TenantState | undefined, next: TenantState): TenantState =>
  current === undefined ? next : joinStates(current, next);

const delivery = fc.record({
  id: fc.stringMatching(/^evt_[a-z0-9]{4}$/),
  subscriptionCreated: fc.integer({ min: 1_700_000_000, max: 1_700_000_004 }),
  created: fc.integer({ min: 1_700_000_000, max: 1_700_000_010 }),
  status: fc.constantFrom('active', 'trialing', 'past_due', 'unpaid', 'canceled', 'paused'),
  price: fc.constantFrom('price_team_monthly', 'price_business_monthly'),
});

/** freeChoices are moments (seconds) the free plan was chosen. */
const freeChoices = fc.array(fc.integer({ min: 1_700_000_000, max: 1_700_000_010 }), {
  maxLength: 3,
});

const nth = <T>(items: readonly T[], index: number): T => {
  const item = items[index % items.length];
  if (item === undefined) throw new Error(`no item ${index}`);
  return item;
};

const statesOf = (deliveries: readonly Delivery[]): TenantState[] =>
  deliveries.flatMap((d) => {
    const state = stateFromSubscriptionEvent(eventOf(d), catalog);
    return 'ignored' in state ? [] : [state];
  });

const freeStatesOf = (moments: readonly number[]): TenantState[] =>
  moments.map((at) => freePlanState('tenant-a', new Date(at * 1000)));

/** shuffled delivers the states in an arbitrary order, some of them twice. */
const shuffled = (
  states: readonly TenantState[],
  duplicates: readonly number[],
  keys: readonly number[],
): TenantState[] =>
  [...states, ...duplicates.map((i) => nth(states, i))]
    .map((state, i) => ({ state, key: nth(keys, i) }))
    .sort((a, b) => a.key - b.key)
    .map(({ state }) => state);

const GRANTING = new Set(['active', 'trialing', 'past_due']);

// expectedPlan: a granting subscription's plan is paid; otherwise free when chosen after
// the subscription began, in its second or later (freeAfter ≥ 0), else suspended.
const expectedPlan = (plan: string, status: string, freeAfter: number): boolean => {
  if (GRANTING.has(status)) return !['free', 'suspended'].includes(plan);
  return plan === (freeAfter >= 0 ? 'free' : 'suspended');
};

describe('joined tenant states', () => {
  it('end in the same state for any delivery order with duplicates, free choices included', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(delivery, { maxLength: 8, selector: (d) => d.id }),
        freeChoices,
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 30 }),
        (deliveries, frees, duplicates, keys) => {
          const states = [...statesOf(deliveries), ...freeStatesOf(frees)];
          fc.pre(states.length > 0);
          const inOrder = states.reduce<TenantState | undefined>(apply, undefined);
          const final = shuffled(states, duplicates, keys).reduce<TenantState | undefined>(
            apply,
            undefined,
          );

          expect(final).toEqual(inOrder);
        },
      ),
    );
  });

  it('keep the newest subscription’s newest event, and derive the plan from it and the free choice', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(delivery, { minLength: 1, maxLength: 8, selector: (d) => d.id }),
        freeChoices,
        (deliveries, frees) => {
          const final = [...statesOf(deliveries), ...freeStatesOf(frees)].reduce(joinStates);
          const newestEpoch = Math.max(...deliveries.map((d) => d.subscriptionCreated));
          const ofNewest = deliveries.filter((d) => d.subscriptionCreated === newestEpoch);
          const newestSecond = Math.max(...ofNewest.map((d) => d.created));
          const { billing, plan } = final;
          const lastFree = Math.max(-1, ...frees);

          expect(billing).toMatchObject({
            subscriptionId: `sub_${newestEpoch}`,
            customerId: 'cus_1',
          });
          expect(billing?.version.slice(13, 25)).toBe(String(newestSecond).padStart(12, '0'));
          expect(expectedPlan(plan, String(billing?.status), lastFree - newestEpoch)).toBe(true);
        },
      ),
    );
  });

  it('let a paying subscription whose webhook is late win over a free choice made meanwhile', () => {
    const [paid] = statesOf([
      {
        id: 'evt_p',
        subscriptionCreated: 100,
        created: 101,
        status: 'active',
        price: 'price_team_monthly',
      },
    ]);
    const free = freePlanState('tenant-a', new Date(150_000));
    if (paid === undefined) throw new Error('no paid state');

    expect(apply(free, paid)).toMatchObject({ plan: 'team', freeSince: free.freeSince });
    expect(apply(paid, free)).toEqual(apply(free, paid));
  });

  it('fall back to the free plan chosen since, when that subscription ends, and keep its customer', () => {
    const events = statesOf([
      {
        id: 'evt_a',
        subscriptionCreated: 100,
        created: 101,
        status: 'active',
        price: 'price_team_monthly',
      },
      {
        id: 'evt_c',
        subscriptionCreated: 100,
        created: 300,
        status: 'canceled',
        price: 'price_team_monthly',
      },
    ]);
    const free = freePlanState('tenant-a', new Date(200_000));
    const final = [...events, free].reduce<TenantState | undefined>(apply, undefined);

    expect(final).toMatchObject({
      plan: 'free',
      billing: { customerId: 'cus_1', subscriptionId: 'sub_100', status: 'canceled' },
    });
  });

  it('suspend a tenant whose subscription, bought after its free choice, stops paying', () => {
    const free = freePlanState('tenant-a', new Date(50_000));
    const [unpaid] = statesOf([
      {
        id: 'evt_u',
        subscriptionCreated: 100,
        created: 200,
        status: 'unpaid',
        price: 'price_team_monthly',
      },
    ]);
    if (unpaid === undefined) throw new Error('no unpaid state');

    expect(apply(free, unpaid).plan).toBe('suspended');
  });

  it('compare a late event of the recorded subscription to its own last state, across a free choice', () => {
    const [canceled, lateActive] = statesOf([
      {
        id: 'evt_c',
        subscriptionCreated: 100,
        created: 300,
        status: 'canceled',
        price: 'price_team_monthly',
      },
      {
        id: 'evt_a',
        subscriptionCreated: 100,
        created: 120,
        status: 'active',
        price: 'price_team_monthly',
      },
    ]);
    if (canceled === undefined || lateActive === undefined) throw new Error('no states');
    const freeAfterCancel = apply(canceled, freePlanState('tenant-a', new Date(400_000)));

    expect(freeAfterCancel.plan).toBe('free');
    expect(apply(freeAfterCancel, lateActive)).toEqual(freeAfterCancel);
  });

  it('keep the new subscription when the old one’s cancellation arrives after it, or before', () => {
    const bought = statesOf([
      {
        id: 'evt_new',
        subscriptionCreated: 200,
        created: 200,
        status: 'active',
        price: 'price_team_monthly',
      },
    ]);
    const cancelledOld = statesOf([
      {
        id: 'evt_old',
        subscriptionCreated: 100,
        created: 300,
        status: 'canceled',
        price: 'price_business_monthly',
      },
    ]);
    const [newer, older] = [nth(bought, 0), nth(cancelledOld, 0)];

    expect(apply(apply(undefined, newer), older)).toEqual(newer);
    expect(apply(apply(undefined, older), newer)).toEqual(newer);
  });

  it.each([
    ['', false],
    ['/', false],
    ['1.2.3.x/', false],
    [`${stateVersion({ epoch: 1, event: 2, status: 'active', tiebreak: 'evt_1' })}/`, true],
    [`/${stateVersion({ epoch: 1, event: 1, status: 'free', tiebreak: '' })}`, true],
  ])('recognise %j as a tenant version: %s', (text, expected) => {
    expect(isTenantVersion(text)).toBe(expected);
  });
});

describe('state versions', () => {
  it('order same-second events by lifecycle: incomplete < active < canceled', () => {
    const at = (status: string): string =>
      stateVersion({ epoch: 5, event: 9, status, tiebreak: 'evt_a' });

    expect(compareVersions(at('incomplete'), at('active'))).toBeLessThan(0);
    expect(compareVersions(at('active'), at('canceled'))).toBeLessThan(0);
    expect(compareVersions(at('unpaid'), at('canceled'))).toBeLessThan(0);
  });

  it.each([
    ['', false],
    ['1.2.3.x', false],
    [stateVersion({ epoch: 1, event: 2, status: 'active', tiebreak: 'evt_1' }), true],
  ])('recognise %j as a version: %s', (text, expected) => {
    expect(isVersion(text)).toBe(expected);
  });

  it('refuse what cannot be ordered: fractions, negatives, a tiebreak with a dot', () => {
    expect(() => stateVersion({ epoch: 1.5, event: 1, status: 'active', tiebreak: '' })).toThrow();
    expect(() => stateVersion({ epoch: -1, event: 1, status: 'active', tiebreak: '' })).toThrow();
    expect(() => stateVersion({ epoch: 1, event: 1, status: 'active', tiebreak: 'a.b' })).toThrow();
    expect(() => compareVersions('x', 'y')).toThrow(/not a state version/);
  });
});
