import { describe, expect, it } from 'vitest';
import type { AwsCheck } from './api/v1alpha1/awscheck.ts';
import type { Condition } from './api/v1alpha1/common.ts';
import { Metrics } from './metrics.ts';

const CREATED = '2024-05-01T10:00:00Z';
const LABELS = { namespace: 'team', name: 'vms', service: 'ec2', type: 'HealthCheck' };

function check(status: AwsCheck['status'], schedule = '@daily'): AwsCheck {
  return {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCheck',
    metadata: { namespace: 'team', name: 'vms', generation: 1, creationTimestamp: CREATED },
    spec: {
      credentialRef: { name: 'ro' },
      service: 'ec2',
      type: 'HealthCheck',
      schedule,
      suspend: false,
      firstRun: 'Immediately',
      timeoutSeconds: 300,
    },
    status,
  };
}

function ready(status: 'True' | 'False', reason: string): Condition {
  return { type: 'Ready', status, reason, message: '', lastTransitionTime: CREATED };
}

function lastRun(regions: { name: string; resources: number; unhealthy: number }[]): object {
  return {
    jobName: 'vms-1',
    generation: 1,
    startTime: '2024-05-01T10:00:00Z',
    completionTime: '2024-05-01T10:00:05Z',
    durationMs: 5000,
    outcome: 'Succeeded',
    message: 'ok',
    resources: 3,
    unhealthy: 1,
    regions,
  };
}

// series renders every series whose metric name starts with one of `names` as `name{labels} value` lines.
async function series(metrics: Metrics, ...names: string[]): Promise<string[]> {
  const text = await metrics.registry.metrics();
  return text
    .split('\n')
    .filter((line) => names.some((name) => new RegExp(`^${name}[a-z_]*\\{`).test(line)))
    .map((line) =>
      line.replace(/namespace="team",name="vms",service="ec2",type="HealthCheck",?/, ''),
    );
}

