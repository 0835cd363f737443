import type { V1Job } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { planAdmission, queuedJob, type QueuedJob } from './run-admission.ts';

// at makes a Job for admission: created at minute `minute`, in the state named.
function at(
  name: string,
  minute: number,
  state: 'queued' | 'running' | 'done' | 'ending',
): QueuedJob {
  return {
    name,
    uid: `uid-${name}`,
    created: minute * 60_000,
    suspended: state === 'queued',
    finished: state === 'done' || state === 'ending',
    pods: state === 'running' || state === 'ending' ? 1 : 0,
  };
}

interface Row {
  what: string;
  jobs: QueuedJob[];
  limit: number;
  resumed?: string[];
  resume: string[];
  active: number;
}

describe('planAdmission', () => {
  it.each<Row>([
    { what: 'nothing queued', jobs: [at('a', 1, 'running')], limit: 1, resume: [], active: 1 },
    {
      what: 'the oldest queued runs first, up to the limit',
      jobs: [at('c', 3, 'queued'), at('a', 1, 'queued'), at('b', 2, 'queued')],
      limit: 2,
      resume: ['a', 'b'],
      active: 0,
    },
    {
      what: 'ties by creation go by name',
      jobs: [at('y', 1, 'queued'), at('x', 1, 'queued')],
      limit: 1,
      resume: ['x'],
      active: 0,
    },
    {
      what: 'a full namespace starts nothing',
      jobs: [at('a', 1, 'running'), at('b', 2, 'queued')],
      limit: 1,
      resume: [],
      active: 1,
    },
    {
      what: 'finished runs free their place',
      jobs: [at('a', 1, 'done'), at('b', 2, 'done'), at('c', 3, 'queued')],
      limit: 1,
      resume: ['c'],
      active: 0,
    },
    {
      what: 'a finished run whose Pod still ends holds its place',
      jobs: [at('a', 1, 'ending'), at('b', 2, 'queued')],
      limit: 1,
      resume: [],
      active: 1,
    },
    {
      what: 'one just resumed that the cache still shows suspended counts, and is not resumed again',
      jobs: [at('a', 1, 'queued'), at('b', 2, 'queued')],
      limit: 1,
      resumed: ['uid-a'],
      resume: [],
      active: 1,
    },
    {
      what: 'with room, the next after the one just resumed',
      jobs: [at('a', 1, 'queued'), at('b', 2, 'queued'), at('c', 3, 'queued')],
      limit: 2,
      resumed: ['uid-a'],
      resume: ['b'],
      active: 1,
    },
    {
      what: 'a limit of 0 (an inactive plan) starts nothing',
      jobs: [at('a', 1, 'queued')],
      limit: 0,
      resume: [],
      active: 0,
    },
    {
      what: 'a lowered limit already exceeded starts nothing and stops nothing',
      jobs: [at('a', 1, 'running'), at('b', 2, 'running'), at('c', 3, 'queued')],
      limit: 1,
      resume: [],
      active: 2,
    },
  ])('$what', ({ jobs, limit, resumed = [], resume, active }) => {
    const admission = planAdmission({ jobs, limit, resumed: new Set(resumed) });
    expect(admission.resume.map((job) => job.name)).toEqual(resume);
    expect(admission.active).toBe(active);
  });

  it('never starts more than the limit, whatever the mix', () => {
    const states = ['queued', 'running', 'done', 'ending'] as const;
    for (let mix = 0; mix < 4 ** 5; mix += 1) {
      const jobs = [0, 1, 2, 3, 4].map((i) =>
        at(`j${String(i)}`, i, states[Math.floor(mix / 4 ** i) % 4] ?? 'queued'),
      );
      for (const limit of [0, 1, 2, 3]) {
        const { resume, active } = planAdmission({ jobs, limit, resumed: new Set() });
        expect(active + resume.length).toBeLessThanOrEqual(Math.max(limit, active));
        expect(resume.every((job) => job.suspended && !job.finished)).toBe(true);
      }
    }
  });
});

describe('queuedJob', () => {
  it.each<[string, V1Job, Partial<QueuedJob>]>([
    ['a suspended Job', { spec: { template: {}, suspend: true } }, { suspended: true, pods: 0 }],
    [
      'a resumed Job with a Pod',
      { spec: { template: {}, suspend: false }, status: { active: 1 } },
      { suspended: false, finished: false, pods: 1 },
    ],
    [
      'a failed Job whose Pod is terminating',
      {
        spec: { template: {} },
        status: { terminating: 1, conditions: [{ type: 'Failed', status: 'True' }] },
      },
      { suspended: false, finished: true, pods: 1 },
    ],
  ])('reads %s', (_, job, expected) => {
    expect(queuedJob(job)).toMatchObject(expected);
  });
});
