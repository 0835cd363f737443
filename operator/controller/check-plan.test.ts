import { RECORDED_LABEL } from '../labels.ts';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { AwsCheck, AwsCheckSpec, AwsCheckStatus } from '../api/v1alpha1/awscheck.ts';
import type { AwsCredentialRef, AwsCredentialRefSpec } from '../api/v1alpha1/awscredentialref.ts';
import type { Condition } from '../api/v1alpha1/common.ts';
import { CheckerResultSchema, type RunResult } from '../checker/result.ts';
import { loadConfig, type OperatorConfig } from '../config.ts';
import { RUN_NOW_ANNOTATION } from '../labels.ts';
import { foldRuns, planCheck, type CheckFacts } from './check-plan.ts';
import { findCondition } from './conditions.ts';
import { initialJobName, runNowJobName } from './names.ts';
import type { RunObservation } from './run-outcome.ts';

const config = loadConfig({ AWSCHECK_CHECKER_IMAGE: 'img', AWSCHECK_NAMESPACE: 'ops' });
const NOW = new Date('2024-06-01T12:30:00Z');
const ROLE = 'arn:aws:iam::123456789012:role/ReadOnly';
const PLATFORM = {
  roleArn: 'arn:aws:iam::210987654321:role/AwsCheckPlatform',
  audience: 'awscheck.io/checker',
};
const permissive: OperatorConfig = { ...config, platformIdentity: PLATFORM };

function check(
  spec: Partial<AwsCheckSpec> = {},
  extra: { status?: AwsCheckStatus; token?: string } = {},
): AwsCheck {
  return {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCheck',
    metadata: {
      name: 'web',
      namespace: 'team-a',
      uid: 'check-uid',
      generation: 2,
      ...(extra.token !== undefined && { annotations: { [RUN_NOW_ANNOTATION]: extra.token } }),
    },
    spec: {
      credentialRef: { name: 'prod' },
      service: 'ec2',
      type: 'HealthCheck',
      schedule: '@daily',
      suspend: false,
      firstRun: 'Immediately',
      timeoutSeconds: 300,
      ...spec,
    },
    ...(extra.status !== undefined && { status: extra.status }),
  };
}

function readyCondition(status: Condition['status'], reason: string): Condition {
  return {
    type: 'Ready',
    status,
    observedGeneration: 1,
    lastTransitionTime: '2024-06-01T00:00:00Z',
    reason,
    message: `credentials ${reason}`,
  };
}

function credentialRef(
  spec: Partial<AwsCredentialRefSpec> = { secretRef: { name: 'keys' } },
  ready: Condition = readyCondition('True', 'Validated'),
): AwsCredentialRef {
  return {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCredentialRef',
    metadata: { name: 'prod', namespace: 'team-a', generation: 1 },
    spec: { region: 'us-east-1', ...spec },
    status: { conditions: [ready] },
  };
}

function facts(
  theCheck: AwsCheck,
  runs: RunObservation[] = [],
  credential: CheckFacts['credential'] = credentialRef(),
): CheckFacts {
  return { check: theCheck, credential, externalId: 'ext-1', runs, now: NOW };
}

/** finishedRun is a run whose checker wrote a valid result, started at `start`. */
function finishedRun(name: string, start: string, outcome: 'Succeeded' | 'Failed'): RunObservation {
  const failed = outcome === 'Failed';
  const result: RunResult = {
    kind: 'run',
    service: 'ec2',
    type: 'health_check',
    v: 1,
    outcome,
    ...(failed && { reason: 'ResourcesUnhealthy' as const }),
    message: failed ? '1 unhealthy' : 'all healthy',
    startTime: start,
    durationMs: 1000,
    truncated: false,
    resources: 2,
    unhealthy: failed ? 1 : 0,
    regions: { 'us-east-1': { resources: 2, unhealthy: failed ? 1 : 0 } },
    findings: [],
  };
  const finished = new Date(Date.parse(start) + 60_000);
  const job: V1Job = {
    metadata: { name },
    status: {
      startTime: new Date(start),
      completionTime: finished,
      conditions: [{ type: failed ? 'Failed' : 'Complete', status: 'True' }],
    },
  };
  const pod: V1Pod = {
    status: {
      containerStatuses: [
        {
          name: 'checker',
          image: 'img',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: {
            terminated: {
              exitCode: failed ? 2 : 0,
              message: JSON.stringify(CheckerResultSchema.parse(result)),
            },
          },
        },
      ],
    },
  };
  return { job, pod };
}

