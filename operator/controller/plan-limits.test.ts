import { describe, expect, it } from 'vitest';
import type { AwsCheckSpec } from '../api/v1alpha1/awscheck.ts';
import { defaultCatalog, type Plan } from '../plans/catalog.ts';
import { PLAN_LABEL, TENANT_LABEL } from '../plans/tenancy.ts';
import {
  checkGate,
  credentialGate,
  formatDuration,
  GAP_MAX_RUNS,
  namespacePlan,
  rankOf,
  runsQueued,
  shortestGapSeconds,
  UNLIMITED,
  type CatalogState,
  type NamespacePlan,
} from './plan-limits.ts';

const catalog = defaultCatalog();
const loaded: CatalogState = { ok: true, catalog };
const team = catalog.plans.team as Plan;
const onTeam: NamespacePlan = { kind: 'plan', name: 'team', plan: team };
const tenant = (plan?: string): Record<string, string> => ({
  [TENANT_LABEL]: 'sub-1',
  ...(plan !== undefined && { [PLAN_LABEL]: plan }),
});

describe('namespacePlan', () => {
  it.each<[string, Record<string, string> | undefined, CatalogState, NamespacePlan['kind']]>([
    ['no labels: not a tenant', undefined, loaded, 'untenanted'],
    ['a plan label alone does not make a tenant', { [PLAN_LABEL]: 'team' }, loaded, 'untenanted'],
    ['a tenant on a known plan', tenant('team'), loaded, 'plan'],
    ['a tenant on an unknown plan', tenant('platinum'), loaded, 'unavailable'],
    ['a tenant without a plan label', tenant(), loaded, 'unavailable'],
    [
      'a tenant while the catalog is broken',
      tenant('team'),
      { ok: false, message: 'x' },
      'unavailable',
    ],
    ['no tenant needs no catalog', undefined, { ok: false, message: 'x' }, 'untenanted'],
    ['a plan name that is an Object prototype key', tenant('constructor'), loaded, 'unavailable'],
  ])('%s', (_, labels, state, kind) => {
    expect(namespacePlan(labels, state).kind).toBe(kind);
  });

  it('names the plan and the ConfigMap when the plan is unknown, never defaulting', () => {
    expect(namespacePlan(tenant('platinum'), loaded)).toEqual({
      kind: 'unavailable',
      message:
        'plan "platinum" (label awscheck.io/plan) is not in the plan catalog, ConfigMap awscheck-plans (plans: free, team, business, suspended)',
    });
  });

  it('passes the catalog’s own problem on', () => {
    const broken = { ok: false, message: 'ConfigMap x/awscheck-plans does not exist' } as const;
    expect(namespacePlan(tenant('team'), broken)).toEqual({
      kind: 'unavailable',
      message: broken.message,
    });
  });
});

