// The operator's informer against the real apiserver: it lists and watches into its cache,
// and when its collection cannot be listed (here: a CRD not created yet) it retries with
// backoff until it can, instead of giving up. A write of its own is cached at once, never
// over a newer version, and its watch event does not tell anyone twice.
import { ApiextensionsV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { KubernetesListObject, KubernetesObject, V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  startInformer,
  type Informer,
  type InformerEvent,
} from '../../operator/runtime/informer.ts';
import { eventually } from '../support/eventually.ts';
import { createNamespace, kubeClients, uniqueName } from '../support/kube.ts';

const env = inject('testenv');
const config = new KubeConfig();
config.loadFromFile(env.kubeconfig);
const custom = config.makeApiClient(CustomObjectsApi);
const extensions = config.makeApiClient(ApiextensionsV1Api);
const informers: Informer<KubernetesObject>[] = [];

afterAll(async () => {
  await Promise.all(informers.map((informer) => informer.stop()));
});

describe('startInformer', () => {
  it('retries a collection that cannot be listed yet, then syncs and follows changes', async () => {
    const group = `${uniqueName('g')}.test.awscheck.io`;
    const namespace = await createNamespace(kubeClients(env.kubeconfig).core, 'informer');
    const events: [InformerEvent, string][] = [];
    const errors: number[] = [];
    const informer = startInformer<KubernetesObject>(config, {
      path: `/apis/${group}/v1/widgets`,
      list: async () =>
        (await custom.listClusterCustomObject({
          group,
          version: 'v1',
          plural: 'widgets',
        })) as KubernetesListObject<KubernetesObject>,
      onEvent: (event, object) => events.push([event, object.metadata?.name ?? '']),
      onError: (_error, retryInMs) => errors.push(retryInMs),
      maxBackoffMs: 2_000,
    });
    informers.push(informer);
    await eventually('two failed lists', () => (errors.length >= 2 ? true : undefined));
    expect(informer.isSynced()).toBe(false);

    await extensions.createCustomResourceDefinition({
      body: {
        metadata: { name: `widgets.${group}` },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true },
              },
            },
          ],
        },
      },
    });
    await eventually(
      'the informer to sync',
      () => (informer.isSynced() ? true : undefined),
      20_000,
    );
    await custom.createNamespacedCustomObject({
      group,
      version: 'v1',
      plural: 'widgets',
      namespace,
      body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'one' } },
    });

    await eventually('the add event', () => (informer.get('one', namespace) ? true : undefined));
    expect(events).toContainEqual(['add', 'one']);
    expect(errors.slice(0, 2)).toEqual([1_000, 2_000]);
  });

  it('caches its own write at once and tells of it once', async () => {
    const { namespace, informer, events } = await followConfigMaps('wrote');
    const made = await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'mine' }, data: { v: '1' } },
    });
    await eventually('the create', () => informer.get('mine', namespace));

    const written = await replaceValue(namespace, made, '2');
    informer.wrote(written, made.metadata?.resourceVersion ?? '');
    expect(informer.get('mine', namespace)?.data).toEqual({ v: '2' });
    // A later change on the same watch: once it is seen, the write's own event was too.
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'marker' } } });
    await eventually('the marker', () => informer.get('marker', namespace));
    expect(events.filter(([, name]) => name === 'mine')).toEqual([
      ['add', 'mine', '1'],
      ['update', 'mine', '2'],
    ]);
  });

  it('never caches its own write over a newer version', async () => {
    const { namespace, informer } = await followConfigMaps('wrote-late');
    const made = await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'mine' }, data: { v: '1' } },
    });
    const written = await replaceValue(namespace, made, '2');
    const newer = await replaceValue(namespace, written, '3');
    const newest = newer.metadata?.resourceVersion;
    await eventually('the newer version', () =>
      informer.get('mine', namespace)?.metadata?.resourceVersion === newest ? true : undefined,
    );
    informer.wrote(written, made.metadata?.resourceVersion ?? '');
    expect(informer.get('mine', namespace)?.data).toEqual({ v: '3' });
  });
});

const { core } = kubeClients(env.kubeconfig);

// followConfigMaps starts an informer on the ConfigMaps of a new namespace.
async function followConfigMaps(prefix: string): Promise<{
  namespace: string;
  informer: Informer<V1ConfigMap>;
  events: [InformerEvent, string, string][];
}> {
  const namespace = await createNamespace(core, prefix);
  const events: [InformerEvent, string, string][] = [];
  const informer = startInformer<V1ConfigMap>(config, {
    path: `/api/v1/namespaces/${namespace}/configmaps`,
    list: () => core.listNamespacedConfigMap({ namespace }),
    onEvent: (event, object) =>
      events.push([event, object.metadata?.name ?? '', object.data?.['v'] ?? '']),
    onError: (error) => {
      throw error;
    },
  });
  informers.push(informer);
  await informer.synced;
  return { namespace, informer, events };
}

// replaceValue writes `v` into a ConfigMap, on the version given.
async function replaceValue(namespace: string, on: V1ConfigMap, v: string): Promise<V1ConfigMap> {
  const resourceVersion = on.metadata?.resourceVersion ?? '';
  return core.replaceNamespacedConfigMap({
    name: on.metadata?.name ?? '',
    namespace,
    body: { metadata: { name: on.metadata?.name ?? '', resourceVersion }, data: { v } },
  });
}
