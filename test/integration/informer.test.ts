// The operator's informer against the real apiserver: it lists and watches into its cache,
// and when its collection cannot be listed (here: a CRD not created yet) it retries with
// backoff until it can, instead of giving up.
import { ApiextensionsV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
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
});