/** markRecorded labels the Jobs the operator marked after writing the status. */
function markRecorded(runs: readonly RunObservation[], names: readonly string[]): RunObservation[] {
  return runs.map(({ job, pod }) => {
    const name = job.metadata?.name ?? '';
    if (!names.includes(name)) return { job, pod };
    const labels = { [RECORDED_LABEL]: 'true' };
    return { job: Object.assign({}, job, { metadata: { name, labels } }), pod };
  });
}

function runningRun(name: string): RunObservation {
  return { job: { metadata: { name }, status: { startTime: NOW } }, pod: undefined };
}

function condition(status: AwsCheckStatus, type: string): Condition | undefined {
  return findCondition(status.conditions, type);
}

describe('planCheck: setup gate', () => {
  it('plans nothing for a missing credential ref and says why', () => {
    const plan = planCheck(
      facts(check(), [], { problem: 'AwsCredentialRef prod not found' }),
      config,
    );
    expect(plan.cronJob).toBeUndefined();
    expect(plan.jobs).toEqual([]);
    expect(condition(plan.status, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'InvalidConfiguration',
      message: 'AwsCredentialRef prod not found',
    });
    expect(condition(plan.status, 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'InvalidConfiguration',
    });
    expect(plan.status.cronJobName).toBeUndefined();
    expect(plan.status.nextScheduleTime).toBeUndefined();
  });

  it.each([
    ['refuses', config, false],
    ['allows', permissive, true],
  ])('%s the platform identity as the operator is configured', (_rule, theConfig, allowed) => {
    const roleOnly = credentialRef({ assumeRole: { roleArn: ROLE, durationSeconds: 900 } });
    const plan = planCheck(facts(check(), [], roleOnly), theConfig);
    expect(plan.cronJob !== undefined).toBe(allowed);
    expect(condition(plan.status, 'Ready')?.status).toBe(allowed ? 'True' : 'False');
    expect(condition(plan.status, 'Stalled') !== undefined).toBe(!allowed);
  });

  it('allows assumeRole from keys whatever the configuration', () => {
    const both = credentialRef({
      secretRef: { name: 'keys' },
      assumeRole: { roleArn: ROLE, durationSeconds: 900 },
    });
    expect(planCheck(facts(check(), [], both), config).cronJob).toBeDefined();
  });

  it.each([
    ['failed validation', readyCondition('False', 'AuthenticationFailed'), 'AuthenticationFailed'],
    ['pending validation', readyCondition('Unknown', 'CredentialsPending'), 'CredentialsPending'],
  ])(
    'is not Ready with the credential ref’s reason after a %s, but plans the CronJob',
    (_case, ready, reason) => {
      const plan = planCheck(facts(check(), [], credentialRef(undefined, ready)), config);
      expect(plan.cronJob).toBeDefined();
      expect(plan.jobs.map((j) => j.metadata?.name)).toEqual([initialJobName('web')]);
      expect(condition(plan.status, 'Ready')).toMatchObject({ status: 'False', reason });
      expect(condition(plan.status, 'Ready')?.message).toContain('AwsCredentialRef prod');
    },
  );
});

