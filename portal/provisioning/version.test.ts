import fc from 'fast-check';
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../operator/plans/catalog.ts';
import { freePlanState, stateFromSubscriptionEvent } from '../billing/subscription-state.ts';
import type { TenantState } from './tenant-state.ts';
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

// apply is what provisioning keeps: a state only over an older one.
const apply = (current: TenantState | undefined, next: TenantState): TenantState =>
  current === undefined || compareVersions(current.version, next.version) < 0 ? next : current;

const delivery = fc.record({
  id: fc.stringMatching(/^evt_[a-z0-9]{4}$/),
  subscriptionCreated: fc.integer({ min: 1_700_000_000, max: 1_700_000_004 }),
  created: fc.integer({ min: 1_700_000_000, max: 1_700_000_010 }),
  status: fc.constantFrom('active', 'trialing', 'past_due', 'unpaid', 'canceled', 'paused'),
  price: fc.constantFrom('price_team_monthly', 'price_business_monthly'),
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

describe('state versions', () => {
  it('end in the same state for any delivery order with duplicates: the newest event’s', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(delivery, { minLength: 1, maxLength: 8, selector: (d) => d.id }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.infiniteStream(fc.nat()),
        (deliveries, duplicates, shuffle) => {
          const states = statesOf(deliveries);
          const delivered = [...states, ...duplicates.map((i) => nth(states, i))];
          const keys = delivered.map(() => shuffle.next().value as number);
          const order = delivered.map((s, i) => ({ s, k: nth(keys, i) })).sort((a, b) => a.k - b.k);
          const final = order.reduce<TenantState | undefined>((c, { s }) => apply(c, s), undefined);
          const newestEpoch = Math.max(...deliveries.map((d) => d.subscriptionCreated));
          const ofNewest = deliveries.filter((d) => d.subscriptionCreated === newestEpoch);
          const newestSecond = Math.max(...ofNewest.map((d) => d.created));

          expect(final).toEqual(states.reduce<TenantState | undefined>(apply, undefined));
          expect(final?.billing?.subscriptionId).toBe(`sub_${newestEpoch}`);
          expect(final?.version.slice(13, 25)).toBe(String(newestSecond).padStart(12, '0'));
        },
      ),
    );
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

    expect(apply(apply(undefined, newer), older)).toBe(newer);
    expect(apply(apply(undefined, older), newer)).toBe(newer);
  });

  it('order same-second events by lifecycle: incomplete < active < canceled', () => {
    const at = (status: string): string =>
      stateVersion({ epoch: 5, event: 9, status, tiebreak: 'evt_a' });

    expect(compareVersions(at('incomplete'), at('active'))).toBeLessThan(0);
    expect(compareVersions(at('active'), at('canceled'))).toBeLessThan(0);
    expect(compareVersions(at('unpaid'), at('canceled'))).toBeLessThan(0);
  });

  it('let the free plan chosen later outrank a canceled subscription, and a later purchase outrank it', () => {
    const canceled = stateVersion({
      epoch: 100,
      event: 500,
      status: 'canceled',
      tiebreak: 'evt_x',
    });
    const free = freePlanState('t', new Date(600_000)).version;
    const bought = stateVersion({ epoch: 700, event: 700, status: 'active', tiebreak: 'evt_y' });

    expect(compareVersions(canceled, free)).toBeLessThan(0);
    expect(compareVersions(free, bought)).toBeLessThan(0);
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
