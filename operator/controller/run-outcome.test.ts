import type { V1ContainerState, V1Job, V1JobCondition, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { CheckerResultSchema, type RunResult, type ValidateResult } from '../checker/result.ts';
import {
  POD_SETTLE_MS,
  jobFinished,
  judgeRun,
  type LastRun,
  type RunObservation,
} from './run-outcome.ts';

const STARTED = new Date('2024-06-01T12:00:00Z');
const FINISHED = new Date('2024-06-01T12:00:42Z');
/** LATER is long after every bound a run waits for. */
const LATER = new Date('2024-06-01T13:00:00Z');

/** runOutcome is the run recorded at LATER, or undefined while it is not over. */
function runOutcome(observed: RunObservation): LastRun | undefined {
  const verdict = judgeRun(observed, LATER);
  return verdict.state === 'Finished' ? verdict.run : undefined;
}

function job(
  conditions: V1JobCondition[],
  extra: { completionTime?: Date; activeDeadlineSeconds?: number } = {},
): V1Job {
  return {
    metadata: { name: 'web-28000000', creationTimestamp: new Date('2024-06-01T11:59:58Z') },
    spec: {
      template: {},
      ...(extra.activeDeadlineSeconds !== undefined && {
        activeDeadlineSeconds: extra.activeDeadlineSeconds,
      }),
    },
    status: {
      startTime: STARTED,
      conditions,
      ...(extra.completionTime !== undefined && { completionTime: extra.completionTime }),
    },
  };
}

// suspended is a Job created suspended and never resumed: no startTime.
function suspended(conditions: V1JobCondition[], activeDeadlineSeconds?: number): V1Job {
  return {
    metadata: { name: 'web-28000000', creationTimestamp: new Date('2024-06-01T11:59:58Z') },
    spec: {
      template: {},
      suspend: true,
      ...(activeDeadlineSeconds !== undefined && { activeDeadlineSeconds }),
    },
    status: { conditions },
  };
}

function done(type: 'Complete' | 'Failed', reason?: string): V1JobCondition {
  return {
    type,
    status: 'True',
    lastTransitionTime: FINISHED,
    ...(reason !== undefined && { reason, message: `${reason} happened` }),
  };
}

function pod(state: V1ContainerState): V1Pod {
  return {
    status: {
      containerStatuses: [
        { name: 'checker', image: 'img', imageID: '', ready: false, restartCount: 0, state },
      ],
    },
  };
}

function terminated(exitCode: number, message?: string, reason?: string): V1Pod {
  return pod({
    terminated: {
      exitCode,
      ...(message !== undefined && { message }),
      ...(reason !== undefined && { reason }),
    },
  });
}

/** message is a result as the checker writes it, checked against the shared schema. */
function message(result: RunResult | ValidateResult): string {
  return JSON.stringify(CheckerResultSchema.parse(result));
}

function runResult(overrides: Partial<RunResult> = {}): RunResult {
  return {
    kind: 'run',
    service: 'ec2',
    type: 'health_check',
    v: 1,
    outcome: 'Succeeded',
    message: '3 resources, 1 unhealthy',
    startTime: '2024-06-01T12:00:01.500Z',
    durationMs: 4200,
    truncated: false,
    resources: 3,
    unhealthy: 1,
    regions: { 'us-east-1': { resources: 3, unhealthy: 1 } },
    findings: [{ region: 'us-east-1', id: 'i-1', state: 'stopped', problems: ['stopped'] }],
    ...overrides,
  };
}

describe('jobFinished', () => {
  it.each([
    ['no conditions', [], undefined],
    ['Complete True', [done('Complete')], 'Complete'],
    ['Failed True', [done('Failed')], 'Failed'],
    ['Failed False', [{ type: 'Failed', status: 'False' }], undefined],
    ['only Suspended', [{ type: 'Suspended', status: 'True' }], undefined],
  ])('%s → %s', (_case, conditions, expected) => {
    expect(jobFinished(job(conditions))).toBe(expected);
  });
});

describe('runOutcome', () => {
  it('is undefined while the job runs', () => {
    expect(runOutcome({ job: job([]), pod: pod({ running: { startedAt: STARTED } }) })).toBe(
      undefined,
    );
  });

  it('is undefined while the pod is not yet created', () => {
    expect(runOutcome({ job: job([]), pod: undefined })).toBe(undefined);
  });

  it('copies a successful run result', () => {
    const observed = {
      job: job([done('Complete')], { completionTime: FINISHED }),
      pod: terminated(0, message(runResult())),
    };
    expect(runOutcome(observed)).toEqual({
      jobName: 'web-28000000',
      startTime: '2024-06-01T12:00:01Z',
      completionTime: '2024-06-01T12:00:42Z',
      durationMs: 4200,
      outcome: 'Succeeded',
      message: '3 resources, 1 unhealthy',
      resources: 3,
      unhealthy: 1,
      regions: [{ name: 'us-east-1', resources: 3, unhealthy: 1 }],
      findings: [{ region: 'us-east-1', id: 'i-1', state: 'stopped', problems: ['stopped'] }],
      truncated: false,
    });
  });

  it('takes the completion time from the finished condition when the job has none', () => {
    const observed = { job: job([done('Complete')]), pod: terminated(0, message(runResult())) };
    expect(runOutcome(observed)?.completionTime).toBe('2024-06-01T12:00:42Z');
  });

  it('copies the reason and error of a failed run result', () => {
    const error = {
      category: 'PermissionDenied' as const,
      code: 'UnauthorizedOperation',
      message: 'not allowed',
      region: 'us-east-1',
      operation: 'ec2:DescribeInstances',
    };
    const result = runResult({
      outcome: 'Failed',
      reason: 'PermissionDenied',
      message: 'ec2:DescribeInstances was denied',
      resources: 0,
      unhealthy: 0,
      regions: {},
      findings: [],
      error,
    });
    const outcome = runOutcome({ job: job([done('Failed')]), pod: terminated(3, message(result)) });
    expect(outcome).toMatchObject({
      outcome: 'Failed',
      reason: 'PermissionDenied',
      message: 'ec2:DescribeInstances was denied',
      error,
    });
  });

  it('reads a validate result without run counts', () => {
    const result: ValidateResult = {
      kind: 'validate',
      v: 1,
      outcome: 'Succeeded',
      message: 'authenticated',
      startTime: '2024-06-01T12:00:01Z',
      durationMs: 300,
      truncated: false,
      identity: { accountId: '123456789012', arn: 'arn:aws:iam::123456789012:user/x', userId: 'X' },
    };
    const outcome = runOutcome({
      job: job([done('Complete')]),
      pod: terminated(0, message(result)),
    });
    expect(outcome).toMatchObject({ outcome: 'Succeeded', message: 'authenticated' });
    expect(outcome).not.toHaveProperty('resources');
  });

  it.each([
    {
      rule: 'a deadline without a message is DeadlineExceeded',
      theJob: job([done('Failed', 'DeadlineExceeded')], { activeDeadlineSeconds: 330 }),
      thePod: terminated(143, undefined, 'Error'),
      reason: 'DeadlineExceeded',
      text: /deadline of 330 s/,
    },
    {
      rule: 'OOMKilled without a message is RunAborted naming OOMKilled',
      theJob: job([done('Failed', 'BackoffLimitExceeded')]),
      thePod: terminated(137, undefined, 'OOMKilled'),
      reason: 'RunAborted',
      text: /exited 137 \(OOMKilled\)/,
    },
    {
      rule: 'a garbage termination message is RunAborted',
      theJob: job([done('Failed', 'BackoffLimitExceeded')]),
      thePod: terminated(1, 'panic: something broke'),
      reason: 'RunAborted',
      text: /exited 1 with an unreadable result.*not JSON/,
    },
    {
      rule: 'JSON that is no result is RunAborted',
      theJob: job([done('Complete')]),
      thePod: terminated(0, '{"v":1,"kind":"run"}'),
      reason: 'RunAborted',
      text: /not a checker result/,
    },
    {
      rule: 'a failed job whose pod is gone is RunAborted, naming the deleted Pod',
      theJob: job([done('Failed', 'BackoffLimitExceeded')]),
      thePod: undefined,
      reason: 'RunAborted',
      text: /^the run's Pod was deleted before its result was read \(Job Failed\), without a result$/,
    },
    {
      rule: 'a completed job whose pod is gone is RunAborted, not Succeeded',
      theJob: job([done('Complete')]),
      thePod: undefined,
      reason: 'RunAborted',
      text: /^the run's Pod was deleted before its result was read \(Job Complete\), without a result$/,
    },
    {
      rule: 'a finished job whose pod never showed an end is RunAborted',
      theJob: job([done('Complete')]),
      thePod: pod({ running: { startedAt: new Date('2024-06-01T12:00:01Z') } }),
      reason: 'RunAborted',
      text: /left no container status \(Job Complete\)/,
    },
  ])('$rule', ({ theJob, thePod, reason, text }) => {
    const outcome = runOutcome({ job: theJob, pod: thePod });
    expect(outcome).toMatchObject({
      jobName: 'web-28000000',
      startTime: '2024-06-01T12:00:00Z',
      completionTime: '2024-06-01T12:00:42Z',
      outcome: 'Failed',
      reason,
    });
    expect(outcome?.message).toMatch(text);
  });

  it.each(['CreateContainerConfigError', 'ErrImagePull', 'ImagePullBackOff', 'InvalidImageName'])(
    'reports %s on an unfinished job as Blocked, not as a finished run',
    (reason) => {
      const stuck = pod({ waiting: { reason, message: 'secret "keys" not found' } });
      expect(judgeRun({ job: job([]), pod: stuck }, LATER)).toEqual({
        state: 'Blocked',
        message: `the checker could not start: ${reason}: secret "keys" not found`,
      });
    },
  );

  it('explains a deadline reached while the checker could not start', () => {
    const stuck = pod({ waiting: { reason: 'ErrImagePull', message: 'no such image' } });
    const theJob = job([done('Failed', 'DeadlineExceeded')], { activeDeadlineSeconds: 330 });
    expect(runOutcome({ job: theJob, pod: stuck })).toMatchObject({
      outcome: 'Failed',
      reason: 'InvalidConfiguration',
      message: expect.stringMatching(/could not start: ErrImagePull.*deadline of 330 s/) as string,
    });
  });

  it.each<[string, V1Job, V1Pod | undefined, string]>([
    ['a suspended Job without a Pod', suspended([]), undefined, 'Queued'],
    [
      'a suspended Job long past its deadline from creation',
      suspended([], 30),
      undefined,
      'Queued',
    ],
    [
      'a suspended Job whose old Pod cannot start (a queued run is never Blocked)',
      suspended([]),
      pod({ waiting: { reason: 'ErrImagePull', message: 'x' } }),
      'Queued',
    ],
    ['a Job never suspended', job([]), undefined, 'Running'],
  ])('judges %s as %s', (_, theJob, thePod, state) => {
    expect(judgeRun({ job: theJob, pod: thePod }, LATER).state).toBe(state);
  });

  it('records a finished Job as finished, suspended or not', () => {
    const theJob = suspended([done('Failed', 'DeadlineExceeded')], 30);
    expect(runOutcome({ job: theJob, pod: undefined })).toMatchObject({
      outcome: 'Failed',
      reason: 'DeadlineExceeded',
    });
  });

  it('waits on ContainerCreating', () => {
    const waiting = pod({ waiting: { reason: 'ContainerCreating' } });
    expect(judgeRun({ job: job([]), pod: waiting }, LATER)).toEqual({ state: 'Running' });
  });

  describe('a volume the kubelet cannot mount (its FailedMount Event)', () => {
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
    const deadline = job([done('Failed', 'DeadlineExceeded')], { activeDeadlineSeconds: 40 });
    const reportedBlock = `the checker could not start: FailedMount: ${FAILED_MOUNT}`;
    // stoppedUnstarted is the kubelet's Pod at the deadline as the informer reads it: an
    // unset start time comes as null.
    const stoppedUnstarted = JSON.parse(
      JSON.stringify({
        status: {
          phase: 'Failed',
          containerStatuses: [
            {
              name: 'checker',
              image: 'img',
              imageID: '',
              ready: false,
              restartCount: 0,
              state: {
                terminated: {
                  exitCode: 137,
                  reason: 'ContainerStatusUnknown',
                  message: 'The container could not be located when the pod was terminated',
                  startedAt: null,
                  finishedAt: null,
                },
              },
            },
          ],
        },
      }),
    ) as V1Pod;

    it('reports a checker waiting in ContainerCreating as Blocked with the kubelet’s message', () => {
      expect(judgeRun({ job: job([]), pod: creating, mountFailure: FAILED_MOUNT }, LATER)).toEqual({
        state: 'Blocked',
        message: reportedBlock,
      });
    });

    it('records a run that reached its deadline while blocked with the kubelet’s message', () => {
      expect(runOutcome({ job: deadline, pod: creating, mountFailure: FAILED_MOUNT })).toEqual(
        expect.objectContaining({
          outcome: 'Failed',
          reason: 'InvalidConfiguration',
          message: `${reportedBlock}; the run was stopped at its deadline of 40 s`,
        }),
      );
    });

    it('ignores a mount failure once the checker is no longer waiting to be created', () => {
      const running = pod({ running: { startedAt: STARTED } });
      expect(judgeRun({ job: job([]), pod: running, mountFailure: FAILED_MOUNT }, LATER)).toEqual({
        state: 'Running',
      });
    });

    it.each<[string, V1Pod | undefined]>([
      ['its Pod gone', undefined],
      ['its Pod still waiting without an Event', creating],
      [
        'its checker stopped before it started (ContainerStatusUnknown)',
        pod({
          terminated: {
            exitCode: 137,
            reason: 'ContainerStatusUnknown',
            message: 'The container could not be located when the pod was terminated',
          },
        }),
      ],
      ['its checker stopped before it started, as the apiserver sends it', stoppedUnstarted],
    ])('explains a deadline with %s by the block reported while it waited', (_, thePod) => {
      expect(runOutcome({ job: deadline, pod: thePod, reportedBlock })).toMatchObject({
        reason: 'InvalidConfiguration',
        message: `${reportedBlock}; the run was stopped at its deadline of 40 s`,
      });
    });

    it.each<[string, V1Pod | undefined]>([
      ['its Pod gone', undefined],
      [
        'its checker stopped before it started',
        pod({ terminated: { exitCode: 137, reason: 'ContainerStatusUnknown' } }),
      ],
      ['its checker stopped before it started, as the apiserver sends it', stoppedUnstarted],
    ])('keeps the reported block while the Job is not over yet, %s', (_, thePod) => {
      expect(judgeRun({ job: job([]), pod: thePod, reportedBlock }, LATER)).toEqual({
        state: 'Blocked',
        message: reportedBlock,
      });
    });

    it('drops the reported block once the checker runs', () => {
      const running = pod({ running: { startedAt: STARTED } });
      expect(judgeRun({ job: job([]), pod: running, reportedBlock }, LATER)).toEqual({
        state: 'Running',
      });
    });

    it('never lets a reported block explain a checker that ran until its deadline', () => {
      const ran = pod({ terminated: { exitCode: 143, reason: 'Error', startedAt: STARTED } });
      expect(runOutcome({ job: deadline, pod: ran, reportedBlock })).toMatchObject({
        reason: 'DeadlineExceeded',
        message: 'the run was stopped at its deadline of 40 s',
      });
    });

    it('records a deadline without a block reported or seen as DeadlineExceeded', () => {
      expect(runOutcome({ job: deadline, pod: undefined })).toMatchObject({
        reason: 'DeadlineExceeded',
        message: 'the run was stopped at its deadline of 40 s',
      });
    });
  });

  it('waits for the Pod’s end when the Job completed first, until the settle bound', () => {
    const theJob = job([done('Complete')], {
      completionTime: FINISHED,
      activeDeadlineSeconds: 330,
    });
    const running = pod({ running: { startedAt: STARTED } });
    const bound = FINISHED.getTime() + POD_SETTLE_MS;
    expect(judgeRun({ job: theJob, pod: running }, FINISHED)).toEqual({
      state: 'Settling',
      untilMs: bound,
    });
    expect(judgeRun({ job: theJob, pod: running }, new Date(bound))).toMatchObject({
      state: 'Finished',
      run: { reason: 'RunAborted' },
    });
  });

  it('records a finished run at once when the apiserver says its Pod is gone', () => {
    const theJob = job([done('Complete')], {
      completionTime: FINISHED,
      activeDeadlineSeconds: 330,
    });
    expect(judgeRun({ job: theJob, pod: undefined, podGone: true }, FINISHED)).toMatchObject({
      state: 'Finished',
      run: {
        outcome: 'Failed',
        reason: 'RunAborted',
        message: `the run's Pod was deleted before its result was read (Job Complete), without a result`,
      },
    });
  });

  it('keeps a run whose Pod is gone but whose Job runs on as Running', () => {
    expect(judgeRun({ job: job([]), pod: undefined, podGone: true }, FINISHED)).toEqual({
      state: 'Running',
    });
  });

  it('waits the whole settle time though the run ended just before its deadline', () => {
    const theJob = job([done('Complete')], { completionTime: FINISHED, activeDeadlineSeconds: 43 });
    const verdict = judgeRun({ job: theJob, pod: undefined }, FINISHED);
    expect(verdict).toEqual({ state: 'Settling', untilMs: FINISHED.getTime() + POD_SETTLE_MS });
  });

  it('reads the container named checker, not the first one', () => {
    const result = message(runResult());
    const twoContainers: V1Pod = {
      status: {
        containerStatuses: [
          {
            name: 'sidecar',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { running: {} },
          },
          {
            name: 'checker',
            image: 'img',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 0, message: result } },
          },
        ],
      },
    };
    const theJob = job([done('Complete')], { completionTime: FINISHED });
    expect(runOutcome({ job: theJob, pod: twoContainers })).toMatchObject({ outcome: 'Succeeded' });
  });

  it('records the generation the Job was made for', () => {
    const theJob = job([done('Complete')], { completionTime: FINISHED });
    if (theJob.metadata) theJob.metadata.annotations = { 'awscheck.io/generation': '7' };
    expect(runOutcome({ job: theJob, pod: terminated(0, message(runResult())) })?.generation).toBe(
      7,
    );
  });
});
