import { describe, expect, it } from 'vitest';
import type { AwsCheck, AwsCheckStatus } from '../api/v1alpha1/awscheck.ts';
import type { Condition } from '../api/v1alpha1/common.ts';
import type { LastRun } from '../controller/run-outcome.ts';
import { formatRun, judgeWait, runNowToken, runOutcomeOf } from './run-wait.ts';

const TOKEN = 'kubectl-20260302t120000z-0a0b0c0d';
const JOB = 'web-now-1234abcd';

function check(status: AwsCheckStatus | undefined, annotation = TOKEN): AwsCheck {
  return {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCheck',
    metadata: {
      namespace: 'team-a',
      name: 'web',
      generation: 1,
      annotations: { 'awscheck.io/run-now': annotation },
    },
    spec: {
      credentialRef: { name: 'prod' },
      service: 'ec2',
      type: 'HealthCheck',
      schedule: '@daily',
      suspend: false,
      firstRun: 'Immediately',
      timeoutSeconds: 300,
    },
    ...(status !== undefined && { status }),
  };
}

function condition(type: string, reason: string): Condition {
  return {
    type,
    status: 'True',
    reason,
    message: `says ${reason}`,
    lastTransitionTime: '2026-03-01T00:00:00Z',
    observedGeneration: 1,
  };
}

const RUN: LastRun = {
  jobName: JOB,
  startTime: '2026-03-02T12:00:01Z',
  completionTime: '2026-03-02T12:00:03Z',
  durationMs: 1500,
  outcome: 'Failed',
  reason: 'PermissionDenied',
  message: 'ec2:DescribeInstances was denied',
  resources: 0,
  unhealthy: 0,
  error: {
    category: 'PermissionDenied',
    code: 'UnauthorizedOperation',
    message: 'You are not authorized',
    region: 'us-east-1',
    operation: 'ec2:DescribeInstances',
  },
};

describe('runNowToken', () => {
  it('is a valid annotation value that says when and is unique per request', () => {
    const token = runNowToken(new Date('2026-03-02T12:00:00.123Z'), Buffer.from([1, 2, 3, 4]));

    expect(token).toBe('kubectl-20260302t120000z-01020304');
    expect(runNowToken(new Date())).not.toBe(runNowToken(new Date()));
  });
});

describe('judgeWait', () => {
  it.each<[string, AwsCheckStatus | undefined, ReturnType<typeof judgeWait>]>([
    ['no status yet', undefined, { state: 'Requested', note: undefined }],
    [
      'an older token recorded',
      { runNowToken: 'before', cronJobName: 'web' },
      { state: 'Requested', note: undefined },
    ],
    [
      'the token recorded: the Job exists',
      { runNowToken: TOKEN, cronJobName: 'web' },
      { state: 'Started', note: undefined },
    ],
    [
      'the checker cannot start: said, still waiting',
      {
        runNowToken: TOKEN,
        cronJobName: 'web',
        conditions: [condition('Reconciling', 'RunNotStarting')],
      },
      { state: 'Started', note: 'RunNotStarting: says RunNotStarting' },
    ],
    [
      'the run recorded as lastRun',
      { runNowToken: TOKEN, lastRun: RUN, recordedRuns: [JOB] },
      { state: 'Finished', run: RUN },
    ],
    [
      'recorded, but a later run is lastRun',
      {
        runNowToken: TOKEN,
        lastRun: { ...RUN, jobName: 'web-28000000' },
        recordedRuns: [JOB, 'web-28000000'],
      },
      { state: 'Superseded', by: 'web-28000000' },
    ],
    [
      'Stalled without a CronJob: no run will start',
      { conditions: [condition('Stalled', 'PlanLimitExceeded')] },
      { state: 'Refused', message: 'PlanLimitExceeded: says PlanLimitExceeded' },
    ],
    [
      'Stalled with a CronJob (refused credentials): runs still start',
      { cronJobName: 'web', conditions: [condition('Stalled', 'AuthenticationFailed')] },
      { state: 'Requested', note: undefined },
    ],
  ])('%s', (_, status, state) => {
    expect(judgeWait(check(status), { token: TOKEN, jobName: JOB, started: false })).toEqual(state);
  });

  it.each<[string, AwsCheckStatus | undefined, boolean, ReturnType<typeof judgeWait>]>([
    [
      'another token overwrote ours unread',
      { runNowToken: 'before', cronJobName: 'web' },
      false,
      { state: 'Replaced', by: 'other' },
    ],
    [
      'the other token was already read: ours never was',
      { runNowToken: 'other', cronJobName: 'web' },
      false,
      { state: 'Replaced', by: 'other' },
    ],
    [
      'ours was seen started, then the other token was read: ours runs',
      { runNowToken: 'other', cronJobName: 'web' },
      true,
      { state: 'Started', note: undefined },
    ],
  ])('%s', (_, status, started, state) => {
    const request = { token: TOKEN, jobName: JOB, started };

    expect(judgeWait(check(status, 'other'), request)).toEqual(state);
  });
});

describe('runOutcomeOf', () => {
  const events = [
    { type: 'Normal', reason: 'RunSucceeded', message: 'web-28000000: 3 resources' },
    { type: 'Warning', reason: 'PermissionDenied', message: `${JOB}: ec2 was denied` },
  ];

  it("reads the outcome of the run's own Event", () => {
    expect(runOutcomeOf(events, JOB)).toEqual({
      succeeded: false,
      reason: 'PermissionDenied',
      message: 'ec2 was denied',
    });
    expect(runOutcomeOf(events, 'web-28000000')).toMatchObject({ succeeded: true });
  });

  it('is undefined until that Event is recorded', () => {
    expect(runOutcomeOf(events, 'web-now-ffffffff')).toBeUndefined();
  });
});

describe('formatRun', () => {
  it('says the outcome, the reason, the AWS error and the counts', () => {
    expect(formatRun('web', RUN)).toBe(
      [
        `awscheck/web run ${JOB}: Failed (PermissionDenied) in 1.5s`,
        '  ec2:DescribeInstances was denied (code UnauthorizedOperation, call ec2:DescribeInstances, region us-east-1)',
        '  resources: 0, unhealthy: 0',
        '',
      ].join('\n'),
    );
  });

  it('lists findings and says when they were shortened', () => {
    const run: LastRun = {
      ...RUN,
      outcome: 'Failed',
      reason: 'ResourcesUnhealthy',
      message: '1 of 3 unhealthy',
      resources: 3,
      unhealthy: 1,
      findings: [
        {
          region: 'us-east-1',
          id: 'i-0abc',
          state: 'impaired',
          problems: ['system status impaired', 'scheduled reboot'],
        },
      ],
      truncated: true,
    };
    delete (run as { error?: unknown }).error;

    expect(formatRun('web', run)).toContain(
      '  - us-east-1 i-0abc (impaired): system status impaired; scheduled reboot\n  (shortened; the full detail is in: kubectl awscheck logs web)',
    );
  });
});
