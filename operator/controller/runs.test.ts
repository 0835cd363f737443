import type { V1ContainerState, V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { CHECKER_CONTAINER } from './checker-pod.ts';
import { CONTROLLER_UID_LABEL, newestPod, readUnseenEnds } from './runs.ts';

const JOB_UID = 'job-uid';

function job(finished: boolean): V1Job {
  return {
    metadata: { name: 'web-1', namespace: 'team', uid: JOB_UID },
    spec: { template: {} },
    status: finished ? { conditions: [{ type: 'Complete', status: 'True' }] } : {},
  };
}

function pod(name: string, created: string, state: V1ContainerState, owner = JOB_UID): V1Pod {
  return {
    metadata: {
      name,
      namespace: 'team',
      uid: `${name}-uid`,
      creationTimestamp: new Date(created),
      ownerReferences: [
        { apiVersion: 'batch/v1', kind: 'Job', name: 'web-1', uid: owner, controller: true },
      ],
    },
    status: {
      containerStatuses: [
        {
          name: CHECKER_CONTAINER,
          image: 'checker',
          imageID: '',
          ready: false,
          restartCount: 0,
          state,
        },
      ],
    },
  };
}

const RUNNING: V1ContainerState = { running: { startedAt: new Date('2024-06-01T12:00:01Z') } };
const ENDED: V1ContainerState = { terminated: { exitCode: 0, reason: 'Completed' } };

/** apiserver answers the Job's Pods with `pods` and keeps the selectors it was asked. */
function apiserver(pods: V1Pod[]): {
  core: Parameters<typeof readUnseenEnds>[0];
  asked: string[];
} {
  const asked: string[] = [];
  return {
    asked,
    core: {
      listNamespacedPod: ({ labelSelector }) => {
        asked.push(labelSelector ?? '');
        return Promise.resolve({ items: pods });
      },
    },
  };
}

describe('readUnseenEnds', () => {
  it('reads the live Pod of a finished run whose cached Pod lags behind', async () => {
    const live = pod('web-1-a', '2024-06-01T12:00:00Z', ENDED);
    const { core, asked } = apiserver([live]);
    const stale = { job: job(true), pod: pod('web-1-a', '2024-06-01T12:00:00Z', RUNNING) };
    expect(await readUnseenEnds(core, [stale])).toEqual([{ job: stale.job, pod: live }]);
    expect(asked).toEqual([`${CONTROLLER_UID_LABEL}=${JOB_UID}`]);
  });

  it('marks a finished run whose Job has no Pod left as gone', async () => {
    const { core } = apiserver([]);
    const unseen = { job: job(true), pod: undefined };
    expect(await readUnseenEnds(core, [unseen])).toEqual([{ ...unseen, podGone: true }]);
  });

  it('asks nothing for a cached end, an unfinished run or a recorded run', async () => {
    const { core, asked } = apiserver([]);
    const runs = [
      { job: job(true), pod: pod('web-1-a', '2024-06-01T12:00:00Z', ENDED) },
      { job: job(false), pod: pod('web-1-a', '2024-06-01T12:00:00Z', RUNNING) },
    ];
    expect(await readUnseenEnds(core, runs)).toEqual(runs);
    const recorded = [{ job: job(true), pod: undefined }];
    expect(await readUnseenEnds(core, recorded, ['web-1'])).toEqual(recorded);
    expect(asked).toEqual([]);
  });
});

describe('newestPod', () => {
  it('is the newest Pod the Job controls, whatever else carries its label', () => {
    const older = pod('web-1-a', '2024-06-01T12:00:00Z', ENDED);
    const newer = pod('web-1-b', '2024-06-01T12:00:05Z', RUNNING);
    const forged = pod('web-1-c', '2024-06-01T12:00:09Z', ENDED, 'someone-else');
    expect(newestPod([older, forged, newer], job(true))).toBe(newer);
  });
});
