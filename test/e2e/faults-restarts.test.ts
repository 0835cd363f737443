// Replicas that die without warning (SIGKILL), on the shared control plane: in the middle
// of a burst of checks (while down, a finished run's Pod is deleted before its result was
// read), and while it leads with runs pending. Whatever was under way converges with no
// duplicate child, no run counted twice and no finished run lost. operator-ha.test.ts
// covers the plain failover and a restart during one run; these add load, pending runs
// and lost Pods.
import { CustomObjectsApi, type V1Job, type V1Pod } from '@kubernetes/client-node';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AwsCheck } from '../../operator/api/v1alpha1/awscheck.ts';
import { GROUP, VERSION } from '../../operator/api/v1alpha1/common.ts';
import { generationJobName, runNowJobName } from '../../operator/controller/names.ts';
import { readUnseenEnds } from '../../operator/controller/runs.ts';
import { conditionOf, CustomObjects } from '../support/awscheck.ts';
import { eventually } from '../support/eventually.ts';
import { kubeClients } from '../support/kube.ts';
import { createTenant } from '../support/tenant.ts';
import {
  installOperator,
  startOperator,
  type OperatorSetup,
  type RunningOperator,
} from '../support/operator.ts';
import { killProcessGroupNow, logTail } from '../env/processes.ts';

const env = inject('testenv');
const admin = kubeClients(env.kubeconfig);
const objects = new CustomObjects(env.kubeconfig);
const custom = admin.config.makeApiClient(CustomObjectsApi);
// The bound: a standby leads within 20 s of the leader's death.
const TAKEOVER_BOUND_MS = 20_000;
// The product's default Lease timings for the burst: its replica must not lose the Lease to
// a loaded machine before it is killed (requests time out after half the renew deadline).
const DEFAULT_LEASE = {
  AWSCHECK_LEASE_DURATION_SECONDS: '15',
  AWSCHECK_LEASE_RENEW_DEADLINE_SECONDS: '10',
  AWSCHECK_LEASE_RETRY_SECONDS: '2',
};
// The takeover test's Lease: short enough that a standby leads well within the 20 s bound
// (at most the duration plus a retry after the kill), roomy enough that a loaded machine
// (requests time out after 4 s) does not end a replica before the kill.
const TAKEOVER_LEASE = {
  AWSCHECK_LEASE_DURATION_SECONDS: '12',
  AWSCHECK_LEASE_RENEW_DEADLINE_SECONDS: '8',
  AWSCHECK_LEASE_RETRY_SECONDS: '2',
};
let setup: OperatorSetup;
const running: RunningOperator[] = [];
// Namespaces a test made, deleted after it so the next test's replicas start from quiet.
const namespacesMade: string[] = [];

beforeAll(async () => {
  setup = await installOperator(env);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((operator) => operator.stop()));
  await Promise.all(namespacesMade.splice(0).map((name) => admin.core.deleteNamespace({ name })));
});

async function start(
  name: string,
  extra: Readonly<Record<string, string>> = {},
): Promise<RunningOperator> {
  const operator = await startOperator(env, setup, name, extra);
  running.push(operator);
  return operator;
}

async function tenant(prefix: string): Promise<string> {
  const namespace = await createTenant(admin, objects, { prefix });
  namespacesMade.push(namespace);
  return namespace;
}

/** kill ends a replica as a node failure or the OOM killer does, and waits for its end. */
async function kill(operator: RunningOperator): Promise<number> {
  killProcessGroupNow(operator.process.pid);
  const { at } = await operator.exited;
  return at;
}

function checkBody(name: string, spec: Record<string, unknown> = {}): object {
  return {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCheck',
    metadata: { name },
    spec: { credentialRef: { name: 'readonly' }, service: 'sts', type: 'HealthCheck', ...spec },
  };
}

async function checksIn(namespace: string): Promise<AwsCheck[]> {
  const list = (await custom.listNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    plural: 'awschecks',
    namespace,
  })) as { items: AwsCheck[] };
  return list.items;
}

/** controlledBy lists the objects a check (or its CronJob) controls, by UID. */
function controlledBy<
  T extends { metadata?: { ownerReferences?: { uid: string; controller?: boolean }[] } },