describe('shortestGapSeconds', () => {
  it.each<[string, string | undefined, number, number | undefined]>([
    ['*/5 * * * *', undefined, 3600, 300],
    ['* * * * *', undefined, 60, 60],
    ['@hourly', undefined, 3600, 3600],
    ['@daily', undefined, 86_400, 86_400],
    ['@weekly', undefined, 86_400, 604_800],
    // the window's year is a leap year: February is its shortest month
    ['@monthly', undefined, 86_400, 29 * 86_400],
    ['0 9-17 * * MON-FRI', undefined, 3600, 3600],
    ['30 6 * * MON-FRI', undefined, 86_400, 86_400],
    // the shortest gap is between the days: 23:00 to 01:00
    ['0 1,23 * * *', undefined, 3600, 7200],
    // 31st to 1st is a day, seen at the month ends the window holds
    ['0 0 1,31 * *', undefined, 2 * 86_400, 86_400],
    // once in the window's leap year, then 2028: no gap within it
    ['0 0 29 2 *', undefined, 86_400, undefined],
    // daylight saving never shortens a day on the zone's own clock
    ['@daily', 'Europe/Berlin', 86_400, 86_400],
    ['0 1,3 * * *', 'America/New_York', 7200, 7200],
    ['*/30 * * * *', 'Europe/Berlin', 1800, 1800],
    // 02:00–02:59 is skipped on the spring-forward day: still a day between daily runs
    ['0 2 * * *', 'Europe/Berlin', 86_400, 86_400],
    ['30 2 * * *', 'Europe/Berlin', 86_400, 86_400],
    ['0 2 * * *', 'America/New_York', 86_400, 86_400],
    ['30 2 * * *', 'America/New_York', 86_400, 86_400],
    // 02:00–02:59 happens twice at the fall-back in Berlin, 01:00–01:59 in New York
    ['30 1 * * *', 'America/New_York', 86_400, 86_400],
    ['0 3 * * *', 'Europe/Berlin', 86_400, 86_400],
    ['0 2 * * 0', 'Europe/Berlin', 604_800, 604_800],
    // hourly across both transitions: never a zero, 30-minute or two-hour gap
    ['@hourly', 'Europe/Berlin', 3600, 3600],
    ['0 * * * *', 'America/New_York', 3600, 3600],
    ['30 * * * *', 'Australia/Lord_Howe', 3600, 3600],
    ['*/5 * * * *', 'Europe/Berlin', 300, 300],
    ['*/5 * * * *', 'America/New_York', 3600, 300],
    ['0 1,3 * * *', 'Europe/Berlin', 7200, 7200],
    ['0 0,12 * * *', 'Asia/Kolkata', 86_400, 43_200],
  ])('%s in %s (floor %is) → %s', (schedule, zone, floor, gap) => {
    expect(shortestGapSeconds(schedule, zone, floor)).toBe(gap);
  });

  it('stops at the first gap below the floor', () => {
    // every minute is below an hour at the first gap, whatever follows
    expect(shortestGapSeconds('* * * * *', undefined, 3600)).toBe(60);
  });

  it('reads at most GAP_MAX_RUNS fire times', () => {
    // every five minutes for a week is GAP_MAX_RUNS runs: the gap is found within them
    expect(GAP_MAX_RUNS).toBe(7 * 24 * 12);
    expect(shortestGapSeconds('*/5 * * * *', undefined, 300)).toBe(300);
  });

  it('throws for a schedule no cron reader accepts (the planner reports it)', () => {
    expect(() => shortestGapSeconds('5-3 * * * *', undefined, 60)).toThrow();
  });

  it('throws for an unknown time zone (the planner reports it)', () => {
    expect(() => shortestGapSeconds('@daily', 'Europe/Atlantis', 86_400)).toThrow();
  });

  it('judges a daily run the same in every zone, whatever floor asked first', () => {
    for (const zone of ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Sydney']) {
      expect(shortestGapSeconds('0 2 * * *', zone, 3600)).toBe(86_400);
      expect(shortestGapSeconds('0 2 * * *', zone, 86_400)).toBe(86_400);
    }
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [45, '45s'],
    [90, '1m30s'],
    [300, '5m'],
    [3600, '1h'],
    [5400, '1h30m'],
    [86_400, '1d'],
    [90_061, '1d1h1m1s'],
  ])('%i → %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe('rankOf', () => {
  const at = (name: string, created: string, deleting = false): object => ({
    metadata: {
      name,
      creationTimestamp: created,
      ...(deleting && { deletionTimestamp: '2026-01-02T00:00:00Z' }),
    },
  });
  const objects = [
    at('c', '2026-01-01T00:00:03Z'),
    at('b', '2026-01-01T00:00:01Z'),
    at('a', '2026-01-01T00:00:01Z'),
    at('gone', '2026-01-01T00:00:00Z', true),
  ];

  it.each([
    ['a', { index: 0, of: 3 }],
    ['b', { index: 1, of: 3 }],
    ['c', { index: 2, of: 3 }],
    ['gone', undefined],
    ['missing', undefined],
  ])('places %s oldest first, ties by name, deleting ones uncounted', (name, rank) => {
    expect(rankOf(objects, name)).toEqual(rank);
  });
});

const spec = (over: Partial<AwsCheckSpec> = {}): AwsCheckSpec => ({
  credentialRef: { name: 'prod' },
  service: 'sts',
  type: 'HealthCheck',
  schedule: '@daily',
  suspend: false,
  firstRun: 'Immediately',
  timeoutSeconds: 300,
  ...over,
});
const first = { index: 0, of: 1 };

describe('checkGate', () => {
  it.each<[string, Partial<AwsCheckSpec>, string]>([
    [
      'a schedule more frequent than the plan allows',
      { schedule: '*/5 * * * *' },
      'schedule "*/5 * * * *" runs every 5m; plan team allows at most one run every 1h',
    ],
    [
      'more regions than the plan allows',
      { regions: ['us-east-1', 'eu-west-1', 'eu-central-1', 'ap-south-1', 'us-west-2'] },
      '5 regions (us-east-1, eu-west-1, eu-central-1, ap-south-1, us-west-2); plan team allows at most 4 regions per check',
    ],
    [
      'a service outside the plan',
      { service: 'redshift' },
      'service redshift is not in plan team (allowed: sts, ec2, eks, dynamodb, cognito-idp, s3, lambda, ecs, rds, iam)',
    ],
    [
      'every problem at once, in one message',
      { service: 'redshift', schedule: '* * * * *' },
      'service redshift is not in plan team (allowed: sts, ec2, eks, dynamodb, cognito-idp, s3, lambda, ecs, rds, iam); schedule "* * * * *" runs every 1m; plan team allows at most one run every 1h',
    ],
  ])('reports %s as PlanLimitExceeded', (_, over, message) => {
    expect(checkGate({ namespace: onTeam, name: 'c', spec: spec(over), rank: first })).toEqual({
      ok: false,
      ready: { type: 'Ready', status: 'False', reason: 'PlanLimitExceeded', message },
    });
  });

  it.each<[string, Partial<AwsCheckSpec>]>([
    ['exactly the plan’s interval', { schedule: '@hourly' }],
    ['exactly the plan’s regions', { regions: ['a-1', 'b-1', 'c-1', 'd-1'] }],
    ['no regions: the credential’s one region', {}],
    ['an allowed service', { service: 'eks' }],
    [
      'a schedule no cron reader accepts (the planner says InvalidConfiguration)',
      { schedule: '5-3 * * * *' },
    ],
  ])('allows %s, with the plan’s checker resources, its runs queued', (_, over) => {
    expect(checkGate({ namespace: onTeam, name: 'c', spec: spec(over), rank: first })).toEqual({
      ok: true,
      resources: { cpu: '250m', cpuLimit: '250m', memory: '256Mi' },
      queued: true,
    });
  });

  it('lets the oldest maxChecks run and reports the rest, deleting nothing', () => {
    const gate = (index: number): ReturnType<typeof checkGate> =>
      checkGate({ namespace: onTeam, name: 'c', spec: spec(), rank: { index, of: 30 } });
    expect(gate(24).ok).toBe(true);
    expect(gate(25)).toMatchObject({
      ok: false,
      ready: {
        reason: 'PlanLimitExceeded',
        message:
          'the namespace has 30 AwsChecks and plan team allows 25; AwsCheck c is number 26 by age, so it is kept but does not run',
      },
    });
  });

  it('reports a check whose credential ref is beyond maxCredentialRefs', () => {
    const credential = { name: 'sixth', rank: { index: 5, of: 6 } };
    expect(
      checkGate({ namespace: onTeam, name: 'c', spec: spec(), rank: first, credential }),
    ).toMatchObject({
      ok: false,
      ready: {
        reason: 'PlanLimitExceeded',
        message:
          'it uses AwsCredentialRef sixth, number 6 by age, and plan team allows 5 AwsCredentialRefs',
      },
    });
  });

  it('reports an inactive plan as SubscriptionInactive before any limit', () => {
    const suspended = catalog.plans.suspended as Plan;
    const namespace: NamespacePlan = { kind: 'plan', name: 'suspended', plan: suspended };
    expect(
      checkGate({
        namespace,
        name: 'c',
        spec: spec({ service: 'eks' }),
        rank: { index: 9, of: 10 },
      }),
    ).toMatchObject({ ok: false, ready: { reason: 'SubscriptionInactive' } });
  });

  it('reports an unknown plan as InvalidConfiguration naming it', () => {
    const namespace: NamespacePlan = { kind: 'unavailable', message: 'plan "x" is unknown' };
    expect(checkGate({ namespace, name: 'c', spec: spec(), rank: first })).toEqual({
      ok: false,
      ready: {
        type: 'Ready',
        status: 'False',
        reason: 'InvalidConfiguration',
        message: 'the plan of this tenant namespace is unknown: plan "x" is unknown',
      },
    });
  });

  it('leaves a namespace without a plan alone, whatever the spec', () => {
    const namespace: NamespacePlan = { kind: 'untenanted' };
    const wild = spec({ service: 'redshift', schedule: '* * * * *' });
    expect(checkGate({ namespace, name: 'c', spec: wild, rank: { index: 999, of: 1000 } })).toBe(
      UNLIMITED,
    );
  });
});

describe('credentialGate', () => {
  it.each<[string, NamespacePlan, number, string | undefined]>([
    ['no plan', { kind: 'untenanted' }, 99, undefined],
    ['within maxCredentialRefs', onTeam, 4, undefined],
    ['beyond maxCredentialRefs', onTeam, 5, 'PlanLimitExceeded'],
    [
      'an inactive plan',
      { kind: 'plan', name: 'suspended', plan: catalog.plans.suspended as Plan },
      0,
      'SubscriptionInactive',
    ],
    ['an unknown plan', { kind: 'unavailable', message: 'm' }, 0, 'InvalidConfiguration'],
  ])('%s', (_, namespace, index, reason) => {
    const gate = credentialGate({ namespace, name: 'r', rank: { index, of: 6 } });
    expect(gate.ok ? undefined : gate.ready.reason).toBe(reason);
  });

  it.each<[string, NamespacePlan, boolean]>([
    ['a ref under a plan', onTeam, true],
    ['a ref without a plan', { kind: 'untenanted' }, false],
  ])('queues the runs of %s: %s', (_, namespace, queued) => {
    expect(runsQueued(credentialGate({ namespace, name: 'r', rank: { index: 0, of: 1 } }))).toBe(
      queued,
    );
  });

  it('names the limit, the count and the plan', () => {
    expect(
      credentialGate({ namespace: onTeam, name: 'r', rank: { index: 5, of: 6 } }),
    ).toMatchObject({
      ready: {
        message:
          'the namespace has 6 AwsCredentialRefs and plan team allows 5; AwsCredentialRef r is number 6 by age, so it is kept but does not run',
      },
    });
  });
});
