import { describe, expect, it } from 'vitest';
import type { AwsCheck } from '../api/v1alpha1/awscheck.ts';
import type { Condition } from '../api/v1alpha1/common.ts';
import { age, reasonOf, renderTable, statusTable, type CheckListItem } from './table.ts';

const NOW = new Date('2026-03-02T12:00:00Z');

function condition(type: string, status: Condition['status'], reason: string): Condition {
  return {
    type,
    status,
    reason,
    message: `${type} ${reason}`,
    lastTransitionTime: '2026-03-01T00:00:00Z',
    observedGeneration: 1,
  };
}

function check(
  namespace: string,
  name: string,
  conditions: Condition[] | undefined,
  extra: { suspend?: boolean; completed?: string; generation?: number } = {},
): CheckListItem {
  return {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCheck',
    metadata: {
      namespace,
      name,
      generation: extra.generation ?? 1,
      creationTimestamp: '2026-03-01T09:00:00Z',
    },
    spec: {
      credentialRef: { name: 'prod' },
      service: 'ec2',
      type: 'HealthCheck',
      schedule: '@daily',
      suspend: extra.suspend ?? false,
      firstRun: 'Immediately',
      timeoutSeconds: 300,
    },
    ...(conditions !== undefined && {
      status: {
        observedGeneration: 1,
        conditions,
        ...(extra.completed !== undefined && {
          lastRun: {
            jobName: `${name}-g1`,
            startTime: extra.completed,
            completionTime: extra.completed,
            outcome: 'Succeeded' as const,
            message: 'ok',
          },
        }),
      },
    }),
  };
}

const READY = condition('Ready', 'True', 'Scheduled');

describe('reasonOf', () => {
  it.each<[string, AwsCheck, string]>([
    ['no status yet', check('a', 'x', undefined), 'NotObservedYet'],
    [
      'a spec the operator has not seen',
      check('a', 'x', [READY], { generation: 2 }),
      'NotObservedYet',
    ],
    [
      'Ready False: its reason',
      check('a', 'x', [
        condition('Ready', 'False', 'PlanLimitExceeded'),
        condition('Healthy', 'False', 'PermissionDenied'),
      ]),
      'PlanLimitExceeded',
    ],
    [
      'suspended',
      check('a', 'x', [READY, condition('Healthy', 'True', 'RunSucceeded')], { suspend: true }),
      'Suspended',
    ],
    [
      'a failed run: its reason',
      check('a', 'x', [READY, condition('Healthy', 'False', 'PermissionDenied')]),
      'PermissionDenied',
    ],
    [
      'no run yet',
      check('a', 'x', [READY, condition('Healthy', 'Unknown', 'AwaitingFirstRun')]),
      'AwaitingFirstRun',
    ],
    [
      'all well: nothing',
      check('a', 'x', [READY, condition('Healthy', 'True', 'RunSucceeded')]),
      '',
    ],
  ])('%s → %j', (_, theCheck, reason) => {
    expect(reasonOf(theCheck)).toBe(reason);
  });
});

describe('age', () => {
  it.each([
    [0, '0s'],
    [119, '119s'],
    [150, '2m30s'],
    [600, '10m'],
    [3 * 3600, '3h'],
    [3 * 3600 + 120, '3h2m'],
    [30 * 3600, '30h'],
    [3 * 86_400 + 3600, '3d1h'],
    [20 * 86_400, '20d'],
  ])('%d seconds → %s', (seconds, text) => {
    expect(age(new Date(NOW.getTime() - seconds * 1000), NOW)).toBe(text);
  });
});

describe('statusTable', () => {
  it('aligns columns as kubectl does, sorted by namespace and name, with reasons', () => {
    const table = statusTable(
      [
        check('team-b', 'buckets', [
          condition('Ready', 'False', 'SubscriptionInactive'),
          condition('Healthy', 'Unknown', 'AwaitingFirstRun'),
        ]),
        check('team-a', 'web', [READY, condition('Healthy', 'False', 'ResourcesUnhealthy')], {
          completed: '2026-03-02T11:57:00Z',
        }),
        check('team-a', 'api', [READY, condition('Healthy', 'True', 'RunSucceeded')], {
          completed: '2026-03-02T11:59:30Z',
        }),
      ],
      NOW,
    );

    expect(table).toBe(
      [
        'NAMESPACE   NAME      READY   HEALTHY   REASON                 LAST-RUN   AGE',
        'team-a      api       True    True      -                      30s ago    27h',
        'team-a      web       True    False     ResourcesUnhealthy     3m ago     27h',
        'team-b      buckets   False   Unknown   SubscriptionInactive   <none>     27h',
        '',
      ].join('\n'),
    );
  });

  it('renders a header alone for no rows', () => {
    expect(renderTable(['A', 'BB'], [])).toBe('A   BB\n');
  });
});