>(items: readonly T[], uids: readonly (string | undefined)[]): T[] {
  return items.filter((item) =>
    item.metadata?.ownerReferences?.some(
      (owner) => owner.controller === true && uids.includes(owner.uid),
    ),
  );
}

/** eventsOf lists a check's Events as `reason xcount`, the count summed over a series. */
async function eventsOf(namespace: string, name: string): Promise<string[]> {
  const list = await admin.core.listNamespacedEvent({
    namespace,
    fieldSelector: `involvedObject.name=${name}`,
  });
  return list.items
    .map(
      (event) =>
        `${event.reason ?? ''} x${String((event.count ?? 1) + (event.series?.count ?? 0))}`,
    )
    .sort();
}

// explained adds the replicas' logs to a failure.
async function explained<T>(operators: readonly RunningOperator[], step: Promise<T>): Promise<T> {
  try {
    return await step;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    const logs = operators.map((o) => `--- ${o.name}\n${logTail(o.process.logFile, 30)}`);
    throw new Error([why, ...logs].join('\n'), { cause: error });
  }
}

// inParallel runs `work` over `items`, `width` at a time, as a GitOps tool applies a burst.
async function inParallel<T>(
  items: readonly T[],
  width: number,
  work: (item: T) => Promise<unknown>,
): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
}

// What a run that ended in the burst is recorded as: its result, or RunAborted when its Pod
// was deleted before its result was read (run-outcome.ts: after the Pod settle time).
const SUCCEEDED = {
  lastRun: { outcome: 'Succeeded' },
  healthy: { status: 'True', reason: 'RunSucceeded' },
  event: 'RunSucceeded x1',
};
const ABORTED = {
  lastRun: {
    outcome: 'Failed',
    reason: 'RunAborted',
    message: `the run's Pod was deleted before its result was read (Job Complete), without a result`,
  },
  healthy: { status: 'False', reason: 'RunAborted' },
  event: 'RunAborted x1',
};

