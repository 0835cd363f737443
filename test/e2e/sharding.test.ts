// Sharding end to end, as production runs it: one install (one identity, one fence), two
// operator Deployments stood in for by two processes, each with its own shard selector
// and Lease. Every check is reconciled by exactly one shard, and a namespace relabelled
// from one shard to the other is taken over with nothing lost.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CoordinationV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { AwsCheck } from '../../operator/api/v1alpha1/awscheck.ts';
import { generationJobName, runNowJobName } from '../../operator/controller/names.ts';
import { RUN_NOW_ANNOTATION } from '../../operator/labels.ts';
import { matches, parseSelector } from '../../operator/shard.ts';
import { conditionOf, CustomObjects } from '../support/awscheck.ts';
import { eventually } from '../support/eventually.ts';
import { metricTotal } from '../support/metrics.ts';
import { kubeClients } from '../support/kube.ts';
import { createTenant } from '../support/tenant.ts';
import {
  installOperator,
  startOperator,
  type OperatorSetup,
  type RunningOperator,
} from '../support/operator.ts';

const env = inject('testenv');
const admin = kubeClients(env.kubeconfig);
const objects = new CustomObjects(env.kubeconfig);
const coordination = admin.config.makeApiClient(CoordinationV1Api);
// A label key of this file alone, so no other file's namespace falls in a shard.
const SHARD_LABEL = `e2e-shard-${randomBytes(3).toString('hex')}`;
let setup: OperatorSetup;
const shards: Record<'a' | 'b', RunningOperator | undefined> = { a: undefined, b: undefined };

beforeAll(async () => {
  setup = await installOperator(env);
  for (const shard of ['a', 'b'] as const) {
    shards[shard] = await startOperator(env, setup, `shard-${shard}`, {
      AWSCHECK_SHARD_SELECTOR: `${SHARD_LABEL}=${shard}`,
      AWSCHECK_LEASE_NAME: `awscheck-operator-${shard}`,
    });
  }
});

afterAll(async () => {
  const running = Object.values(shards).filter((operator) => operator !== undefined);
  await Promise.all(running.map((operator) => operator.stop()));
});

function shard(name: 'a' | 'b'): RunningOperator {
  const running = shards[name];
  if (running === undefined) throw new Error(`shard ${name} is not running`);
  return running;
}

async function metricsOf(operator: RunningOperator): Promise<string> {
  return (await fetch(`${operator.url}/metrics`)).text();
}

// publishes: the shard exports some series of the namespace's checks or credential refs.
async function publishes(operator: RunningOperator, namespace: string): Promise<boolean> {
  return (await metricsOf(operator)).includes(`namespace="${namespace}"`);
}

// checkReconciles is the shard's count of AwsCheck reconciles, errors included.
async function checkReconciles(operator: RunningOperator): Promise<number> {
  return metricTotal(await metricsOf(operator), 'awscheck_reconcile_total', { kind: 'AwsCheck' });
}

async function tenantIn(shardName: 'a' | 'b', check: string): Promise<string> {
  const namespace = await createTenant(admin, objects, {
    prefix: `shard-${shardName}`,
    labels: { [SHARD_LABEL]: shardName },
  });
  await objects.create('awschecks', namespace, {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCheck',
    metadata: { name: check },
    spec: {
      credentialRef: { name: 'readonly' },
      service: 'sts',
      type: 'HealthCheck',
      timeoutSeconds: 20,
    },
  });
  return namespace;
}

async function checkWhen(
  namespace: string,
  name: string,
  what: string,
  test: (check: AwsCheck) => boolean,
): Promise<AwsCheck> {
  return eventually(what, async () => {
    const check = await objects.check(namespace, name);
    return test(check) ? check : undefined;
  });
}

const healthy = (check: AwsCheck): boolean => conditionOf(check, 'Healthy')?.status === 'True';

// readyAndHealthy: a first run can end before its credential ref's validation, so Healthy
// alone may come while Ready still says CredentialsPending.
const readyAndHealthy = (check: AwsCheck): boolean =>
  healthy(check) && conditionOf(check, 'Ready')?.status === 'True';

