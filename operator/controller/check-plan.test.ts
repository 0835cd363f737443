import type { V1ContainerState, V1Job, V1Pod } from '@kubernetes/client-node';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AwsCheck, AwsCheckSpec, AwsCheckStatus } from '../api/v1alpha1/awscheck.ts';
import type { AwsCredentialRef, AwsCredentialRefSpec } from '../api/v1alpha1/awscredentialref.ts';
import type { Condition } from '../api/v1alpha1/common.ts';
import { CheckerResultSchema, type RunResult } from '../checker/result.ts';
import { loadConfig, type OperatorConfig } from '../config.ts';
import {
  CHECK_LABEL,
  CHECK_NAME_ANNOTATION,
  GENERATION_ANNOTATION,
  RUN_NOW_ANNOTATION,
} from '../labels.ts';
import {
  foldRuns,
  judgeRuns,
  planCheck,
  refusedStatus,
  withReportedBlocks,
  type CheckFacts,
} from './check-plan.ts';
import { UNLIMITED, type PlanGate } from './plan-limits.ts';
import { findCondition } from './conditions.ts';
import { generationJobName, runNowJobName } from './names.ts';
import { POD_SETTLE_MS, type RunObservation } from './run-outcome.ts';

const config = loadConfig({ AWSCHECK_CHECKER_IMAGE: 'img', AWSCHECK_NAMESPACE: 'ops' });
const ROLE = 'arn:aws:iam::123456789012:role/ReadOnly';
const PLATFORM = {
  roleArn: 'arn:aws:iam::210987654321:role/AwsCheckPlatform',
  audience: 'awscheck.io/checker',
};
const permissive: OperatorConfig = { ...config, platformIdentity: PLATFORM };
const NOW = new Date('2024-06-01T12:30:00Z');
const UID = 'check-uid';
const GENERATION = 2;

