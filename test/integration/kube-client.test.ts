// The operator's transport against the real kube-apiserver: one bounded keep-alive pool
// for every request and watch (connections counted by a TCP proxy in front of the
// apiserver), watches resumed after every end without missing a change, relist on 410,
// and 429 from priority and fairness retried after Retry-After, bounded.
import {
  FlowcontrolApiserverV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  type KubernetesListObject,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCaches } from '../../operator/caches.ts';
import { isStatus, makeClients, type KubeClients } from '../../operator/kube.ts';
import { apply, makeTypedClients, type TypedClients } from '../../operator/kube-typed.ts';
import { createLogger } from '../../operator/log.ts';
import { Metrics } from '../../operator/metrics.ts';
import {
  madeProgress,
  startInformer,
  type Informer,
  type InformerOptions,
  type WatchEnd,
} from '../../operator/runtime/informer.ts';
import { mintKubeconfig } from '../env/environment.ts';
import { startDedicatedControlPlane } from '../support/control-plane.ts';
import { installCrds } from '../support/crds.ts';
import { eventually } from '../support/eventually.ts';
import { metricTotal } from '../support/metrics.ts';
import { createNamespace, kubeClients, uniqueName } from '../support/kube.ts';
import { startTcpProxy, throughProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const env = inject('testenv');
const admin = kubeClients(env.kubeconfig);
let proxy: TcpProxy;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  proxy = await startTcpProxy(env.apiServerUrl);
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await proxy.close();
});

// proxiedClients are the operator's clients for the admin, through the counting proxy.
function proxiedClients(connections?: number): TypedClients {
  const clients = makeTypedClients(throughProxy(env.kubeconfig, proxy), {
    requestTimeoutMs: 20_000,
    ...(connections === undefined ? {} : { connections }),
  });
  cleanups.push(() => clients.transport.close());
  return clients;
}

// proxiedOperatorClients are the operator's own clients for the admin, through the proxy.
function proxiedOperatorClients(): KubeClients {
  const clients = makeClients(throughProxy(env.kubeconfig, proxy), { requestTimeoutMs: 20_000 });
  cleanups.push(() => clients.transport.close());
  return clients;
}

// configMaps starts an informer on one namespace's ConfigMaps over the clients' pool.
function configMaps(
  clients: TypedClients,
  namespace: string,
  options: Partial<InformerOptions<V1ConfigMap>> = {},
): Informer<V1ConfigMap> {
  const informer = startInformer<V1ConfigMap>(clients.transport, {
    path: `/api/v1/namespaces/${namespace}/configmaps`,
    list: () => clients.core.listNamespacedConfigMap({ namespace }),
    onEvent: () => undefined,
    onError: () => undefined,
    ...options,
  });
  cleanups.push(() => informer.stop());
  return informer;
}

async function createConfigMap(namespace: string, name: string): Promise<void> {
  await admin.core.createNamespacedConfigMap({ namespace, body: { metadata: { name } } });
}

function cached(informer: Informer<V1ConfigMap>, namespace: string, names: string[]): boolean {
  return names.every((name) => informer.get(name, namespace) !== undefined);
}

