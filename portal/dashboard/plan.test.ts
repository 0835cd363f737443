import { describe, expect, it } from 'vitest';
import type { AwsCheck } from '../../operator/api/v1alpha1/awscheck.ts';
import { defaultCatalog } from '../../operator/plans/catalog.ts';
import { planDashboard, type DashboardFacts } from './plan.ts';

const T = '2026-11-26T09:00:00Z';

function check(name: string, service: string, regions: string[], ready = 'True'): AwsCheck {
  const reason = ready === 'True' ? 'Scheduled' : 'PlanLimitExceeded';
  return {
    metadata: { name },
    spec: { service, regions },
    status: {
      conditions: [
        { type: 'Ready', status: ready, reason, message: `${name} ready?`, lastTransitionTime: T },
      ],
      lastRun: { startTime: T, completionTime: T, message: 'ran' },
    },
  } as unknown as AwsCheck;
}

function facts(overrides: Partial<DashboardFacts> = {}): DashboardFacts {
  return {
    namespace: {
      metadata: {
        name: 'tenant-1',
        labels: { 'awscheck.io/plan': 'free' },
        annotations: {},
      },
    },
    catalog: defaultCatalog(),
    quotas: [
      {
        spec: {},
        status: {
          hard: { 'count/awschecks.awscheck.io': '3', 'count/jobs.batch': '4' },
          used: { 'count/awschecks.awscheck.io': '4', 'count/jobs.batch': '0' },
        },
      },
    ],
    checks: [],
    credentials: [],
    ...overrides,
  };
}

describe('planDashboard', () => {
  it.each([
    [
      'within the plan',
      [check('a', 'ec2', ['us-east-1'])],
      { regions: false, services: false, schedule: false },
    ],
    [
      'too many regions',
      [check('a', 'ec2', ['us-east-1', 'eu-west-1'])],
      { regions: true, services: false, schedule: false },
    ],
    [
      'a service outside the plan',
      [check('a', 'eks', ['us-east-1'])],
      { regions: false, services: true, schedule: false },
    ],
    [
      'a check refused by the plan',
      [check('a', 'ec2', ['us-east-1'], 'False')],
      { regions: false, services: false, schedule: true },
    ],
  ])('marks limits exceeded: %s', (_, checks, over) => {
    const usage = planDashboard(facts({ checks })).usage;
    const row = (limit: string): boolean | undefined =>
      usage.find((r) => r.limit.startsWith(limit))?.over;
    expect({
      regions: row('Regions'),
      services: row('Services'),
      schedule: row('Shortest'),
    }).toEqual(over);
  });

  it('shows the quota’s used against hard, over when used exceeds it, and skips keys it lacks', () => {
    const usage = planDashboard(facts()).usage;
    expect(usage.find((r) => r.limit === 'Checks')).toEqual({
      limit: 'Checks',
      used: '4',
      allowed: '3',
      over: true,
    });
    expect(usage.find((r) => r.limit === 'Runs at once')?.over).toBe(false);
    expect(usage.find((r) => r.limit === 'CPU limit')).toBeUndefined();
  });

  it('reads plan, subscription and the Stripe customer from the namespace', () => {
    const view = planDashboard(
      facts({
        namespace: {
          metadata: {
            name: 'tenant-2',
            labels: { 'awscheck.io/plan': 'team' },
            annotations: {
              'awscheck.io/stripe-customer': 'cus_1',
              'awscheck.io/subscription-status': 'past_due',
            },
          },
        },
      }),
    );
    expect([view.planLabel, view.subscriptionStatus, view.stripeCustomer]).toEqual([
      'Team',
      'past_due',
      true,
    ]);
  });

  it('lists checks by name with Ready, Healthy (unknown until observed), last run and the not-ready message', () => {
    const view = planDashboard(
      facts({ checks: [check('b', 'ec2', []), check('a', 'ec2', [], 'False')] }),
    );
    expect(view.checks.map((c) => c.name)).toEqual(['a', 'b']);
    expect(view.checks[0]).toMatchObject({
      ready: { status: 'False', reason: 'PlanLimitExceeded' },
      healthy: { status: 'Unknown', reason: 'NotObservedYet' },
      lastRun: T,
      message: 'a ready?',
    });
    expect(view.checks[1]?.message).toBe('ran');
  });
});