function check(
  spec: Partial<AwsCheckSpec> = {},
  extra: { status?: AwsCheckStatus; token?: string; name?: string } = {},
): AwsCheck {
  return {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCheck',
    metadata: {
      name: extra.name ?? 'web',
      namespace: 'team-a',
      uid: UID,
      generation: GENERATION,
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
  return { check: theCheck, credential, externalId: 'ext-1', plan: UNLIMITED, runs, now: NOW };
}

interface RunShape {
  readonly outcome?: 'Succeeded' | 'Failed';
  /** The generation the run's Job was made for. */
  readonly generation?: number;
  /** Seconds from start to the Job's completion. */
  readonly seconds?: number;
  /** Whether the Job is controlled by the check itself (not by its CronJob). */
  readonly direct?: boolean;
}

/** finishedRun is a run whose checker wrote a valid result, started at `start`. */
function finishedRun(name: string, start: string, shape: RunShape = {}): RunObservation {
  const failed = shape.outcome === 'Failed';
  const job = runJob(name, start, shape);
  job.status = {
    startTime: new Date(start),
    completionTime: new Date(Date.parse(start) + (shape.seconds ?? 60) * 1000),
    conditions: [{ type: failed ? 'Failed' : 'Complete', status: 'True' }],
  };
  const message = JSON.stringify(CheckerResultSchema.parse(runResult(start, failed)));
  return { job, pod: checkerPod({ terminated: { exitCode: failed ? 2 : 0, message } }) };
}

function runResult(start: string, failed: boolean): RunResult {
  const unhealthy = failed ? 1 : 0;
  return {
    kind: 'run',
    service: 'ec2',
    type: 'health_check',
    v: 1,
    outcome: failed ? 'Failed' : 'Succeeded',
    ...(failed && { reason: 'ResourcesUnhealthy' as const }),
    message: failed ? '1 unhealthy' : 'all healthy',
    startTime: start,
    durationMs: 1000,
    truncated: false,
    resources: 2,
    unhealthy,
    regions: { 'us-east-1': { resources: 2, unhealthy } },
    findings: [],
  };
}

function runJob(name: string, start: string, shape: RunShape = {}): V1Job {
  const { generation = GENERATION, direct = true } = shape;
  return {
    metadata: {
      name,
      uid: `${name}-uid`,
      annotations: { [GENERATION_ANNOTATION]: String(generation) },
      ownerReferences: [
        {
          apiVersion: direct ? 'awscheck.io/v1alpha1' : 'batch/v1',
          kind: direct ? 'AwsCheck' : 'CronJob',
          name: 'web',
          uid: direct ? UID : 'cronjob-uid',
          controller: true,
        },
      ],
    },
    spec: { template: {}, activeDeadlineSeconds: 330 },
    status: { startTime: new Date(start) },
  };
}

function checkerPod(state: V1ContainerState): V1Pod {
  return {
    status: {
      containerStatuses: [
        { name: 'checker', image: 'img', imageID: '', ready: false, restartCount: 0, state },
      ],
    },
  };
}

function runningRun(name: string, shape: RunShape = {}): RunObservation {
  return { job: runJob(name, '2024-06-01T12:29:00Z', shape), pod: undefined };
}

function condition(status: AwsCheckStatus, type: string): Condition | undefined {
  return findCondition(status.conditions, type);
}

function fold(
  current: AwsCheckStatus,
  runs: readonly RunObservation[],
): ReturnType<typeof foldRuns> {
  return foldRuns(current, judgeRuns(runs, NOW));
}

const names = (jobs: readonly V1Job[]): (string | undefined)[] => jobs.map((j) => j.metadata?.name);
const generationRun = (generation = GENERATION): string =>
  generationJobName('web', UID, generation);

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
      expect(names(plan.jobs)).toEqual([generationRun()]);
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

  it('is controlled by the check', () => {
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

  it('stamps its runs with the generation they run for, and names the check for routing', () => {
    expect(plan.cronJob?.spec.jobTemplate.metadata?.annotations).toEqual({
      [CHECK_NAME_ANNOTATION]: 'web',
      [GENERATION_ANNOTATION]: String(GENERATION),
    });
    expect(plan.cronJob?.spec.jobTemplate.spec?.template.metadata?.annotations).toEqual({
      [CHECK_NAME_ANNOTATION]: 'web',
    });
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

  it('labels the children of a check whose name is too long for a label, with a hash', () => {
    const long = 'x'.repeat(200);
    const children = planCheck(facts(check({}, { name: long })), config);
    const metadata = children.cronJob?.metadata;
    const label = String(metadata?.labels?.[CHECK_LABEL]);
    expect(label.length).toBeLessThanOrEqual(63);
    expect(label).not.toBe(long);
    expect(metadata?.annotations).toMatchObject({ [CHECK_NAME_ANNOTATION]: long });
    expect(children.jobs[0]?.metadata?.labels).toMatchObject({ [CHECK_LABEL]: label });
  });
});

describe('planCheck: runs outside the schedule', () => {
  const current = finishedRun('web-1', '2024-06-01T00:00:00Z', { direct: false });
  const recorded = { lastRun: lastRunOf(current) };

  it.each([
    ['starts the first run of a new check', check(), [], [generationRun()]],
    ['starts no first run with firstRun OnSchedule', check({ firstRun: 'OnSchedule' }), [], []],
    ['starts no first run while suspended', check({ suspend: true }), [], []],
    ['starts no first run while one runs', check(), [runningRun('web-2800')], []],
    ['starts no first run once one was recorded', check({}, { status: recorded }), [], []],
    [
      'starts a run for a changed spec',
      check({}, { status: { lastRun: { ...recorded.lastRun, generation: 1 } } }),
      [],
      [generationRun()],
    ],
    [
      'starts no run for a changed spec while one of the new spec runs',
      check({}, { status: { lastRun: { ...recorded.lastRun, generation: 1 } } }),
      [runningRun('web-2801')],
      [],
    ],
    [
      'starts a run for a changed spec while an older spec’s run still runs',
      check({}, { status: { lastRun: { ...recorded.lastRun, generation: 1 } } }),
      [runningRun('web-2801', { generation: 1 })],
      [generationRun()],
    ],
  ])('%s', (_rule, theCheck, runs, expected) => {
    const plan = planCheck(facts(theCheck, runs), config);
    expect(names(plan.jobs)).toEqual(expected);
  });

  it('gives the first run the CronJob’s template, labels, generation and controller', () => {
    const plan = planCheck(facts(check()), config);
    const [initial] = plan.jobs;
    expect(initial?.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 330 });
    expect(initial?.metadata).toMatchObject({
      labels: { 'awscheck.io/run': 'initial' },
      annotations: { [GENERATION_ANNOTATION]: String(GENERATION) },
      ownerReferences: [{ uid: UID, controller: true }],
    });
  });

  it('starts one run-now Job for a new token and records the token', () => {
    const status = { ...recorded, runNowToken: 'old' };
    const plan = planCheck(facts(check({}, { status, token: 'new' }), [current]), config);
    expect(names(plan.jobs)).toEqual([runNowJobName('web', UID, 'new')]);
    expect(plan.jobs[0]?.metadata?.labels?.['awscheck.io/run']).toBe('run-now');
    expect(plan.status.runNowToken).toBe('new');
  });

  it('starts no run for a token already handled', () => {
    const status = { ...recorded, runNowToken: 'same' };
    const plan = planCheck(facts(check({}, { status, token: 'same' }), [current]), config);
    expect(plan.jobs).toEqual([]);
  });

  it('refuses a run-now token longer than 253 characters in Ready, and keeps the schedule', () => {
    const token = 't'.repeat(254);
    const plan = planCheck(facts(check({}, { status: recorded, token }), [current]), config);
    expect(plan.jobs).toEqual([]);
    expect(plan.cronJob).toBeDefined();
    expect(plan.status.runNowToken).toBeUndefined();
    expect(condition(plan.status, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'InvalidConfiguration',
    });
    expect(condition(plan.status, 'Ready')?.message).toMatch(/254 characters.*at most 253/);
    expect(condition(plan.status, 'Stalled')?.status).toBe('True');
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

function lastRunOf(run: RunObservation): NonNullable<AwsCheckStatus['lastRun']> {
  const { lastRun } = fold({}, [run]).status;
  if (lastRun === undefined) throw new Error('the run did not finish');
  return lastRun;
}

describe('foldRuns', () => {
  const ok1 = finishedRun('web-1', '2024-06-01T01:00:00Z');
  const bad2 = finishedRun('web-2', '2024-06-01T02:00:00Z', { outcome: 'Failed' });
  const bad3 = finishedRun('web-3', '2024-06-01T03:00:00Z', { outcome: 'Failed' });
  const ok4 = finishedRun('web-4', '2024-06-01T04:00:00Z');

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
    const { status } = fold(current, runs);
    expect(status.lastRun?.jobName).toBe(last);
    expect(status.consecutiveFailures).toBe(failures);
  });

  it('sets lastSuccessfulTime to the latest success’s completion', () => {
    const { status } = fold({}, [ok1, bad2]);
    expect(status.lastSuccessfulTime).toBe('2024-06-01T01:01:00Z');
    expect(status.lastRun?.jobName).toBe('web-2');
  });

  it('records the generation each run ran for', () => {
    const old = finishedRun('web-5', '2024-06-01T05:00:00Z', { generation: 1 });
    expect(fold({}, [old]).status.lastRun?.generation).toBe(1);
  });

  it('emits one Event per new run, oldest first', () => {
    const { events } = fold({}, [bad3, ok1, bad2]);
    expect(events.map((e) => [e.key, e.type, e.reason])).toEqual([
      ['web-1', 'Normal', 'RunSucceeded'],
      ['web-2', 'Warning', 'ResourcesUnhealthy'],
      ['web-3', 'Warning', 'ResourcesUnhealthy'],
    ]);
    expect(events[1]?.message).toBe('web-2: 1 unhealthy');
  });

  it('never counts a recorded run again, from the status alone', () => {
    const first = fold({}, [ok1, bad2]);
    const again = fold(first.status, [ok1, bad2]);
    expect(again.status).toEqual(first.status);
    expect(again.events).toEqual([]);
  });

  it('adds only the runs that ended after the recorded one', () => {
    const first = fold({}, [ok1, bad2]);
    const later = fold(first.status, [ok1, bad2, bad3]);
    expect(later.status.consecutiveFailures).toBe(2);
    expect(later.events.map((e) => e.key)).toEqual(['web-3']);
  });

  it('counts a run seen late once, but never lets lastRun go back to it', () => {
    const first = fold({}, [bad3]);
    const late = fold(first.status, [ok1, bad3]);
    expect(late.status).toEqual({ ...first.status, recordedRuns: ['web-1', 'web-3'] });
    expect(late.events.map((e) => e.key)).toEqual(['web-1']);
    expect(fold(late.status, [ok1, bad3]).events).toEqual([]);
  });

  it('never lets a run of an older spec that ended later replace the current spec’s', () => {
    const current = finishedRun('web-g3', '2024-06-01T05:00:00Z', { generation: 3 });
    const older = finishedRun('web-2800', '2024-06-01T05:30:00Z', { generation: 2 });
    const folded = fold({}, [current, older]);
    expect(folded.status.lastRun?.jobName).toBe('web-g3');
    expect(folded.events.map((e) => e.key)).toEqual(['web-g3', 'web-2800']);
  });

  it('forgets counted Jobs once they are deleted, and reads a status from before the list', () => {
    const both = fold({}, [ok1, bad2]);
    expect(both.status.recordedRuns).toEqual(['web-1', 'web-2']);
    expect(fold(both.status, [bad2]).status.recordedRuns).toEqual(['web-2']);
    expect(fold(both.status, []).status.recordedRuns).toEqual([]);
    expect(fold({}, []).status).toEqual({});
    const legacy = { ...both.status };
    delete legacy.recordedRuns;
    expect(fold(legacy, [ok1, bad2]).events).toEqual([]);
  });

  it('changes nothing without finished runs', () => {
    const current: AwsCheckStatus = { consecutiveFailures: 1 };
    expect(fold(current, [runningRun('web-5')])).toEqual({ status: current, events: [] });
  });

  // Two runs ending in the same second, folded in either order of arrival, and the operator
  // "killed" after the status write (the next reconcile starts from that status alone).
  it.each([
    ['initial first', ['web-a', 'web-b']],
    ['run-now first', ['web-b', 'web-a']],
  ])('counts two runs ending in the same second once each, crash or not (%s)', (_case, order) => {
    const runs = order.map((name) =>
      finishedRun(name, '2024-06-01T01:00:00Z', { outcome: 'Failed' }),
    );
    const both = fold({}, runs);
    expect(both.status.consecutiveFailures).toBe(2);
    expect(both.status.lastRun?.jobName).toBe('web-b');
    const [firstSeen, secondSeen] = runs as [RunObservation, RunObservation];
    const one = fold({}, [firstSeen]);
    const afterCrash = fold(one.status, [firstSeen, secondSeen]);
    const tied = order[0] === 'web-a' ? 2 : 1;
    expect(afterCrash.status.consecutiveFailures).toBe(tied);
    expect(fold(afterCrash.status, runs).status).toEqual(afterCrash.status);
    expect(fold(both.status, runs)).toEqual({ status: both.status, events: [] });
  });

  it('holds back runs that ended after one whose Pod’s end is not seen yet', () => {
    const settling = { ...finishedRun('web-6', '2024-06-01T12:25:00Z', { seconds: 250 }) };
    const unseen = { job: settling.job, pod: checkerPod({ running: {} }) };
    const later = finishedRun('web-7', '2024-06-01T12:29:00Z', { seconds: 20 });
    const held = fold({}, [unseen, later]);
    expect(held.status.lastRun).toBeUndefined();
    const seen = fold(held.status, [settling, later]);
    expect(seen.events.map((e) => e.key)).toEqual(['web-6', 'web-7']);
  });
});

describe('foldRuns: any order of arrival, any restart', () => {
  // A run: when it ended (seconds after 01:00, ties allowed), its outcome, and the
  // reconcile from which the caches hold it (they lag, but never forget a Job).
  const run = fc.record({
    end: fc.integer({ min: 0, max: 5 }),
    failed: fc.boolean(),
    seenFrom: fc.integer({ min: 0, max: 8 }),
  });
  const keyText = (r: { completionTime?: string | undefined; jobName: string }): string =>
    `${r.completionTime ?? ''}/${r.jobName}`;

  it('counts every run exactly once, never goes back, and ends at the newest run', () => {
    fc.assert(
      fc.property(
        fc.array(run, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 10 }),
        (shapes, reconciles) => {
          const runs = shapes.map((shape, i) =>
            finishedRun(`web-${String(i)}`, '2024-06-01T01:00:00Z', {
              outcome: shape.failed ? 'Failed' : 'Succeeded',
              seconds: shape.end,
            }),
          );
          // Each reconcile plans from the status alone, as after a restart.
          let status: AwsCheckStatus = {};
          const counted: string[] = [];
          for (let step = 0; step <= reconciles; step += 1) {
            const seen = runs.filter(
              (_, i) => step === reconciles || (shapes[i]?.seenFrom ?? 0) <= step,
            );
            const before = status.lastRun;
            const next = fold(status, seen);
            counted.push(...next.events.map((e) => e.key));
            const after = next.status.lastRun;
            if (before !== undefined) expect(after && keyText(after) >= keyText(before)).toBe(true);
            status = next.status;
          }
          expect([...counted].sort()).toEqual(runs.map((r) => r.job.metadata?.name).sort());
          const newest = runs.map(lastRunOf).sort((a, b) => keyText(a).localeCompare(keyText(b)));
          expect(status.lastRun?.jobName).toBe(newest.at(-1)?.jobName);
        },
      ),
    );
  });
});

describe('planCheck: a run is recorded once it is really over', () => {
  const start = '2024-06-01T12:28:00Z';

  it('waits for the Pod’s end after the Job completes, and looks again by the settle bound', () => {
    const done = finishedRun('web-8', '2024-06-01T12:29:00Z', { seconds: 30 });
    const unseen = { job: done.job, pod: checkerPod({ running: {} }) };
    const plan = planCheck(facts(check({ firstRun: 'OnSchedule' }), [unseen]), config);
    expect(plan.status.lastRun).toBeUndefined();
    expect(plan.requeueAfterMs).toBe(
      Date.parse('2024-06-01T12:29:30Z') + POD_SETTLE_MS - NOW.getTime(),
    );
  });

  it('reports a first run whose Pod was deleted as RunAborted once, and starts it no second time', () => {
    const name = 'web-gen-2';
    // The Pod is gone while its Job still runs: the run is not over, nothing is recorded yet
    // and the first run is not started again.
    const gone = { job: runJob(name, '2024-06-01T12:29:00Z'), pod: undefined };
    const meanwhile = planCheck(facts(check(), [gone]), config);
    expect(meanwhile.status.lastRun).toBeUndefined();
    expect(meanwhile.jobs).toEqual([]);
    expect(meanwhile.events).toEqual([]);
    // The Job controller fails the Job (its one Pod failed); past the settle bound the run
    // is recorded as aborted, with its Event, and Healthy says so.
    const failed = finishedRun(name, '2024-06-01T12:00:00Z', { outcome: 'Failed' });
    const over = { job: failed.job, pod: undefined };
    const recorded = planCheck(facts(check(), [over]), config);
    expect(recorded.status.lastRun).toMatchObject({
      jobName: name,
      generation: GENERATION,
      outcome: 'Failed',
      reason: 'RunAborted',
      message: `the run's Pod was deleted before its result was read (Job Failed), without a result`,
    });
    expect(condition(recorded.status, 'Healthy')).toMatchObject({
      status: 'False',
      reason: 'RunAborted',
    });
    expect(recorded.events.map((event) => event.reason)).toEqual(['RunAborted']);
    expect(recorded.jobs).toEqual([]);
    // Recorded once: the next look records nothing again.
    const again = planCheck(facts(check({}, { status: recorded.status }), [over]), config);
    expect(again.events).toEqual([]);
    expect(again.status.lastRun).toEqual(recorded.status.lastRun);
    expect(again.jobs).toEqual([]);
  });

  it('keeps a run whose Pod was confirmed gone counted once, though its Pod is not asked about again', () => {
    // Completed 30 s before NOW: within the settle bound, the cache's missing Pod alone
    // would wait; the apiserver's answer (podGone) records it at once.
    const done = finishedRun('web-8', '2024-06-01T12:29:00Z', { seconds: 30 });
    const gone = { job: done.job, pod: undefined, podGone: true };
    const aborted = planCheck(facts(check({ firstRun: 'OnSchedule' }), [gone]), config);
    expect(aborted.status.lastRun).toMatchObject({ jobName: 'web-8', reason: 'RunAborted' });
    expect(aborted.status.recordedRuns).toEqual(['web-8']);
    expect(aborted.events.map((event) => event.reason)).toEqual(['RunAborted']);
    // The next look does not ask the apiserver about a recorded run: it looks unsettled.
    // It stays counted, records nothing again and holds back no later run.
    const later = finishedRun('web-9', '2024-06-01T12:29:20Z', { seconds: 30 });
    const unasked = { job: done.job, pod: undefined };
    const next = planCheck(
      facts(check({ firstRun: 'OnSchedule' }, { status: aborted.status }), [unasked, later]),
      config,
    );
    expect(next.status.recordedRuns).toEqual(['web-8', 'web-9']);
    expect(next.status.lastRun).toMatchObject({ jobName: 'web-9', outcome: 'Succeeded' });
    expect(next.events.map((event) => event.key)).toEqual(['web-9']);
  });

  it('records a Job that finished without a Pod end after the settle bound as RunAborted', () => {
    const done = finishedRun('web-8', '2024-06-01T12:00:00Z', { seconds: 60 });
    const plan = planCheck(
      facts(check({ firstRun: 'OnSchedule' }), [{ job: done.job, pod: undefined }]),
      config,
    );
    expect(plan.status.lastRun).toMatchObject({ outcome: 'Failed', reason: 'RunAborted' });
    expect(plan.status.lastRun?.message).toMatch(/Pod was deleted before its result was read/);
    expect(plan.events).toEqual([
      expect.objectContaining({ type: 'Warning', reason: 'RunAborted', key: 'web-8' }),
    ]);
    expect(plan.requeueAfterMs).toBeUndefined();
  });

  it.each(['ErrImagePull', 'CreateContainerConfigError'])(
    'reports a checker stuck on %s in Ready and records no run',
    (reason) => {
      const stuck = {
        job: runJob('web-9', start),
        pod: checkerPod({ waiting: { reason, message: 'secret "keys" not found' } }),
      };
      const plan = planCheck(facts(check({ firstRun: 'OnSchedule' }), [stuck]), config);
      expect(plan.status.lastRun).toBeUndefined();
      expect(condition(plan.status, 'Ready')).toMatchObject({
        status: 'False',
        reason: 'RunNotStarting',
      });
      expect(condition(plan.status, 'Ready')?.message).toContain(
        `web-9: the checker could not start: ${reason}`,
      );
      expect(condition(plan.status, 'Reconciling')?.status).toBe('True');
      expect(condition(plan.status, 'Stalled')).toBeUndefined();
      expect(plan.cronJob).toBeDefined();
    },
  );
});

describe('planCheck: a Secret the kubelet cannot mount (FailedMount)', () => {
  const start = '2024-06-01T12:28:00Z';
  const FAILED_MOUNT =
    'MountVolume.SetUp failed for volume "aws-credentials" : secret "keys" not found';
  const creating: V1Pod = {
    status: {
      phase: 'Pending',
      containerStatuses: [
        {
          name: 'checker',
          image: 'img',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: 'ContainerCreating' } },
        },
      ],
    },
  };
  const blockedReady = `run web-9: the checker could not start: FailedMount: ${FAILED_MOUNT}`;

  it('reports a checker waiting in ContainerCreating with a FailedMount in Ready, Reconciling', () => {
    const stuck = { job: runJob('web-9', start), pod: creating, mountFailure: FAILED_MOUNT };
    const plan = planCheck(facts(check({ firstRun: 'OnSchedule' }), [stuck]), config);
    expect(plan.status.lastRun).toBeUndefined();
    expect(condition(plan.status, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'RunNotStarting',
      message: blockedReady,
    });
    expect(condition(plan.status, 'Reconciling')).toMatchObject({
      status: 'True',
      reason: 'RunNotStarting',
    });
    expect(condition(plan.status, 'Stalled')).toBeUndefined();
    expect(plan.waitsOnKubelet).toBe(true);
  });

  it('keeps a checker waiting in ContainerCreating without an Event Ready, and looks again', () => {
    const waiting = { job: runJob('web-9', start), pod: creating };
    const plan = planCheck(facts(check({ firstRun: 'OnSchedule' }), [waiting]), config);
    expect(condition(plan.status, 'Ready')).toMatchObject({ status: 'True', reason: 'Scheduled' });
    expect(plan.waitsOnKubelet).toBe(true);
  });

  it('does not look again for a checker that is running', () => {
    const running = { job: runJob('web-9', start), pod: checkerPod({ running: {} }) };
    const plan = planCheck(facts(check({ firstRun: 'OnSchedule' }), [running]), config);
    expect(plan.waitsOnKubelet).toBe(false);
  });

  it('records a run stopped at its deadline with the FailedMount reported while it waited', () => {
    const ended = runJob('web-9', start);
    ended.status = {
      startTime: new Date(start),
      conditions: [
        {
          type: 'Failed',
          status: 'True',
          reason: 'DeadlineExceeded',
          lastTransitionTime: new Date('2024-06-01T12:33:30Z'),
        },
      ],
    };
    const reported: Condition = {
      ...readyCondition('False', 'RunNotStarting'),
      message: blockedReady,
    };
    const theCheck = { ...check({ firstRun: 'OnSchedule' }), status: { conditions: [reported] } };
    const plan = planCheck(facts(theCheck, [{ job: ended, pod: undefined }]), config);
    expect(plan.status.lastRun).toMatchObject({
      jobName: 'web-9',
      outcome: 'Failed',
      reason: 'InvalidConfiguration',
      message: `the checker could not start: FailedMount: ${FAILED_MOUNT}; the run was stopped at its deadline of 330 s`,
    });
    expect(condition(plan.status, 'Ready')).toMatchObject({ status: 'True', reason: 'Scheduled' });
    expect(plan.events).toEqual([
      expect.objectContaining({ reason: 'InvalidConfiguration', key: 'web-9' }),
    ]);
  });

  it('keeps a block reported while the Job controller removes the Pod, before the Job fails', () => {
    const reported: Condition = {
      ...readyCondition('False', 'RunNotStarting'),
      message: blockedReady,
    };
    const theCheck = { ...check({ firstRun: 'OnSchedule' }), status: { conditions: [reported] } };
    const pending = credentialRef(undefined, readyCondition('Unknown', 'CredentialsPending'));
    const plan = planCheck(
      facts(theCheck, [{ job: runJob('web-9', start), pod: undefined }], pending),
      config,
    );
    expect(condition(plan.status, 'Ready')).toMatchObject({
      reason: 'RunNotStarting',
      message: blockedReady,
    });
  });

  it('explains no other run by a block reported for one', () => {
    const reported: Condition = {
      ...readyCondition('False', 'RunNotStarting'),
      message: blockedReady,
    };
    const status = { conditions: [reported] };
    const runs = [{ job: runJob('web-9', start), pod: undefined }, runningRun('web-10')];
    expect(withReportedBlocks(runs, status).map((run) => run.reportedBlock)).toEqual([
      `the checker could not start: FailedMount: ${FAILED_MOUNT}`,
      undefined,
    ]);
    const ready = { conditions: [readyCondition('True', 'Scheduled')] };
    expect(withReportedBlocks(runs, ready).map((run) => run.reportedBlock)).toEqual([
      undefined,
      undefined,
    ]);
  });
});

describe('planCheck: Healthy follows the latest run of the current spec', () => {
  it.each([
    ['Unknown before any run', [], 'Unknown', 'AwaitingFirstRun'],
    [
      'True after a success',
      [finishedRun('web-1', '2024-06-01T01:00:00Z')],
      'True',
      'RunSucceeded',
    ],
    [
      'False with the run’s reason after a failure',
      [finishedRun('web-1', '2024-06-01T01:00:00Z', { outcome: 'Failed' })],
      'False',
      'ResourcesUnhealthy',
    ],
    [
      'Unknown after the spec changed',
      [finishedRun('web-1', '2024-06-01T01:00:00Z', { generation: 1 })],
      'Unknown',
      'AwaitingFirstRun',
    ],
  ])('%s', (_rule, runs, status, reason) => {
    const plan = planCheck(facts(check({ firstRun: 'OnSchedule' }), runs), config);
    expect(condition(plan.status, 'Healthy')).toMatchObject({
      status,
      reason,
      observedGeneration: GENERATION,
    });
  });

  it('says which generation the last run was for when the spec changed', () => {
    const runs = [finishedRun('web-1', '2024-06-01T01:00:00Z', { generation: 1 })];
    const plan = planCheck(facts(check({ firstRun: 'OnSchedule' }), runs), config);
    expect(condition(plan.status, 'Healthy')?.message).toMatch(
      /spec changed \(generation 2\).*last run was for generation 1: all healthy/,
    );
  });
});

describe('planCheck: recorded runs are cleaned up', () => {
  const direct = (name: string, hour: number): RunObservation =>
    finishedRun(name, `2024-06-01T0${String(hour)}:00:00Z`);
  const scheduled = (name: string, hour: number): RunObservation =>
    finishedRun(name, `2024-06-01T0${String(hour)}:00:00Z`, { direct: false });

  it('deletes recorded runs started outside the schedule beyond the history kept', () => {
    const runs = [direct('web-a', 1), direct('web-b', 2), direct('web-c', 3), direct('web-d', 4)];
    const plan = planCheck(facts(check({ firstRun: 'OnSchedule' }), runs), {
      ...config,
      jobHistory: 2,
    });
    expect(plan.deletions).toEqual(['web-b', 'web-a']);
  });

  it('leaves the CronJob’s own runs to its history limits', () => {
    const runs = [scheduled('web-1', 1), scheduled('web-2', 2), direct('web-c', 3)];
    const plan = planCheck(facts(check({ firstRun: 'OnSchedule' }), runs), {
      ...config,
      jobHistory: 1,
    });
    expect(plan.deletions).toEqual([]);
  });

  it('never deletes a run that is not recorded yet', () => {
    const runs = [direct('web-a', 1), runningRun('web-b')];
    const plan = planCheck(facts(check({ firstRun: 'OnSchedule' }), runs), {
      ...config,
      jobHistory: 1,
    });
    expect(plan.deletions).toEqual([]);
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
      finishedRun('web-first', '2024-06-01T01:00:00Z'),
      finishedRun('web-2', '2024-06-01T02:00:00Z', { outcome: 'Failed', direct: false }),
    ];
    const first = planCheck(facts(theCheck, runs, credential), config);
    const resynced = { ...theCheck, status: first.status };
    const later = { ...facts(resynced, runs, credential), now: new Date('2024-06-01T12:45:00Z') };
    const second = planCheck(later, config);
    expect(second.status).toEqual(first.status);
    expect(second.events).toEqual([]);
    expect(second.jobs).toEqual([]);
  });
});

describe('planCheck: the tenant’s plan', () => {
  const forbidden = {
    ok: false,
    ready: {
      type: 'Ready',
      status: 'False',
      reason: 'PlanLimitExceeded',
      message: 'schedule "*/5 * * * *" runs every 5m; plan team allows at most one run every 1h',
    },
  } as const;
  const inactive = {
    ok: false,
    ready: { type: 'Ready', status: 'False', reason: 'SubscriptionInactive', message: 'unpaid' },
  } as const;

  it.each([
    ['a limit the check exceeds', forbidden],
    ['an inactive subscription', inactive],
  ])('%s: no CronJob, no first run, no run-now, Stalled with the plan’s words', (_, gate) => {
    const plan = planCheck({ ...facts(check({}, { token: 'now-1' })), plan: gate }, config);

    expect(plan.cronJob).toBeUndefined();
    expect(plan.jobs).toEqual([]);
    expect(findCondition(plan.status.conditions, 'Ready')).toMatchObject(gate.ready);
    expect(findCondition(plan.status.conditions, 'Stalled')).toMatchObject({
      status: 'True',
      reason: gate.ready.reason,
    });
    expect(plan.status.cronJobName).toBeUndefined();
    expect(plan.status.runNowToken).toBeUndefined();
  });

  it('builds every run with the plan’s CPU and memory, request equal to limit', () => {
    const gate: PlanGate = {
      ok: true,
      resources: { cpu: '250m', cpuLimit: '250m', memory: '300Mi' },
    };
    const plan = planCheck({ ...facts(check({}, { token: 'now-1' })), plan: gate }, config);
    const expected = {
      requests: { cpu: '250m', memory: '300Mi' },
      limits: { cpu: '250m', memory: '300Mi' },
    };

    const templates = [
      plan.cronJob?.spec.jobTemplate.spec?.template,
      ...plan.jobs.map((job) => job.spec?.template),
    ];
    expect(templates).toHaveLength(3);
    for (const template of templates)
      expect(template?.spec?.containers[0]?.resources).toEqual(expected);
  });

  it.each<[string, PlanGate, boolean | undefined]>([
    [
      'under a plan: created suspended, for the run queue',
      { ok: true, resources: undefined, queued: true },
      true,
    ],
    ['without a plan: created running, as always', UNLIMITED, undefined],
  ])('creates every run %s', (_, gate, suspend) => {
    const plan = planCheck({ ...facts(check({}, { token: 'now-1' })), plan: gate }, config);

    const specs = [plan.cronJob?.spec.jobTemplate.spec, ...plan.jobs.map((job) => job.spec)];
    expect(specs).toHaveLength(3);
    for (const spec of specs) expect(spec?.suspend).toBe(suspend);
  });

  it('keeps the operator’s configured resources where there is no plan', () => {
    const plan = planCheck(facts(check()), config);
    expect(plan.cronJob?.spec.jobTemplate.spec?.template.spec?.containers[0]?.resources).toEqual({
      requests: { cpu: '100m', memory: '256Mi' },
      limits: { cpu: '1', memory: '256Mi' },
    });
  });
});

describe('refusedStatus', () => {
  const scheduled = planCheck(facts(check()), config).status;

  it('is Stalled for a final refusal and drops the schedule', () => {
    const status = refusedStatus(
      scheduled,
      { reason: 'InvalidConfiguration', message: 'refused' },
      GENERATION,
      NOW,
    );
    expect(findCondition(status.conditions, 'Stalled')?.status).toBe('True');
    expect(findCondition(status.conditions, 'Reconciling')).toBeUndefined();
    expect(status.cronJobName).toBeUndefined();
  });

  it('is Reconciling for a quota that frees itself, and keeps the schedule', () => {
    const status = refusedStatus(
      scheduled,
      { reason: 'QuotaExceeded', message: 'exceeded quota' },
      GENERATION,
      NOW,
    );
    expect(findCondition(status.conditions, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'QuotaExceeded',
    });
    expect(findCondition(status.conditions, 'Reconciling')?.status).toBe('True');
    expect(findCondition(status.conditions, 'Stalled')).toBeUndefined();
    expect(status.cronJobName).toBe('web');
  });
});