describe('planCheck: the CronJob', () => {
  const plan = planCheck(facts(check({ timeoutSeconds: 120, timeZone: 'Europe/Berlin' })), config);

  it('never runs twice at once and never retries', () => {
    expect(plan.cronJob?.spec).toMatchObject({
      schedule: '@daily',
      timeZone: 'Europe/Berlin',
      suspend: false,
      concurrencyPolicy: 'Forbid',
    });
    expect(plan.cronJob?.spec.jobTemplate.spec).toMatchObject({
      backoffLimit: 0,
      activeDeadlineSeconds: 150,
    });
  });

  it('is owned by the check', () => {
    expect(plan.cronJob?.metadata?.ownerReferences).toEqual([
      {
        apiVersion: 'awscheck.io/v1alpha1',
        kind: 'AwsCheck',
        name: 'web',
        uid: 'check-uid',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });

  it('records its name and the next run in the status', () => {
    expect(plan.status).toMatchObject({
      cronJobName: 'web',
      nextScheduleTime: '2024-06-01T22:00:00Z',
      observedGeneration: 2,
    });
  });

  it('has no next run while suspended', () => {
    const suspended = planCheck(facts(check({ suspend: true })), config);
    expect(suspended.cronJob?.spec.suspend).toBe(true);
    expect(suspended.status.nextScheduleTime).toBeUndefined();
  });
});

describe('planCheck: runs outside the schedule', () => {
  const lastRun = finishedRun('web-1', '2024-06-01T00:00:00Z', 'Succeeded');

  it.each([
    ['starts the initial run of a new check', check(), [], [initialJobName('web')]],
    ['starts no initial run without runOnCreate', check({ firstRun: 'OnSchedule' }), [], []],
    ['starts no initial run while suspended', check({ suspend: true }), [], []],
    ['starts no initial run once a run exists', check(), [runningRun('web-initial')], []],
    ['starts no initial run once a run was recorded', check({}, { status: {} }), [lastRun], []],
  ])('%s', (_rule, theCheck, runs, names) => {
    const plan = planCheck(facts(theCheck, runs), config);
    expect(plan.jobs.map((j) => j.metadata?.name)).toEqual(names);
  });

  it('gives the initial run the CronJob’s template, labels and owner', () => {
    const plan = planCheck(facts(check()), config);
    const [initial] = plan.jobs;
    expect(initial?.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 330 });
    expect(initial?.metadata?.labels?.['awscheck.io/run']).toBe('initial');
    expect(initial?.metadata?.ownerReferences?.[0]?.uid).toBe('check-uid');
  });

  it('starts one run-now Job for a new token and records the token', () => {
    const recorded = { lastRun: { ...fold(lastRun) }, runNowToken: 'old' };
    const plan = planCheck(facts(check({}, { status: recorded, token: 'new' }), [lastRun]), config);
    expect(plan.jobs.map((j) => j.metadata?.name)).toEqual([runNowJobName('web', 'new')]);
    expect(plan.jobs[0]?.metadata?.labels?.['awscheck.io/run']).toBe('run-now');
    expect(plan.status.runNowToken).toBe('new');
  });

  it('starts no run for a token already handled', () => {
    const recorded = { lastRun: fold(lastRun), runNowToken: 'same' };
    const plan = planCheck(
      facts(check({}, { status: recorded, token: 'same' }), [lastRun]),
      config,
    );
    expect(plan.jobs).toEqual([]);
  });

  it('starts no run-now Job while the setup is invalid', () => {
    const plan = planCheck(
      facts(check({}, { status: {}, token: 'new' }), [], { problem: 'missing' }),
      config,
    );
    expect(plan.jobs).toEqual([]);
    expect(plan.status.runNowToken).toBeUndefined();
  });
});

/** fold is the LastRun a single finished run becomes. */
function fold(run: RunObservation): NonNullable<AwsCheckStatus['lastRun']> {
  const { lastRun } = foldRuns({}, [run]).status;
  if (lastRun === undefined) throw new Error('the run did not finish');
  return lastRun;
}

describe('foldRuns', () => {
  const ok1 = finishedRun('web-1', '2024-06-01T01:00:00Z', 'Succeeded');
  const bad2 = finishedRun('web-2', '2024-06-01T02:00:00Z', 'Failed');
  const bad3 = finishedRun('web-3', '2024-06-01T03:00:00Z', 'Failed');
  const ok4 = finishedRun('web-4', '2024-06-01T04:00:00Z', 'Succeeded');

  it.each<{
    rule: string;
    current: AwsCheckStatus;
    runs: RunObservation[];
    last: string;
    failures: number;
  }>([
    {
      rule: 'counts consecutive failures',
      current: {},
      runs: [bad2, bad3],
      last: 'web-3',
      failures: 2,
    },
    {
      rule: 'adds to failures already counted',
      current: { consecutiveFailures: 4 },
      runs: [bad2],
      last: 'web-2',
      failures: 5,
    },
    {
      rule: 'resets the count on success',
      current: { consecutiveFailures: 4 },
      runs: [bad2, ok4],
      last: 'web-4',
      failures: 0,
    },
    {
      rule: 'processes runs oldest first',
      current: {},
      runs: [ok4, bad3, bad2, ok1],
      last: 'web-4',
      failures: 0,
    },
    {
      rule: 'counts failures after the latest success',
      current: {},
      runs: [bad3, ok1, bad2],
      last: 'web-3',
      failures: 2,
    },
    {
      rule: 'ignores runs still going',
      current: {},
      runs: [bad2, runningRun('web-9')],
      last: 'web-2',
      failures: 1,
    },
  ])('$rule', ({ current, runs, last, failures }) => {
    const { status } = foldRuns(current, runs);
    expect(status.lastRun?.jobName).toBe(last);
    expect(status.consecutiveFailures).toBe(failures);
  });

  it('sets lastSuccessfulTime to the latest success’s completion', () => {
    const { status } = foldRuns({}, [ok1, bad2]);
    expect(status.lastSuccessfulTime).toBe('2024-06-01T01:01:00Z');
    expect(status.lastRun?.jobName).toBe('web-2');
  });

  it('emits one Event per new run, oldest first', () => {
    const { events } = foldRuns({}, [bad3, ok1, bad2]);
    expect(events).toEqual([
      { type: 'Normal', reason: 'RunSucceeded', message: 'web-1: all healthy', key: 'web-1' },
      {
        type: 'Warning',
        reason: 'ResourcesUnhealthy',
        message: 'web-2: 1 unhealthy',
        key: 'web-2',
      },
      {
        type: 'Warning',
        reason: 'ResourcesUnhealthy',
        message: 'web-3: 1 unhealthy',
        key: 'web-3',
      },
    ]);
  });

  it('never counts the recorded run again', () => {
    const first = foldRuns({}, [ok1, bad2]);
    const again = foldRuns(first.status, markRecorded([ok1, bad2], first.recorded));
    expect(again.status).toEqual(first.status);
    expect(again.events).toEqual([]);
  });

  it('adds only the runs not yet recorded', () => {
    const first = foldRuns({}, [ok1, bad2]);
    const later = foldRuns(first.status, [...markRecorded([ok1, bad2], first.recorded), bad3]);
    expect(later.status.consecutiveFailures).toBe(2);
    expect(later.events.map((e) => e.key)).toEqual(['web-3']);
  });

  it('changes nothing without finished runs', () => {
    const current: AwsCheckStatus = { consecutiveFailures: 1 };
    expect(foldRuns(current, [runningRun('web-5')])).toEqual({
      status: current,
      events: [],
      recorded: [],
    });
  });

  it('counts two runs that started in the same second once each', () => {
    const a = finishedRun('web-initial', '2024-06-01T01:00:00Z', 'Failed');
    const b = finishedRun('web-now-x', '2024-06-01T01:00:00Z', 'Failed');
    const first = foldRuns({}, [a, b]);
    const again = foldRuns(first.status, markRecorded([a, b], first.recorded));
    expect(first.status.consecutiveFailures).toBe(2);
    expect(again.status).toEqual(first.status);
    expect(again.events).toEqual([]);
  });

  it('counts a run that started before the recorded one but ended after it', () => {
    const early = finishedRun('web-2800', '2024-06-01T01:00:00Z', 'Failed');
    const recorded = finishedRun('web-now-x', '2024-06-01T01:05:00Z', 'Succeeded');
    const first = foldRuns({}, [recorded]);
    const later = foldRuns(first.status, [...markRecorded([recorded], first.recorded), early]);
    expect(later.status.consecutiveFailures).toBe(1);
    expect(later.events.map((e) => e.key)).toEqual(['web-2800']);
  });
});

describe('planCheck: Healthy follows the latest run', () => {
  it.each([
    ['Unknown before any run', [], 'Unknown', 'AwaitingFirstRun'],
    [
      'True after a success',
      [finishedRun('web-1', '2024-06-01T01:00:00Z', 'Succeeded')],
      'True',
      'RunSucceeded',
    ],
    [
      'False with the run’s reason after a failure',
      [finishedRun('web-1', '2024-06-01T01:00:00Z', 'Failed')],
      'False',
      'ResourcesUnhealthy',
    ],
  ])('%s', (_rule, runs, status, reason) => {
    const plan = planCheck(facts(check({ firstRun: 'OnSchedule' }), runs), config);
    expect(condition(plan.status, 'Healthy')).toMatchObject({ status, reason });
  });
});

describe('planCheck: steady state', () => {
  it.each([
    ['a healthy check', check(), credentialRef()],
    ['a check without credentials', check(), { problem: 'AwsCredentialRef prod not found' }],
    ['a suspended check', check({ suspend: true }), credentialRef()],
    ['a check after run-now', check({}, { token: 't1' }), credentialRef()],
  ] as const)('planning %s from its own status writes nothing', (_case, theCheck, credential) => {
    const runs = [
      finishedRun('web-initial', '2024-06-01T01:00:00Z', 'Succeeded'),
      finishedRun('web-2', '2024-06-01T02:00:00Z', 'Failed'),
    ];
    const first = planCheck(facts(theCheck, runs, credential), config);
    const resynced = { ...theCheck, status: first.status };
    const recordedRuns = markRecorded(runs, first.recorded);
    const later = {
      ...facts(resynced, recordedRuns, credential),
      now: new Date('2024-06-01T12:45:00Z'),
    };
    const second = planCheck(later, config);
    expect(second.status).toEqual(first.status);
    expect(second.events).toEqual([]);
    expect(second.jobs).toEqual([]);
  });
});