describe('the operator transport', () => {
  it('sends every request and watch of an identity over one bounded keep-alive pool', async () => {
    const namespace = await createNamespace(admin.core, 'pool');
    const before = proxy.accepted();
    const clients = proxiedClients(6);
    const informers = [configMaps(clients, namespace), configMaps(clients, 'default')];
    await Promise.all(informers.map((informer) => informer.synced));
    const names = Array.from({ length: 100 }, (_, i) => `cm-${i}`);
    const body = (name: string): V1ConfigMap => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace },
      data: { round: 'two' },
    });

    for (let i = 0; i < names.length; i += 20) {
      const batch = names.slice(i, i + 20);
      await Promise.all(
        batch.map((name) =>
          clients.core.createNamespacedConfigMap({ namespace, body: { metadata: { name } } }),
        ),
      );
      await Promise.all(
        batch.map((name) => clients.core.readNamespacedConfigMap({ name, namespace })),
      );
      await Promise.all(batch.map((name) => apply(clients, body(name), 'kube-client-test')));
    }

    await eventually('every ConfigMap as applied in the watched cache', () =>
      names.every((name) => informers[0]?.get(name, namespace)?.data?.round === 'two')
        ? true
        : undefined,
    );
    // 300 requests, 2 lists, 2 watches and server-side apply's discovery: at most the
    // pool's 6 connections (over HTTP/2, which the apiserver offers, one carries them all).
    expect(proxy.accepted() - before).toBeGreaterThanOrEqual(1);
    expect(proxy.accepted() - before).toBeLessThanOrEqual(6);
  });

  it('resumes a watch the apiserver ends or the network cuts, missing no change', async () => {
    const namespace = await createNamespace(admin.core, 'watch-ends');
    const ends: WatchEnd[] = [];
    const errors: unknown[] = [];
    await createConfigMap(namespace, 'gone-while-cut');
    const informer = configMaps(proxiedClients(), namespace, {
      watchTimeoutSeconds: 2,
      onWatchEnd: (end) => ends.push(end),
      onError: (error) => errors.push(error),
    });
    await informer.synced;

    await eventually('a watch ended at its timeout', () =>
      ends.some((end) => end.reason === 'closed' && end.routine) ? true : undefined,
    );
    await createConfigMap(namespace, 'after-timeout');
    await eventually('the change after the timeout', () =>
      cached(informer, namespace, ['after-timeout']) ? true : undefined,
    );
    proxy.cut();
    await Promise.all(['during-cut-1', 'during-cut-2'].map((n) => createConfigMap(namespace, n)));
    await admin.core.deleteNamespacedConfigMap({ name: 'gone-while-cut', namespace });

    await eventually('the changes made while the watch was cut', () =>
      cached(informer, namespace, ['during-cut-1', 'during-cut-2']) &&
      informer.get('gone-while-cut', namespace) === undefined
        ? true
        : undefined,
    );
    const cutShort = ends.filter((end) => end.reason === 'closed' && !end.routine);
    expect(cutShort.length).toBeGreaterThanOrEqual(1);
    expect(cutShort[0]?.cause).toBeDefined();
    // Resumed at once when it made progress, else after a backoff (informer.ts madeProgress).
    for (const end of cutShort) {
      expect(end.retryInMs === 0).toBe(madeProgress(end.durationMs, end.events));
    }
    expect(errors).toEqual([]);
  });

  it('relists when the apiserver says the watched resourceVersion is gone (410)', async () => {
    // A plane of the test's own whose etcd can be compacted; it serves watches from etcd
    // (--watch-cache=false), as for any resource the apiserver does not cache.
    const plane = await startDedicatedControlPlane(env, { apiServerArgs: ['--watch-cache=false'] });
    cleanups.push(() => plane.stop());
    const own = kubeClients(plane.env.kubeconfig);
    const namespace = await createNamespace(own.core, 'expired');
    await own.core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'before' } } });
    await plane.compact();
    const config = new KubeConfig();
    config.loadFromFile(plane.env.kubeconfig);
    const clients = makeTypedClients(config);
    cleanups.push(() => clients.transport.close());
    const ends: WatchEnd[] = [];
    let lists = 0;
    // The first list is one taken before the compaction (its resourceVersion is history
    // now), as an informer's is when it resumes after a long outage.
    const list = async (): Promise<KubernetesListObject<V1ConfigMap>> => {
      lists += 1;
      const result = await clients.core.listNamespacedConfigMap({ namespace });
      if (lists === 1) result.metadata = { resourceVersion: '2' };
      return result;
    };
    const informer = configMaps(clients, namespace, {
      list,
      onWatchEnd: (end) => ends.push(end),
    });
    await informer.synced;

    await eventually('the relist after 410', () => (lists >= 2 ? true : undefined));
    await own.core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'after' } } });
    await eventually('the change after the relist', () =>
      cached(informer, namespace, ['before', 'after']) ? true : undefined,
    );
    expect(ends.map((end) => end.reason)).toContain('expired');
  });

  it('logs and counts every cache watch cut short, and resumes each', async () => {
    await installCrds(env.kubeconfig);
    const namespace = await createNamespace(admin.core, 'caches');
    const lines: string[] = [];
    const log = createLogger(
      'info',
      new Writable({
        write: (chunk: Buffer, _encoding, done) => {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const metrics = new Metrics();
    const started = startCaches(proxiedOperatorClients(), namespace, () => undefined, {
      log,
      metrics,
    });
    cleanups.push(() => started.stop());
    await started.synced;

    proxy.cut();
    const created = await createNamespace(admin.core, 'while-cut');

    await eventually('the namespace created while the watches were cut', () =>
      started.caches.namespaces.get(created) ? true : undefined,
    );
    const kinds = Object.keys(started.caches);
    await eventually('every cache to count its watch cut short', async () => {
      const { values } = await metrics.watchRestarts.get();
      const counted = new Set(values.filter((v) => v.value > 0).map((v) => v.labels.cache));
      return kinds.every((kind) => counted.has(kind)) ? true : undefined;
    });
    // A watch established when the cut came was closed; one being started then, failed.
    const ended = ['watch closed early; resuming', 'watch failed; retrying'];
    const warned = lines
      .map((line) => JSON.parse(line) as { msg: string; cache?: string; level: number })
      .filter((line) => ended.includes(line.msg) && line.level === 40);
    expect(new Set(warned.map((line) => line.cache))).toEqual(new Set(kinds));
  });

  it('retries 429 from priority and fairness after Retry-After, bounded, until answered', async () => {
    const user = uniqueName('throttled');
    const name = uniqueName('awscheck-test-reject');
    const adminConfig = new KubeConfig();
    adminConfig.loadFromFile(env.kubeconfig);
    const flowcontrol = adminConfig.makeApiClient(FlowcontrolApiserverV1Api);
    await flowcontrol.createPriorityLevelConfiguration({
      body: {
        metadata: { name },
        spec: {
          type: 'Limited',
          limited: {
            nominalConcurrencyShares: 1,
            lendablePercent: 0,
            borrowingLimitPercent: 0,
            limitResponse: { type: 'Reject' },
          },
        },
      },
    });
    cleanups.push(() => flowcontrol.deletePriorityLevelConfiguration({ name }));
    await flowcontrol.createFlowSchema({
      body: {
        metadata: { name },
        spec: {
          priorityLevelConfiguration: { name },
          matchingPrecedence: 100,
          distinguisherMethod: { type: 'ByUser' },
          rules: [
            {
              subjects: [{ kind: 'User', user: { name: user } }],
              resourceRules: [
                {
                  verbs: ['*'],
                  apiGroups: ['*'],
                  resources: ['*'],
                  namespaces: ['*'],
                  clusterScope: true,
                },
              ],
            },
          ],
        },
      },
    });
    // Cleaned up before the level it names (cleanups run in reverse).
    cleanups.push(() => flowcontrol.deleteFlowSchema({ name }));
    const namespace = await createNamespace(admin.core, 'throttled');
    const rbac = adminConfig.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: 'list-configmaps' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'list-configmaps' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'list-configmaps' },
        subjects: [{ kind: 'User', name: user, apiGroup: 'rbac.authorization.k8s.io' }],
      },
    });
    const userConfig = new KubeConfig();
    userConfig.loadFromFile(await mintKubeconfig(env, user));
    const metrics = new Metrics();
    const maxRetries = 5;
    const throttled = makeTypedClients(userConfig, {
      requestTimeoutMs: 60_000,
      metrics,
      maxRetries,
      connections: 64,
    });
    cleanups.push(() => throttled.transport.close());
    const apiserver = makeTypedClients(adminConfig);
    cleanups.push(() => apiserver.transport.close());
    const level = async (): Promise<{ dispatched: number; rejected: number }> => {
      const text = await (await apiserver.transport.fetch('/metrics')).text();
      return {
        dispatched: metricTotal(text, 'apiserver_flowcontrol_dispatched_requests_total', {
          priority_level: name,
        }),
        rejected: metricTotal(text, 'apiserver_flowcontrol_rejected_requests_total', {
          priority_level: name,
        }),
      };
    };
    await eventually('the FlowSchema to route the user to its level', async () => {
      await throttled.core.listNamespacedConfigMap({ namespace });
      return (await level()).dispatched > 0 ? true : undefined;
    });
    const before = await level();
    const requests = 60;

    const results = await Promise.allSettled(
      Array.from({ length: requests }, () => throttled.core.listNamespacedConfigMap({ namespace })),
    );

    const after = await level();
    const rejected = after.rejected - before.rejected;
    const attempts = rejected + after.dispatched - before.dispatched;
    const retries = (await metrics.kubeRetries.get()).values[0]?.value ?? 0;
    const refused = results.filter((r) => r.status === 'rejected');
    expect(rejected).toBeGreaterThan(0);
    // Every 429 the apiserver sent was retried, and every request was answered in the end.
    expect(refused.map((r) => (isStatus(r.reason, 429) ? 429 : String(r.reason)))).toEqual([]);
    expect(retries).toBe(rejected);
    // No tight loop: each request was tried at most 1 + maxRetries times.
    expect(attempts).toBe(requests + retries);
    expect(attempts).toBeLessThanOrEqual(requests * (1 + maxRetries));
  });
});
