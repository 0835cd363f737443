// The health rules of the services beyond the first five, on states moto cannot produce.
import { describe, expect, it } from 'vitest';
import { judgeRestApi } from './apigateway.ts';
import { judgeWorkGroup } from './athena.ts';
import { judgeDistribution } from './cloudfront.ts';
import { judgeService } from './ecs.ts';
import { judgeFileSystem } from './efs.ts';
import { judgeCacheCluster } from './elasticache.ts';
import { judgeFsx } from './fsx.ts';
import { judgeUser } from './iam.ts';
import { judgeStream } from './kinesis.ts';
import { judgeFunction } from './lambda.ts';
import { judgeDbInstance } from './rds.ts';
import { judgeRedshiftCluster } from './redshift.ts';
import { judgeSecret } from './secretsmanager.ts';
import { judgeNatGateway, judgeVpc, judgeVpnConnection } from './vpc.ts';

const now = new Date('2026-06-01T00:00:00Z');
const daysAgo = (days: number): Date => new Date(now.getTime() - days * 86_400_000);

describe('health rules', () => {
  it('lambda: Active/Inactive healthy; Failed state or failed update not', () => {
    expect(judgeFunction({ State: 'Active', LastUpdateStatus: 'Successful' }).healthy).toBe(true);
    expect(judgeFunction({ State: 'Inactive' }).healthy).toBe(true);
    expect(judgeFunction({ State: 'Failed', StateReason: 'ENI limit' }).problems).toEqual([
      'function is Failed, healthy is Active or Inactive',
      'ENI limit',
    ]);
    expect(
      judgeFunction({
        State: 'Active',
        LastUpdateStatus: 'Failed',
        LastUpdateStatusReasonCode: 'InvalidImage',
      }).problems,
    ).toEqual(['last update failed: InvalidImage']);
  });

  it('ecs: running below desired, a failed rollout, or a draining service are unhealthy', () => {
    expect(judgeService({ status: 'ACTIVE', runningCount: 3, desiredCount: 3 }).healthy).toBe(true);
    expect(judgeService({ status: 'ACTIVE', runningCount: 1, desiredCount: 3 }).problems).toEqual([
      'running 1 of 3 desired tasks',
    ]);
    expect(
      judgeService({
        status: 'ACTIVE',
        runningCount: 2,
        desiredCount: 2,
        deployments: [
          { id: 'ecs-svc/1', rolloutState: 'FAILED', rolloutStateReason: 'circuit breaker' },
        ],
      }).problems,
    ).toEqual(['deployment ecs-svc/1 failed: circuit breaker']);
    expect(judgeService({ status: 'DRAINING', runningCount: 0, desiredCount: 0 }).healthy).toBe(
      false,
    );
  });

  it.each([
    ['available', true],
    ['backing-up', true],
    ['modifying', true],
    ['failed', false],
    ['storage-full', false],
    ['incompatible-parameters', false],
    ['inaccessible-encryption-credentials', false],
    ['stopped', false],
  ])('rds: %s → healthy %s', (status, healthy) => {
    expect(judgeDbInstance({ DBInstanceStatus: status }).healthy).toBe(healthy);
  });

  it('efs and fsx: available/updating healthy, errors and misconfiguration not', () => {
    expect(judgeFileSystem({ LifeCycleState: 'available' } as never).healthy).toBe(true);
    expect(judgeFileSystem({ LifeCycleState: 'error' } as never).healthy).toBe(false);
    expect(judgeFsx({ Lifecycle: 'AVAILABLE' }).healthy).toBe(true);
    expect(
      judgeFsx({ Lifecycle: 'MISCONFIGURED', FailureDetails: { Message: 'AD unreachable' } })
        .problems,
    ).toEqual(['file system is MISCONFIGURED, healthy is AVAILABLE or UPDATING', 'AD unreachable']);
  });

  it('elasticache, kinesis, athena, redshift: their own states', () => {
    expect(judgeCacheCluster({ CacheClusterStatus: 'snapshotting' }).healthy).toBe(true);
    expect(judgeCacheCluster({ CacheClusterStatus: 'incompatible-network' }).healthy).toBe(false);
    expect(judgeStream({ StreamStatus: 'UPDATING' } as never).healthy).toBe(true);
    expect(judgeStream({ StreamStatus: 'DELETING' } as never).healthy).toBe(false);
    expect(judgeWorkGroup({ State: 'DISABLED' }).healthy).toBe(false);
    expect(
      judgeRedshiftCluster({ ClusterStatus: 'available', ClusterAvailabilityStatus: 'Maintenance' })
        .healthy,
    ).toBe(true);
    expect(
      judgeRedshiftCluster({ ClusterStatus: 'available', ClusterAvailabilityStatus: 'Failed' })
        .problems,
    ).toEqual(['availability is Failed, healthy is Available or Maintenance']);
  });

  it('vpc: NAT gateway failure and VPN tunnels down are unhealthy', () => {
    expect(judgeVpc({ State: 'available' }).healthy).toBe(true);
    expect(judgeNatGateway({ State: 'failed', FailureMessage: 'no EIP' }).problems).toEqual([
      'NAT gateway is failed, healthy is available',
      'no EIP',
    ]);
    const vpn = {
      State: 'available' as const,
      VgwTelemetry: [
        { OutsideIpAddress: '1.2.3.4', Status: 'UP' as const },
        { OutsideIpAddress: '5.6.7.8', Status: 'DOWN' as const, StatusMessage: 'IPSEC IS DOWN' },
      ],
    };
    expect(judgeVpnConnection(vpn).problems).toEqual(['tunnel 5.6.7.8 is DOWN: IPSEC IS DOWN']);
  });

  it('cloudfront: disabled or unknown status is unhealthy', () => {
    expect(judgeDistribution({ Status: 'Deployed', Enabled: true } as never).healthy).toBe(true);
    expect(judgeDistribution({ Status: 'Deployed', Enabled: false } as never).problems).toEqual([
      'distribution is disabled',
    ]);
  });

  it('apigateway: an API without stages is unhealthy', () => {
    expect(judgeRestApi(2).healthy).toBe(true);
    expect(judgeRestApi(0).healthy).toBe(false);
  });

  it('iam: an active key older than 90 days is unhealthy; inactive old keys are not', () => {
    expect(
      judgeUser(
        [
          { AccessKeyId: 'AKIAOLD', Status: 'Active', CreateDate: daysAgo(120) },
          { AccessKeyId: 'AKIAOFF', Status: 'Inactive', CreateDate: daysAgo(400) },
          { AccessKeyId: 'AKIANEW', Status: 'Active', CreateDate: daysAgo(10) },
        ],
        now,
      ).problems,
    ).toEqual(['the active access key created 2026-02-01 is 120 days old (rotate within 90)']);
    expect(judgeUser([], now).healthy).toBe(true);
  });

  it('iam: a finding never carries the access key id, which is half of a credential', () => {
    const keyId = 'AKIAIOSFODNN7EXAMPLE';
    const health = judgeUser(
      [{ AccessKeyId: keyId, Status: 'Active', CreateDate: daysAgo(91) }],
      now,
    );

    expect(health.healthy).toBe(false);
    expect(JSON.stringify(health)).not.toContain(keyId);
    expect(JSON.stringify(health)).not.toMatch(/A[KS]IA[A-Z0-9]{12,}/);
  });

  it('secretsmanager: scheduled deletion and overdue rotation are unhealthy', () => {
    expect(judgeSecret({ RotationEnabled: true, NextRotationDate: daysAgo(-3) }, now).healthy).toBe(
      true,
    );
    expect(
      judgeSecret({ RotationEnabled: true, NextRotationDate: daysAgo(2) }, now).problems,
    ).toEqual(['rotation overdue since 2026-05-30T00:00:00.000Z']);
    expect(judgeSecret({ DeletedDate: daysAgo(1) }, now).state).toBe('deleting');
  });
});
