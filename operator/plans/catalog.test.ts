import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  defaultCatalog,
  parseCatalog,
  planForPrice,
  planOf,
  sellablePlans,
  type PlanCatalog,
} from './catalog.ts';
import { catalogConfigMap, catalogFromConfigMap } from './configmap.ts';

const text = (catalog: unknown): string => stringify(catalog);

function withPlan(name: string, change: Record<string, unknown>): unknown {
  const catalog: PlanCatalog = structuredClone(defaultCatalog());
  return { plans: { ...catalog.plans, [name]: { ...catalog.plans[name], ...change } } };
}

describe('plan catalog', () => {
  it('ships free, team and business for sale and the suspended state', () => {
    const catalog = defaultCatalog();
    expect(sellablePlans(catalog).map((p) => p.name)).toEqual(['free', 'team', 'business']);
    expect(planOf(catalog, 'suspended')?.active).toBe(false);
    expect(planOf(catalog, 'suspended')?.sellable).toBe(false);
    expect(planOf(catalog, 'free')?.stripePriceId).toBeUndefined();
    expect(planForPrice(catalog, 'price_team_monthly')?.name).toBe('team');
    expect(planForPrice(catalog, 'price_unknown')).toBeUndefined();
    expect(planOf(catalog, 'constructor')).toBeUndefined();
  });

  it.each([
    ['a missing plan', { plans: { free: defaultCatalog().plans.free } }, 'plans.team'],
    ['an active suspended state', withPlan('suspended', { active: true }), 'must be false'],
    ['a sellable suspended state', withPlan('suspended', { sellable: true }), 'suspended.sellable'],
    [
      'a sellable plan that does not run',
      withPlan('team', { active: false }),
      'cannot be true for a plan that is not active (its checks would not run)\n  → at plans.team.sellable',
    ],
    [
      'a plan that does not say whether it is sold',
      withPlan('team', { sellable: undefined }),
      'team.sellable',
    ],
    ['an unknown service', withPlan('team', { allowedServices: ['ec3'] }), 'allowedServices'],
    ['a bad quantity', withPlan('team', { checker: { cpu: 'lots', memory: '1Gi' } }), 'cpu'],
    ['an unknown field', withPlan('team', { maxCheks: 3 }), 'maxCheks'],
    [
      'two plans with one price',
      withPlan('business', { stripePriceId: 'price_team_monthly' }),
      'share a stripePriceId',
    ],
  ])('refuses %s, naming it', (_, catalog, named) => {
    expect(() => parseCatalog(text(catalog), 'test')).toThrow(named);
  });

  it('sells only what is marked sellable: an active plan can be kept off the pricing page', () => {
    const catalog = parseCatalog(text(withPlan('business', { sellable: false })), 'test');
    expect(planOf(catalog, 'business')?.active).toBe(true);
    expect(sellablePlans(catalog).map((p) => p.name)).toEqual(['free', 'team']);
  });

  it('refuses text that is not YAML', () => {
    expect(() => parseCatalog('plans: [', 'test')).toThrow('plan catalog test is not YAML');
  });

  it('reads back the ConfigMap it ships, and says when the key is missing', () => {
    expect(catalogFromConfigMap(catalogConfigMap())).toEqual(defaultCatalog());
    const empty = { metadata: { name: 'awscheck-plans', namespace: 'x' }, data: {} };
    expect(() => catalogFromConfigMap(empty)).toThrow(
      'ConfigMap x/awscheck-plans key catalog.yaml is missing',
    );
  });
});
