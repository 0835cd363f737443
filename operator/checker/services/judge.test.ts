// Unhealthy states moto cannot produce (impaired instances, degraded clusters, failed
// replicas, broken messaging), judged by the services' pure evaluation functions.
import { describe, expect, it } from 'vitest';
import { judgeUserPool } from './cognito-idp.ts';
import { judgeTable } from './dynamodb.ts';
import { judgeInstance, judgeStatus, scheduledEventProblems } from './ec2.ts';
import { judgeCluster } from './eks.ts';

const running = { InstanceId: 'i-1', State: { Name: 'running' as const } };
const ok = { Status: 'ok' as const };

describe('judgeInstance', () => {
  it('is healthy when running with both status checks ok and no events', () => {
    const health = judgeInstance(running, { InstanceStatus: ok, SystemStatus: ok });

    expect(health).toEqual({ healthy: true, state: 'running', problems: [] });
  });

  it('judges an instance from its DescribeInstanceStatus entry alone', () => {
    const impaired = {
      InstanceId: 'i-2',
      InstanceState: { Name: 'running' as const },
      InstanceStatus: ok,
      SystemStatus: { Status: 'impaired' as const },
    };

    expect(judgeStatus(impaired)).toEqual({
      healthy: false,
      state: 'running',
      problems: ['system status is impaired'],
    });
    expect(
      judgeStatus({ ...impaired, InstanceState: { Name: 'stopped' }, SystemStatus: ok }).problems,
    ).toEqual(['instance is stopped, healthy is running']);
  });

  it('is healthy when running before AWS reports a status', () => {
    expect(judgeInstance(running, undefined).healthy).toBe(true);
  });

  it.each([
    [
      { InstanceStatus: { Status: 'impaired' as const }, SystemStatus: ok },
      'instance status is impaired',
    ],
    [
      { InstanceStatus: ok, SystemStatus: { Status: 'impaired' as const } },
      'system status is impaired',
    ],
    [
      { InstanceStatus: { Status: 'insufficient-data' as const }, SystemStatus: ok },
      'instance status has insufficient data',
    ],
  ])('is unhealthy with status %j', (status, problem) => {
    expect(judgeInstance(running, status)).toEqual({
      healthy: false,
      state: 'running',
      problems: [problem],
    });
  });

  it.each(['stopped', 'stopping', 'pending', 'shutting-down'] as const)(
    'is unhealthy when %s',
    (Name) => {
      const health = judgeInstance({ ...running, State: { Name } }, undefined);

      expect(health).toEqual({
        healthy: false,
        state: Name,
        problems: [`instance is ${Name}, healthy is running`],
      });
    },
  );

  it('is unhealthy with a pending scheduled event and healthy once it completed', () => {
    const notBefore = new Date('2026-12-01T00:00:00Z');
    const pending = {
      Code: 'instance-retirement' as const,
      Description: 'The instance is running on degraded hardware',
      NotBefore: notBefore,
    };
    const done = {
      ...pending,
      Description: '[Completed] The instance is running on degraded hardware',
    };
    const canceled = { ...pending, Description: '[Canceled] maintenance' };

    expect(scheduledEventProblems({ Events: [pending] })).toEqual([
      'scheduled instance-retirement from 2026-12-01T00:00:00.000Z: The instance is running on degraded hardware',
    ]);
    expect(
      judgeInstance(running, { InstanceStatus: ok, SystemStatus: ok, Events: [pending] }).healthy,
    ).toBe(false);
    expect(
      judgeInstance(running, { InstanceStatus: ok, SystemStatus: ok, Events: [done, canceled] })
        .healthy,
    ).toBe(true);
  });
});

describe('judgeCluster', () => {
  it.each(['ACTIVE', 'UPDATING'] as const)('is healthy when %s without issues', (status) => {
    expect(judgeCluster({ status, health: { issues: [] } })).toEqual({
      healthy: true,
      state: status,
      problems: [],
    });
  });

  it.each(['CREATING', 'DELETING', 'FAILED', 'PENDING'] as const)(
    'is unhealthy when %s',
    (status) => {
      expect(judgeCluster({ status }).problems).toEqual([
        `cluster is ${status}, healthy is ACTIVE or UPDATING`,
      ]);
    },
  );

  it('is unhealthy when ACTIVE with health issues, listing each', () => {
    const cluster = {
      status: 'ACTIVE' as const,
      health: {
        issues: [
          { code: 'Ec2SubnetNotFound' as const, message: 'subnet-1 was deleted' },
          { code: 'IamRoleNotFound' as const, message: 'role gone' },
        ],
      },
    };

    expect(judgeCluster(cluster)).toEqual({
      healthy: false,
      state: 'ACTIVE',
      problems: ['Ec2SubnetNotFound: subnet-1 was deleted', 'IamRoleNotFound: role gone'],
    });
  });
});

describe('judgeTable', () => {
  it('is healthy when ACTIVE with active indexes and replicas', () => {
    const table = {
      TableStatus: 'ACTIVE' as const,
      GlobalSecondaryIndexes: [{ IndexName: 'byUser', IndexStatus: 'ACTIVE' as const }],
      Replicas: [{ RegionName: 'eu-west-1', ReplicaStatus: 'ACTIVE' as const }],
    };

    expect(judgeTable(table).healthy).toBe(true);
  });

  it.each(['CREATING', 'DELETING', 'INACCESSIBLE_ENCRYPTION_CREDENTIALS', 'ARCHIVED'] as const)(
    'is unhealthy when the table is %s',
    (TableStatus) => {
      expect(judgeTable({ TableStatus }).problems).toEqual([
        `table is ${TableStatus}, healthy is ACTIVE or UPDATING`,
      ]);
    },
  );

  it('is unhealthy with a deleting index or a failed replica', () => {
    const table = {
      TableStatus: 'ACTIVE' as const,
      GlobalSecondaryIndexes: [{ IndexName: 'byUser', IndexStatus: 'DELETING' as const }],
      Replicas: [{ RegionName: 'eu-west-1', ReplicaStatus: 'REGION_DISABLED' as const }],
    };

    expect(judgeTable(table).problems).toEqual([
      'index byUser is DELETING, healthy is ACTIVE or CREATING or UPDATING',
      'replica in eu-west-1 is REGION_DISABLED',
    ]);
  });
});

describe('judgeUserPool', () => {
  it('is healthy without failures or domain', () => {
    expect(judgeUserPool({ Id: 'us-east-1_a' })).toEqual({
      healthy: true,
      state: 'available',
      problems: [],
    });
  });

  it('is unhealthy when SMS or email cannot be sent or the domain is not ACTIVE', () => {
    const pool = {
      SmsConfigurationFailure: 'SNS sandbox',
      EmailConfigurationFailure: 'SES unverified',
    };

    expect(judgeUserPool(pool, 'FAILED')).toEqual({
      healthy: false,
      state: 'impaired',
      problems: [
        'SMS: SNS sandbox',
        'email: SES unverified',
        'domain is FAILED, healthy is ACTIVE',
      ],
    });
    expect(judgeUserPool({}, 'ACTIVE').healthy).toBe(true);
  });
});