async function relabel(namespace: string, shardName: 'a' | 'b'): Promise<void> {
  await admin.core.patchNamespace(
    { name: namespace, body: { metadata: { labels: { [SHARD_LABEL]: shardName } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

async function runEvents(namespace: string, name: string): Promise<string[]> {
  const list = await admin.core.listNamespacedEvent({
    namespace,
    fieldSelector: `involvedObject.name=${name},involvedObject.kind=AwsCheck`,
  });
  return list.items
    .filter((event) => event.reason === 'RunSucceeded' || event.reason === 'RunFailed')
    .map((event) => `${event.reason} x${event.count ?? 1}`);
}

interface LogLine {
  readonly msg?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly job?: string;
}

// logLines are the JSON log lines every shard process wrote about one namespace, restarts
// included (a process's log file is appended to).
function logLines(namespace: string): (LogLine & { shard: string })[] {
  return Object.values(shards).flatMap((operator) => {
    if (operator === undefined) return [];
    return readFileSync(operator.process.logFile, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => ({ ...(JSON.parse(line) as LogLine), shard: operator.name }))
      .filter((line) => line.namespace === namespace);
  });
}

describe('two shards', () => {
  it('each hold their own Lease and lead it', async () => {
    await eventually('both shards to lead their own Lease', async () =>
      (await shard('a').isLeader()) && (await shard('b').isLeader()) ? true : undefined,
    );
    const leases = await coordination.listNamespacedLease({ namespace: setup.namespace });
    const holders = new Map(
      leases.items.map((lease) => [lease.metadata?.name ?? '', lease.spec?.holderIdentity ?? '']),
    );
    expect(holders.get('awscheck-operator-a')).toMatch(/^shard-a-/);
    expect(holders.get('awscheck-operator-b')).toMatch(/^shard-b-/);
  });

  it('reconcile every check in exactly one shard: the other never publishes or touches it', async () => {
    const [east, west] = await Promise.all([tenantIn('a', 'east'), tenantIn('b', 'west')]);
    await Promise.all([
      checkWhen(east, 'east', 'east to be Healthy', healthy),
      checkWhen(west, 'west', 'west to be Healthy', healthy),
    ]);
    await eventually('each shard to publish its own check', async () =>
      (await publishes(shard('a'), east)) && (await publishes(shard('b'), west)) ? true : undefined,
    );
    expect(await publishes(shard('a'), west)).toBe(false);
    expect(await publishes(shard('b'), east)).toBe(false);

    // With shard b gone, a change to west waits for b; shard a reconciles east's change
    // and resyncs (every second) several times without looking at west.
    await shard('b').stop();
    shards.b = undefined;
    const before = await checkReconciles(shard('a'));
    for (const [namespace, name] of [
      [east, 'east'],
      [west, 'west'],
    ] as const) {
      await objects.mergePatch('awschecks', namespace, name, { spec: { timeoutSeconds: 30 } });
    }
    await checkWhen(east, 'east', 'shard a to observe east’s change', (check) => {
      return check.status?.observedGeneration === 2;
    });
    await eventually('shard a to resync a few times', async () =>
      (await checkReconciles(shard('a'))) >= before + 4 ? true : undefined,
    );
    const untouched = await objects.check(west, 'west');
    expect(untouched.metadata.generation).toBe(2);
    expect(untouched.status?.observedGeneration).toBe(1);

    shards.b = await startOperator(env, setup, 'shard-b', {
      AWSCHECK_SHARD_SELECTOR: `${SHARD_LABEL}=b`,
      AWSCHECK_LEASE_NAME: 'awscheck-operator-b',
    });
    await checkWhen(west, 'west', 'the restarted shard b to observe west’s change', (check) => {
      return check.status?.observedGeneration === 2;
    });
  });

  it('hand a relabelled namespace over: b takes it, a lets go, the run in flight is recorded once', async () => {
    const namespace = await tenantIn('a', 'mover');
    const first = await checkWhen(namespace, 'mover', 'mover’s first run', readyAndHealthy);
    const uid = first.metadata.uid ?? '';
    const cronJobs = await admin.batch.listNamespacedCronJob({ namespace });
    const cronJobUids = cronJobs.items.map((cronJob) => cronJob.metadata?.uid);
    expect(cronJobUids).toHaveLength(1);
    await eventually('shard a to publish mover', async () =>
      (await publishes(shard('a'), namespace)) ? true : undefined,
    );

    // Shard a starts a run now; the namespace moves while it runs.
    await objects.mergePatch('awschecks', namespace, 'mover', {
      metadata: { annotations: { [RUN_NOW_ANNOTATION]: 'moving' } },
    });
    const runNow = runNowJobName('mover', uid, 'moving');
    await eventually('shard a to start the run', async () => {
      const jobs = await admin.batch.listNamespacedJob({ namespace });
      return jobs.items.some((job) => job.metadata?.name === runNow) ? true : undefined;
    });
    await relabel(namespace, 'b');

    const moved = await checkWhen(namespace, 'mover', 'the run to be recorded', (check) => {
      return check.status?.lastRun?.jobName === runNow && check.status.runNowToken === 'moving';
    });
    expect(moved.status?.lastRun?.outcome).toBe('Succeeded');
    expect(moved.status?.consecutiveFailures).toBe(0);
    expect(conditionOf(moved, 'Ready')?.status).toBe('True');
    expect(conditionOf(moved, 'Ready')?.lastTransitionTime).toBe(
      conditionOf(first, 'Ready')?.lastTransitionTime,
    );
    await eventually('shard b to publish mover and shard a to drop it', async () =>
      (await publishes(shard('b'), namespace)) && !(await publishes(shard('a'), namespace))
        ? true
        : undefined,
    );
    // Each run started once and recorded once, by one shard or the other.
    const events = await eventually('both runs’ Events', async () => {
      const reasons = await runEvents(namespace, 'mover');
      return reasons.length === 2 ? reasons : undefined;
    });
    expect(events).toEqual(['RunSucceeded x1', 'RunSucceeded x1']);
    const lines = logLines(namespace).filter((line) => line.name === 'mover');
    const started = lines.filter((line) => line.msg === 'started a run');
    const finished = lines.filter((line) => line.msg === 'run finished');
    expect(started.map((line) => `${line.shard} ${line.job ?? ''}`)).toEqual([
      `shard-a ${generationJobName('mover', uid, 1)}`,
      `shard-a ${runNow}`,
    ]);
    expect(finished).toHaveLength(2);
    expect(finished[0]?.shard).toBe('shard-a');
    // The CronJob was kept, not deleted and made again, and no run was started twice.
    const after = await admin.batch.listNamespacedCronJob({ namespace });
    expect(after.items.map((cronJob) => cronJob.metadata?.uid)).toEqual(cronJobUids);
    const jobs = await admin.batch.listNamespacedJob({
      namespace,
      labelSelector: 'awscheck.io/check=mover',
    });
    expect(jobs.items.map((job) => job.metadata?.name).sort()).toEqual(
      [generationJobName('mover', uid, 1), runNow].sort(),
    );
  });

  it('select namespaces as the apiserver does', async () => {
    const namespaces = await Promise.all(
      [{ [SHARD_LABEL]: 'a', tier: 'gold' }, { [SHARD_LABEL]: 'b' }, { tier: 'gold' }].map(
        (labels) => createTenant(admin, objects, { prefix: 'shard-sel', labels, keys: null }),
      ),
    );
    const selectors = [
      `${SHARD_LABEL}=a`,
      `${SHARD_LABEL}!=a`,
      `${SHARD_LABEL} in (a,b)`,
      `${SHARD_LABEL} notin (a)`,
      `${SHARD_LABEL},tier=gold`,
      `!${SHARD_LABEL}`,
    ];
    for (const selector of selectors) {
      const listed = await admin.core.listNamespace({ labelSelector: selector });
      const byApiserver = listed.items
        .map((namespace) => namespace.metadata?.name ?? '')
        .filter((name) => namespaces.includes(name))
        .sort();
      const ours = await Promise.all(
        namespaces.map(async (name) => {
          const namespace = await admin.core.readNamespace({ name });
          return matches(parseSelector(selector), namespace.metadata?.labels) ? name : '';
        }),
      );
      expect(ours.filter(Boolean).sort(), selector).toEqual(byApiserver);
    }
  });
});
