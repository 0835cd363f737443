import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { Caches } from './caches.ts';
import { Metrics } from './metrics.ts';
import { enqueueAll, route, type Routes } from './routing.ts';
import type { Informer, InformerEvent } from './runtime/informer.ts';
import { WorkQueue } from './runtime/workqueue.ts';

// fixed is an informer over a fixed list of objects.
function fixed<T extends KubernetesObject>(objects: readonly T[]): Informer<T> {
  const inNamespace = (namespace?: string): readonly T[] =>
    objects.filter((o) => namespace === undefined || o.metadata?.namespace === namespace);
  return {
    get: (name, namespace) => inNamespace(namespace).find((o) => o.metadata?.name === name),
    list: inNamespace,
    wrote: () => {
      throw new Error('a fixed informer takes no writes');
    },
    synced: Promise.resolve(),
    isSynced: () => true,
    stop: () => Promise.resolve(),
  };
}

const check = (name: string, ref: string): KubernetesObject & { spec: object } => ({
  apiVersion: 'awscheck.io/v1alpha1',
  kind: 'AwsCheck',
  metadata: { name, namespace: 'team-a' },
  spec: { credentialRef: { name: ref }, service: 'sts', type: 'HealthCheck' },
});

// withRun is a check whose status records a run of Job `job`; `reason` is its Ready reason.
function withRun(
  object: KubernetesObject & { spec: object },
  job: string,
  reason = 'Scheduled',
): KubernetesObject {
  const lastRun = {
    jobName: job,
    startTime: '2024-06-01T00:00:00Z',
    completionTime: '2024-06-01T00:01:00Z',
    outcome: 'Succeeded',
    message: 'all healthy',
  };
  const ready = {
    type: 'Ready',
    status: 'True',
    observedGeneration: 1,
    lastTransitionTime: '2024-06-01T00:00:00Z',
    reason,
    message: reason,
  };
  return { ...object, status: { lastRun, conditions: [ready] } } as KubernetesObject;
}

function routes(): Routes {
  const caches = {
    checks: fixed([
      check('web', 'prod'),
      check('db', 'prod'),
      check('other', 'dev'),
      {
        apiVersion: 'awscheck.io/v1alpha1',
        kind: 'AwsCheck',
        metadata: { name: 'mine', namespace: 'admin-made' },
        spec: { credentialRef: { name: 'keys' }, service: 'sts', type: 'HealthCheck' },
      },
    ]),
    credentials: fixed([
      { metadata: { name: 'prod', namespace: 'team-a' } },
      { metadata: { name: 'dev', namespace: 'team-a' } },
      { metadata: { name: 'keys', namespace: 'admin-made' } },
    ]),
    namespaces: fixed([
      { metadata: { name: 'team-a', labels: { 'awscheck.io/tenant': 'sub-1' } } },
      { metadata: { name: 'admin-made' } },
    ]),
    cronJobs: fixed([]),
    jobs: fixed([]),
    pods: fixed([]),
  } as unknown as Caches;
  return {
    caches,
    checks: new WorkQueue(),
    credentials: new WorkQueue(),
    runs: new WorkQueue(),
    metrics: new Metrics(),
  };
}

async function drain(queue: WorkQueue): Promise<string[]> {
  const keys: string[] = [];
  while (queue.depth > 0) {
    const key = await queue.get();
    if (key === undefined) break;
    keys.push(key);
    queue.done(key);
  }
  return keys.sort();
}