describe('a replica SIGKILLed in the middle of a burst', () => {
  const NAMESPACES = 4;
  const PER_NAMESPACE = 50;
  // The first few checks of each namespace run at once; the rest wait for their schedule.
  const RUNNING = 3;

  it('is restarted and converges: one CronJob per check, one Job per run, every result recorded once, a run whose Pod was deleted unread as RunAborted', async () => {
    const namespaces = await Promise.all(Array.from({ length: NAMESPACES }, () => tenant('burst')));
    const first = await start('replica-a', DEFAULT_LEASE);
    const wanted = namespaces.flatMap((namespace) =>
      Array.from({ length: PER_NAMESPACE }, (_, i) => ({
        namespace,
        name: `check-${String(i).padStart(3, '0')}`,
        runs: i < RUNNING,
      })),
    );
    const applied = inParallel(wanted, 16, ({ namespace, name, runs }) =>
      objects.create(
        'awschecks',
        namespace,
        checkBody(name, { firstRun: runs ? 'Immediately' : 'OnSchedule' }),
      ),
    );
    // Killed once it is well into the burst: some CronJobs made, some runs started.
    const progress = await explained(
      [first],
      eventually(
        'the burst to be under way',
        async () => {
          const [cronJobs, jobs] = await Promise.all([
            admin.batch.listCronJobForAllNamespaces({ labelSelector: 'awscheck.io/check' }),
            admin.batch.listJobForAllNamespaces({ labelSelector: 'awscheck.io/check' }),
          ]);
          const ours = (items: readonly { metadata?: { namespace?: string } }[]): number =>
            items.filter((item) => namespaces.includes(item.metadata?.namespace ?? '')).length;
          const made = { cronJobs: ours(cronJobs.items), jobs: ours(jobs.items) };
          return made.cronJobs >= 20 && made.jobs >= 1 ? made : undefined;
        },
        60_000,
      ),
    );
    await kill(first);
    expect(progress.cronJobs).toBeLessThan(wanted.length);
    // While no replica runs, a run ends and its Pod is deleted (an eviction, a drain, a
    // collection of finished Pods) before any replica has read its result.
    const lost = await losePod(namespaces);
    await applied;

    const second = await start('replica-b', DEFAULT_LEASE);
    for (const namespace of namespaces) {
      await explained([second], convergedBurst(namespace, PER_NAMESPACE, RUNNING, lost));
    }
  }, 180_000);

  /** LostRun is a finished run whose Pod was deleted before its result was read. */
  interface LostRun {
    readonly namespace: string;
    readonly check: string;
    readonly job: string;
  }

  // finishedUnrecorded finds a run whose Job succeeded and whose check has recorded nothing.
  async function finishedUnrecorded(
    namespaces: readonly string[],
  ): Promise<{ namespace: string; check: string; job: V1Job } | undefined> {
    for (const namespace of namespaces) {
      const unrecorded = (await checksIn(namespace)).filter((c) => !c.status?.lastRun);
      const jobs = (await admin.batch.listNamespacedJob({ namespace })).items;
      for (const check of unrecorded) {
        const job = controlledBy(jobs, [check.metadata.uid]).find((j) => j.status?.succeeded === 1);
        if (job !== undefined) return { namespace, check: check.metadata.name, job };
      }
    }
    return undefined;
  }

  // losePod waits for a run that finished unrecorded and deletes its Pod.
  async function losePod(namespaces: readonly string[]): Promise<LostRun> {
    const lost = await eventually('a run to finish unrecorded', () =>
      finishedUnrecorded(namespaces),
    );
    const { namespace, job } = lost;
    const jobName = job.metadata?.name ?? '';
    const ofJob = async (): Promise<V1Pod[]> =>
      controlledBy((await admin.core.listNamespacedPod({ namespace })).items, [job.metadata?.uid]);
    const [pod, ...more] = await ofJob();
    expect(pod).toBeDefined();
    expect(more).toEqual([]);
    const { name = '', uid = '' } = pod?.metadata ?? {};
    await deletePodReadingLive(job, { name, namespace, uid }, ofJob);
    return { namespace, check: lost.check, job: jobName };
  }

  // deletePodReadingLive deletes a finished run's Pod, checking the apiserver's answer the
  // operator can ask for (runs.ts readUnseenEnds) before and after: a Pod not in a cache is
  // read live, and only one the apiserver no longer has is gone.
  async function deletePodReadingLive(
    job: V1Job,
    pod: { name: string; namespace: string; uid: string },
    ofJob: () => Promise<V1Pod[]>,
  ): Promise<void> {
    const unseen = [{ job, pod: undefined }];
    const [live] = await readUnseenEnds(admin.core, unseen);
    expect([live?.pod?.metadata?.uid, live?.podGone]).toEqual([pod.uid, undefined]);
    await admin.core.deleteNamespacedPod({ name: pod.name, namespace: pod.namespace });
    await eventually('the Pod to be gone', async () =>
      (await ofJob()).length === 0 ? true : undefined,
    );
    expect((await readUnseenEnds(admin.core, unseen))[0]?.podGone).toBe(true);
    const recorded = [job.metadata?.name ?? ''];
    const [untouched] = await readUnseenEnds(admin.core, unseen, recorded);
    expect(untouched).toEqual(unseen[0]);
  }

  // convergedBurst waits for a namespace's burst to converge, then judges its children.
  async function convergedBurst(
    namespace: string,
    total: number,
    runs: number,
    lost: LostRun,
  ): Promise<void> {
    const checks = await eventually(
      `every check in ${namespace} Ready, and its runs recorded`,
      async () => {
        const all = await checksIn(namespace);
        const settled = all.filter((check) => {
          const ready = conditionOf(check, 'Ready');
          const recorded =
            check.spec.firstRun === 'OnSchedule' || check.status?.lastRun !== undefined;
          return (
            ready?.status === 'True' &&
            ready.observedGeneration === check.metadata.generation &&
            recorded
          );
        });
        return all.length === total && settled.length === total ? all : undefined;
      },
      90_000,
    );
    const [cronJobs, jobs] = await Promise.all([
      admin.batch.listNamespacedCronJob({ namespace }),
      admin.batch.listNamespacedJob({ namespace }),
    ]);
    const runJobs: V1Job[] = [];
    for (const check of checks) {
      const { name, uid } = check.metadata;
      const own = controlledBy(cronJobs.items, [uid]);
      expect(
        own.map((c) => c.metadata?.name),
        `${name}'s CronJobs`,
      ).toEqual([name]);
      const ran = controlledBy(jobs.items, [uid, own[0]?.metadata?.uid]);
      runJobs.push(...ran);
      if (check.spec.firstRun === 'OnSchedule') {
        expect(ran, `${name} has no run`).toEqual([]);
        continue;
      }
      // One Job for its one run, recorded in status, with one Event.
      const job = generationJobName(name, uid ?? '', 1);
      expect(
        ran.map((j) => j.metadata?.name),
        `${name}'s Jobs`,
      ).toEqual([job]);
      expect(check.status?.recordedRuns, name).toEqual([job]);
      const expected = lost.namespace === namespace && lost.check === name ? ABORTED : SUCCEEDED;
      expect(check.status?.lastRun, name).toMatchObject({ jobName: job, ...expected.lastRun });
      expect(conditionOf(check, 'Healthy'), name).toMatchObject(expected.healthy);
      expect(
        await eventually(`${name}'s Event`, async () => {
          const events = await eventsOf(namespace, name);
          return events.length > 0 ? events : undefined;
        }),
      ).toEqual([expected.event]);
    }
    expect(runJobs).toHaveLength(runs);
  }
});