describe('Metrics', () => {
  it('starts every kind’s reconcile results at 0, so an error rate reads 0 before any error', async () => {
    const text = await new Metrics().registry.metrics();
    expect(text).toContain('awscheck_reconcile_total{kind="AwsCheck",result="error"} 0');
    expect(text).toContain('awscheck_reconcile_total{kind="RunQueue",result="success"} 0');
  });

  it('publishes the latest run per region and removes a region the next run lacks', async () => {
    const metrics = new Metrics();
    const regions = [
      { name: 'us-east-1', resources: 2, unhealthy: 1 },
      { name: 'eu-west-1', resources: 1, unhealthy: 0 },
    ];
    metrics.observeCheck(check({ lastRun: lastRun(regions) } as AwsCheck['status']));
    expect(await series(metrics, 'awscheck_check_region_resources')).toEqual([
      'awscheck_check_region_resources{region="us-east-1"} 2',
      'awscheck_check_region_resources{region="eu-west-1"} 1',
    ]);

    metrics.observeCheck(check({ lastRun: lastRun(regions.slice(1)) } as AwsCheck['status']));
    expect(
      await series(
        metrics,
        'awscheck_check_region_resources',
        'awscheck_check_region_unhealthy_resources',
      ),
    ).toEqual([
      'awscheck_check_region_resources{region="eu-west-1"} 1',
      'awscheck_check_region_unhealthy_resources{region="eu-west-1"} 0',
    ]);
  });

  it('publishes the schedule interval while the check is meant to run, and when it was created', async () => {
    const metrics = new Metrics();
    const scheduled = { nextScheduleTime: '2024-05-02T00:00:00Z' };
    metrics.observeCheck(check(scheduled, '0 9 * * 1-5'));
    expect(
      await series(
        metrics,
        'awscheck_check_schedule_interval_seconds',
        'awscheck_check_created_timestamp_seconds',
      ),
    ).toEqual([
      'awscheck_check_created_timestamp_seconds{} 1714557600',
      'awscheck_check_schedule_interval_seconds{} 259200',
    ]);

    const suspended = check(scheduled, '0 9 * * 1-5');
    suspended.spec = { ...suspended.spec, suspend: true };
    metrics.observeCheck(suspended);
    expect(await series(metrics, 'awscheck_check_schedule_interval_seconds')).toEqual([]);
  });

  it('keeps the interval of a check that cannot be scheduled, so it goes stale', async () => {
    const metrics = new Metrics();
    const stalled = {
      conditions: [
        ready('False', 'InvalidConfiguration'),
        { ...ready('True', 'InvalidConfiguration'), type: 'Stalled' },
      ],
    };
    metrics.observeCheck(check(stalled, '@hourly'));
    expect(await series(metrics, 'awscheck_check_schedule_interval_seconds')).toEqual([
      'awscheck_check_schedule_interval_seconds{} 3600',
    ]);

    metrics.observeCheck(check({ conditions: [ready('False', 'SubscriptionInactive')] }));
    expect(await series(metrics, 'awscheck_check_schedule_interval_seconds')).toEqual([]);
  });

  it('forgets every series of a deleted check', async () => {
    const metrics = new Metrics();
    const status = {
      nextScheduleTime: '2024-05-02T00:00:00Z',
      lastSuccessfulTime: '2024-05-01T10:00:05Z',
      lastRun: lastRun([{ name: 'us-east-1', resources: 3, unhealthy: 1 }]),
    } as AwsCheck['status'];
    metrics.observeCheck(check(status));
    expect(await series(metrics, 'awscheck_check')).toHaveLength(11);

    metrics.forgetCheck(check(status));
    expect(await series(metrics, 'awscheck_check')).toEqual([]);
  });

  it('starts a check’s run counts at 0 for a success and every failure reason, and removes them with its labels', async () => {
    const metrics = new Metrics();
    metrics.observeCheck(check({}));
    const runs = await series(metrics, 'awscheck_runs_total');
    expect(runs).toContain('awscheck_runs_total{outcome="Succeeded",reason="RunSucceeded"} 0');
    for (const reason of ['AuthenticationFailed', 'CountOutOfRange', 'RunAborted'])
      expect(runs).toContain(`awscheck_runs_total{outcome="Failed",reason="${reason}"} 0`);
    expect(runs).toHaveLength(10);

    metrics.runs.inc({ ...LABELS, outcome: 'Failed', reason: 'RunFailed' });
    metrics.runs.inc({ ...LABELS, outcome: 'Succeeded', reason: 'RunSucceeded' });
    metrics.observeCheck(check({}));
    expect(await series(metrics, 'awscheck_runs_total')).toContain(
      'awscheck_runs_total{outcome="Succeeded",reason="RunSucceeded"} 1',
    );

    const iam = check({});
    iam.spec = { ...iam.spec, service: 'iam' };
    metrics.observeCheck(iam);
    const afterChange = await series(metrics, 'awscheck_runs_total');
    expect(afterChange).toHaveLength(10);
    expect(afterChange.every((line) => line.includes('service="iam"'))).toBe(true);

    metrics.forgetCheck(iam);
    expect(await series(metrics, 'awscheck_runs_total')).toEqual([]);
  });

  it('keeps one credential series with the Ready reason, and forgets a deleted ref', async () => {
    const metrics = new Metrics();
    const ref = { metadata: { namespace: 'team', name: 'ro' } };
    const ready = (status: 'True' | 'False', reason: string): Condition[] => [
      { type: 'Ready', status, reason, message: '', lastTransitionTime: CREATED },
    ];
    metrics.observeCredential(ref, undefined);
    metrics.observeCredential(ref, ready('True', 'Validated'));
    metrics.observeCredential(ref, ready('False', 'AuthenticationFailed'));
    expect(await series(metrics, 'awscheck_credential_ready')).toEqual([
      'awscheck_credential_ready{namespace="team",name="ro",reason="AuthenticationFailed"} 0',
    ]);

    metrics.forgetCredential(ref);
    expect(await series(metrics, 'awscheck_credential_ready')).toEqual([]);
  });
});