describe('route', () => {
  const long = 'x'.repeat(120);
  it.each<[string, KubernetesObject, string[], string[]]>([
    [
      'a run routes to its check by the name annotation, however long',
      {
        metadata: {
          namespace: 'team-a',
          annotations: { 'awscheck.io/check-name': long },
          labels: { 'awscheck.io/check': 'x-hashed' },
        },
      },
      [`team-a/${long}`],
      [],
    ],
    [
      'a child made before the annotation routes by its label',
      { metadata: { namespace: 'team-a', labels: { 'awscheck.io/check': 'web' } } },
      ['team-a/web'],
      [],
    ],
    [
      'a validation run routes to its credential ref',
      {
        metadata: {
          namespace: 'team-a',
          annotations: { 'awscheck.io/credential-ref-name': 'prod' },
        },
      },
      [],
      ['team-a/prod'],
    ],
    ['a child naming nothing routes nowhere', { metadata: { namespace: 'team-a' } }, [], []],
  ])('%s', async (_rule, child, checks, credentials) => {
    const r = routes();
    route(r, 'jobs', 'add', child);
    expect(await drain(r.checks)).toEqual(checks);
    expect(await drain(r.credentials)).toEqual(credentials);
  });

  it('a check without a recorded run routes to itself only', async () => {
    const r = routes();
    route(r, 'checks', 'update', check('web', 'prod'));
    expect(await drain(r.checks)).toEqual(['team-a/web']);
    expect(await drain(r.credentials)).toEqual([]);
  });

  it('a check routes to its credential ref only when the run the ref reads changed', async () => {
    const r = routes();
    const steps: [string, InformerEvent, KubernetesObject, string[]][] = [
      ['its first recorded run', 'add', withRun(check('web', 'prod'), 'web-1'), ['team-a/prod']],
      [
        'a status write keeping that run',
        'update',
        withRun(check('web', 'prod'), 'web-1', 'x'),
        [],
      ],
      ['the next run', 'update', withRun(check('web', 'prod'), 'web-2'), ['team-a/prod']],
      [
        'moving to another ref: both',
        'update',
        withRun(check('web', 'dev'), 'web-2'),
        ['team-a/dev', 'team-a/prod'],
      ],
      ['its deletion', 'delete', withRun(check('web', 'dev'), 'web-2'), ['team-a/dev']],
      ['its return without a run', 'add', check('web', 'dev'), []],
    ];
    for (const [step, event, object, credentials] of steps) {
      route(r, 'checks', event, object);
      await drain(r.checks);
      expect(await drain(r.credentials), step).toEqual(credentials);
    }
  });

  it('a changed plan catalog routes every object of every tenant namespace, and no other', async () => {
    const r = routes();
    route(r, 'catalog', 'update', { metadata: { name: 'awscheck-plans', namespace: 'ops' } });
    expect(await drain(r.checks)).toEqual(['team-a/db', 'team-a/other', 'team-a/web']);
    expect(await drain(r.credentials)).toEqual(['team-a/dev', 'team-a/prod']);
  });

  it('a namespace (its plan label) routes every object in it', async () => {
    const r = routes();
    route(r, 'namespaces', 'update', { metadata: { name: 'admin-made' } });
    expect(await drain(r.checks)).toEqual(['admin-made/mine']);
    expect(await drain(r.credentials)).toEqual(['admin-made/keys']);
  });

  it('a deleted check routes every check of its namespace: the younger move up in the plan’s count', async () => {
    const r = routes();
    route(r, 'checks', 'delete', check('gone', 'prod'));
    expect(await drain(r.checks)).toEqual([
      'team-a/db',
      'team-a/gone',
      'team-a/other',
      'team-a/web',
    ]);
  });

  it('a deleted check’s series go although its last spec was invalid', async () => {
    const r = routes();
    const valid = {
      ...check('broken', 'prod'),
      metadata: { name: 'broken', namespace: 'team-a', generation: 1 },
      spec: { credentialRef: { name: 'prod' }, service: 'sts', type: 'HealthCheck' },
    };
    r.metrics.observeCheck(valid as unknown as Parameters<Metrics['observeCheck']>[0]);
    expect(await r.metrics.registry.metrics()).toContain('name="broken"');

    const invalid: KubernetesObject & { spec: object } = {
      ...valid,
      spec: { service: 'no-such-service' },
    };
    route(r, 'checks', 'delete', invalid);
    expect(await r.metrics.registry.metrics()).not.toContain('name="broken"');
  });

  it('a deleted credential ref routes every ref of its namespace', async () => {
    const r = routes();
    route(r, 'credentials', 'delete', { metadata: { name: 'gone', namespace: 'team-a' } });
    expect(await drain(r.credentials)).toEqual(['team-a/dev', 'team-a/gone', 'team-a/prod']);
  });

  it('a credential ref routes to itself and to every check that uses it', async () => {
    const r = routes();
    route(r, 'credentials', 'update', { metadata: { name: 'prod', namespace: 'team-a' } });
    expect(await drain(r.checks)).toEqual(['team-a/db', 'team-a/web']);
    expect(await drain(r.credentials)).toEqual(['team-a/prod']);
  });

  it.each<[string, string, string[]]>([
    ['a Job in a tenant namespace nudges its run queue', 'team-a', ['team-a']],
    ['a Job elsewhere does not: its runs are not queued', 'admin-made', []],
  ])('%s', async (_, namespace, runs) => {
    for (const event of ['add', 'update', 'delete'] as const) {
      const r = routes();
      route(r, 'jobs', event, { metadata: { name: 'j', namespace } });
      expect(await drain(r.runs)).toEqual(runs);
    }
  });

  it('a Pod or CronJob leaves the run queue alone', async () => {
    const r = routes();
    route(r, 'pods', 'update', { metadata: { name: 'p', namespace: 'team-a' } });
    route(r, 'cronJobs', 'update', { metadata: { name: 'c', namespace: 'team-a' } });
    expect(await drain(r.runs)).toEqual([]);
  });

  it('a namespace (a new plan, or leaving the tenant label) routes its run queue', async () => {
    const r = routes();
    route(r, 'namespaces', 'update', { metadata: { name: 'team-a' } });
    expect(await drain(r.runs)).toEqual(['team-a']);
  });

  it('a changed catalog routes the run queue of every tenant namespace', async () => {
    const r = routes();
    route(r, 'catalog', 'update', { metadata: { name: 'awscheck-plans', namespace: 'ops' } });
    expect(await drain(r.runs)).toEqual(['team-a']);
  });
});

describe('enqueueAll', () => {
  it('queues every object and the run queue of every tenant namespace', async () => {
    const r = routes();
    enqueueAll(r.caches, r);
    expect(await drain(r.checks)).toHaveLength(4);
    expect(await drain(r.credentials)).toHaveLength(3);
    expect(await drain(r.runs)).toEqual(['team-a']);
  });
});