describe('the leader SIGKILLed with runs pending', () => {
  it('the standby leads within 20 s and records every pending run once', async () => {
    const a = await start('replica-a', TAKEOVER_LEASE);
    const b = await start('replica-b', TAKEOVER_LEASE);
    const leader = await eventually('one leader', async () => {
      const leading = await Promise.all([a.isLeader(), b.isLeader()]);
      return leading.filter(Boolean).length === 1 ? (leading[0] ? a : b) : undefined;
    });
    const standby = leader === a ? b : a;
    const namespace = await tenant('pending');
    const names = ['p-0', 'p-1', 'p-2', 'p-3', 'p-4', 'p-5'];
    for (const name of names) {
      await objects.create('awschecks', namespace, checkBody(name, { firstRun: 'OnSchedule' }));
    }
    await explained(
      [leader],
      eventually(
        'every check Ready',
        async () => {
          const all = await checksIn(namespace);
          const ready = all.filter((c) => conditionOf(c, 'Ready')?.status === 'True');
          return ready.length === names.length ? true : undefined;
        },
        60_000,
      ),
    );

    // Every check asks for a run; the leader dies as soon as the first is under way, so
    // some are started and unrecorded, some not started at all.
    await Promise.all(
      names.map((name) =>
        objects.mergePatch('awschecks', namespace, name, {
          metadata: { annotations: { 'awscheck.io/run-now': 'pending' } },
        }),
      ),
    );
    await eventually('a run to be started', async () => {
      const jobs = await admin.batch.listNamespacedJob({ namespace });
      return jobs.items.length > 0 ? true : undefined;
    });
    const killedAt = await kill(leader);
    const unrecorded = (await checksIn(namespace)).filter((c) => c.status?.lastRun === undefined);
    expect(unrecorded.length).toBeGreaterThan(0);

    const ledAt = await explained(
      [standby],
      eventually(
        'the standby to lead',
        async () => ((await standby.isLeader()) ? Date.now() : undefined),
        TAKEOVER_BOUND_MS + 5_000,
      ),
    );
    console.log(`the standby led ${String(ledAt - killedAt)} ms after the leader was killed`);
    expect(ledAt - killedAt).toBeLessThanOrEqual(TAKEOVER_BOUND_MS);

    const checks = await explained(
      [standby],
      eventually(
        'every pending run recorded',
        async () => {
          const all = await checksIn(namespace);
          const done = all.filter(
            (c) => c.status?.runNowToken === 'pending' && c.status.lastRun?.outcome === 'Succeeded',
          );
          return done.length === names.length ? all : undefined;
        },
        60_000,
      ),
    );
    const jobs = (await admin.batch.listNamespacedJob({ namespace })).items;
    for (const check of checks) {
      const { name, uid = '' } = check.metadata;
      const job = runNowJobName(name, uid, 'pending');
      expect(check.status?.lastRun?.jobName, name).toBe(job);
      expect(
        controlledBy(jobs, [uid]).map((j) => j.metadata?.name),
        `${name}'s Jobs`,
      ).toEqual([job]);
      expect(
        await eventually(`${name}'s Event`, async () => {
          const events = await eventsOf(namespace, name);
          return events.length > 0 ? events : undefined;
        }),
      ).toEqual(['RunSucceeded x1']);
    }
  }, 120_000);
});
