import type { CoreV1Api, CustomObjectsApi, CoreV1Event, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { AwsCheck, AwsCheckStatus } from '../api/v1alpha1/awscheck.ts';
import type { Condition } from '../api/v1alpha1/common.ts';
import { runNowJobName } from '../controller/names.ts';
import type { LastRun } from '../controller/run-outcome.ts';
import { RUN_NOW_ANNOTATION } from '../labels.ts';
import type { PluginClients } from './client.ts';
import { logs, POLL_MS, run, type Io } from './commands.ts';
import { PluginError } from './errors.ts';

const UID = 'b6a1c3e0-0000-4000-8000-000000000001';
const TIMEOUT_MS = 5_000;

// A request as run made it: its token (random, read back from the patch) and Job name.
interface Asked {
  readonly token: string;
  readonly jobName: string;
}

/** Script is the check the apiserver holds at each read after the run was asked for. */
type Script = (read: number, asked: Asked) => Partial<AwsCheck> | 'hang';

interface Cluster {
  readonly clients: PluginClients;
  readonly patches: unknown[];
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

function awsCheck(annotation: string | undefined, status: AwsCheckStatus | undefined): AwsCheck {
  return {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCheck',
    metadata: {
      namespace: 'team-a',
      name: 'web',
      uid: UID,
      generation: 1,
      ...(annotation !== undefined && { annotations: { [RUN_NOW_ANNOTATION]: annotation } }),
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

// cluster fakes the two API clients: the check before the request is `before`, after it
// what `script` says; Events and Pods are fixed lists.
function cluster(
  before: AwsCheckStatus | undefined,
  script: Script,
  extra: { events?: (read: number) => CoreV1Event[]; pods?: V1Pod[]; log?: string } = {},
): Cluster {
  const patches: unknown[] = [];
  let asked: Asked | undefined;
  let reads = 0;
  let eventReads = 0;
  const objects = {
    getNamespacedCustomObject: async (): Promise<AwsCheck> => {
      if (asked === undefined) return awsCheck(undefined, before);
      const answer = script(reads++, asked);
      if (answer === 'hang') return new Promise<never>(() => undefined);
      return { ...awsCheck(asked.token, before), ...answer };
    },
    patchNamespacedCustomObject: async (request: { body: unknown }): Promise<void> => {
      patches.push(request.body);
      const body = request.body as { metadata: { annotations: Record<string, string> } };
      const token = body.metadata.annotations[RUN_NOW_ANNOTATION] ?? '';
      asked = { token, jobName: runNowJobName('web', UID, token) };
      return Promise.resolve();
    },
  };
  const core = {
    listNamespacedEvent: () => Promise.resolve({ items: extra.events?.(eventReads++) ?? [] }),
    listNamespacedPod: () => Promise.resolve({ items: extra.pods ?? [] }),
    readNamespacedPodLog: () => Promise.resolve(extra.log ?? ''),
  };
  return {
    clients: {
      objects: objects as unknown as CustomObjectsApi,
      core: core as unknown as CoreV1Api,
      namespace: 'team-a',
    },
    patches,
  };
}

interface Terminal extends Io {
  readonly stdout: () => string;
  readonly stderr: () => string;
}

// terminal is an Io on a fake clock: a sleep moves the clock on once the work pending
// before it has settled (a turn of the event loop), unless its signal aborted it first.
function terminal(): Terminal {
  let now = Date.parse('2026-03-02T12:00:00Z');
  let out = '';
  let err = '';
  return {
    out: (text) => (out += text),
    err: (text) => (err += text),
    now: () => new Date(now),
    sleep: async (ms, signal) => {
      await new Promise((settled) => setImmediate(settled));
      if (signal?.aborted !== true) now += ms;
    },
    stdout: () => out,
    stderr: () => err,
  };
}

const SCHEDULED: AwsCheckStatus = { cronJobName: 'web', runNowToken: 'before' };

function finished(jobName: string, outcome: LastRun['outcome']): LastRun {
  return {
    jobName,
    startTime: '2026-03-02T12:00:01Z',
    completionTime: '2026-03-02T12:00:03Z',
    durationMs: 2000,
    outcome,
    message: outcome === 'Succeeded' ? '3 resources' : 'ec2:DescribeInstances was denied',
    ...(outcome === 'Failed' && { reason: 'PermissionDenied' }),
    resources: 3,
    unhealthy: 0,
  };
}

const wait = { name: 'web', wait: true, timeoutMs: TIMEOUT_MS };

describe('run --wait', () => {
  it('prints the result of its run and exits 0 when it succeeded', async () => {
    const io = terminal();
    const { clients } = cluster(SCHEDULED, (read, { token, jobName }) => ({
      status:
        read < 2
          ? { ...SCHEDULED, runNowToken: token }
          : { ...SCHEDULED, lastRun: finished(jobName, 'Succeeded'), recordedRuns: [jobName] },
    }));

    await expect(run(clients, io, wait)).resolves.toBe(0);
    expect(io.stdout()).toMatch(/^awscheck\/web run web-now-\w+: Succeeded in 2\.0s\n/);
  });

  it('exits 1 when its run failed', async () => {
    const io = terminal();
    const { clients } = cluster(SCHEDULED, (_, { jobName }) => ({
      status: { ...SCHEDULED, lastRun: finished(jobName, 'Failed'), recordedRuns: [jobName] },
    }));

    await expect(run(clients, io, wait)).resolves.toBe(1);
    expect(io.stdout()).toContain('Failed (PermissionDenied)');
  });

  it('says each state once, however often it reads it', async () => {
    const io = terminal();
    const { clients } = cluster(SCHEDULED, (read, { token, jobName }) => {
      if (read < 2) return { status: SCHEDULED };
      if (read < 4) return { status: { ...SCHEDULED, runNowToken: token } };
      return {
        status: { ...SCHEDULED, lastRun: finished(jobName, 'Succeeded'), recordedRuns: [jobName] },
      };
    });

    await run(clients, io, wait);

    const lines = io.stderr().split('\n').slice(1);
    expect(lines).toEqual(['waiting for the operator to start the run', 'running', '']);
  });

  it('times out at --timeout while the run does not end', async () => {
    const io = terminal();
    const { clients } = cluster(SCHEDULED, (_, { token }) => ({
      status: { ...SCHEDULED, runNowToken: token },
    }));

    await expect(run(clients, io, wait)).rejects.toThrow(
      /^timed out after 5s waiting for run web-now-\w+ of awscheck\/web; it goes on/,
    );
    expect(io.now().getTime() - Date.parse('2026-03-02T12:00:00Z')).toBe(TIMEOUT_MS);
  });

  it('times out at --timeout when the apiserver stops answering', async () => {
    const io = terminal();
    const { clients } = cluster(SCHEDULED, (read, { token }) =>
      read < 2 ? { status: { ...SCHEDULED, runNowToken: token } } : 'hang',
    );

    await expect(run(clients, io, wait)).rejects.toThrow(/^timed out after 5s/);
    expect(io.now().getTime() - Date.parse('2026-03-02T12:00:00Z')).toBe(TIMEOUT_MS);
  });

  it('fails at once when the check turns Stalled without a CronJob', async () => {
    const io = terminal();
    const { clients } = cluster(SCHEDULED, () => ({
      status: { conditions: [condition('Stalled', 'PlanLimitExceeded')] },
    }));

    await expect(run(clients, io, wait)).rejects.toThrow(
      'awscheck/web cannot run: PlanLimitExceeded: says PlanLimitExceeded',
    );
    expect(io.now().toISOString()).toBe('2026-03-02T12:00:00.000Z');
  });

  it('fails at once when another request replaced its token unread', async () => {
    const io = terminal();
    const { clients } = cluster(SCHEDULED, () => ({
      metadata: { ...awsCheck('kubectl-other', undefined).metadata },
      status: { ...SCHEDULED, runNowToken: 'kubectl-other' },
    }));

    await expect(run(clients, io, wait)).rejects.toThrow(
      /was replaced by another \(kubectl-other\) before the operator read it, so run web-now-\w+ will not start/,
    );
    expect(io.now().toISOString()).toBe('2026-03-02T12:00:00.000Z');
  });

  it('keeps waiting for a run seen started, though a later token replaced it', async () => {
    const io = terminal();
    const other = { ...awsCheck('kubectl-other', undefined).metadata };
    const { clients } = cluster(SCHEDULED, (read, { token, jobName }) => {
      if (read === 0) return { status: { ...SCHEDULED, runNowToken: token } };
      if (read < 3) return { metadata: other, status: { ...SCHEDULED, runNowToken: 'other' } };
      const lastRun = finished(jobName, 'Succeeded');
      return { metadata: other, status: { ...SCHEDULED, lastRun, recordedRuns: [jobName] } };
    });

    await expect(run(clients, io, wait)).resolves.toBe(0);
  });

  it('reads the outcome of a superseded run from its Event', async () => {
    const io = terminal();
    let jobOfRun = '';
    const later = finished('web-28000000', 'Failed');
    const { clients } = cluster(
      SCHEDULED,
      (_, { jobName }) => {
        jobOfRun = jobName;
        return { status: { ...SCHEDULED, lastRun: later, recordedRuns: [jobName, later.jobName] } };
      },
      {
        // The Event is recorded after the status: the first look finds none.
        events: (read) =>
          read === 0
            ? []
            : [{ type: 'Normal', reason: 'RunSucceeded', message: `${jobOfRun}: 3 resources` }],
      } as { events: (read: number) => CoreV1Event[] },
    );

    await expect(run(clients, io, wait)).resolves.toBe(0);
    expect(io.stdout()).toBe(
      [
        `awscheck/web run ${jobOfRun}: Succeeded`,
        '  3 resources',
        "  (a run that ended later, web-28000000, is the check's lastRun)",
        '',
      ].join('\n'),
    );
  });

  it('polls every POLL_MS', async () => {
    const io = terminal();
    const { clients } = cluster(SCHEDULED, (read, { token, jobName }) => ({
      status:
        read < 4
          ? { ...SCHEDULED, runNowToken: token }
          : { ...SCHEDULED, lastRun: finished(jobName, 'Succeeded'), recordedRuns: [jobName] },
    }));

    await run(clients, io, wait);

    expect(io.now().getTime() - Date.parse('2026-03-02T12:00:00Z')).toBe(4 * POLL_MS);
  });
});

describe('run', () => {
  it('asks with a fresh run-now token and exits 0 without waiting', async () => {
    const io = terminal();
    const { clients, patches } = cluster(SCHEDULED, () => 'hang');

    await expect(run(clients, io, { ...wait, wait: false })).resolves.toBe(0);
    const annotations = patches.map(
      (body) =>
        (body as { metadata: { annotations: Record<string, string> } }).metadata.annotations,
    );
    expect(annotations).toHaveLength(1);
    expect(Object.keys(annotations[0] ?? {})).toEqual([RUN_NOW_ANNOTATION]);
    expect(annotations[0]?.[RUN_NOW_ANNOTATION]).toMatch(/^kubectl-\d{8}t\d{6}z-[0-9a-f]{8}$/);
  });

  it('refuses a check that cannot run, asking nothing', async () => {
    const io = terminal();
    const stalled = { conditions: [condition('Stalled', 'PlanLimitExceeded')] };
    const { clients, patches } = cluster(stalled, () => 'hang');

    const ran = run(clients, io, { ...wait, wait: false });

    await expect(ran).rejects.toThrow(PluginError);
    await expect(ran).rejects.toThrow(
      'awscheck/web cannot run, so no run was requested: PlanLimitExceeded: says PlanLimitExceeded',
    );
    expect(patches).toEqual([]);
  });
});

describe('logs', () => {
  const pod: V1Pod = {
    metadata: { name: 'web-28000000-abcde' },
    status: {
      containerStatuses: [
        {
          name: 'checker',
          image: 'awscheck',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode: 0, message: '{"outcome":"Succeeded"}' } },
        },
      ],
    },
  };
  const status: AwsCheckStatus = { lastRun: finished('web-28000000', 'Succeeded') };

  it("prints the checker's log of the last run", async () => {
    const io = terminal();
    const log = '{"level":"info","msg":"listed"}\n';
    const { clients } = cluster(status, () => 'hang', { pods: [pod], log });

    await expect(logs(clients, io, { name: 'web', result: false })).resolves.toBe(0);
    expect(io.stdout()).toBe(log);
  });

  it('prints the termination message with --result', async () => {
    const io = terminal();
    const { clients } = cluster(status, () => 'hang', { pods: [pod] });

    await logs(clients, io, { name: 'web', result: true });

    expect(io.stdout()).toBe('{\n  "outcome": "Succeeded"\n}\n');
  });

  it('says how to start a run when there is none', async () => {
    const { clients } = cluster(undefined, () => 'hang');

    await expect(logs(clients, terminal(), { name: 'web', result: false })).rejects.toThrow(
      'awscheck/web has no finished run yet: start one with kubectl awscheck run web --wait',
    );
  });
});
