// The real controllers act on what the apiserver stores: a Job gets its Pod, and the
// garbage collector deletes what an owner leaves behind.
import { describe, expect, inject, it } from 'vitest';
import { eventually } from '../support/eventually.ts';
import { createNamespace, kubeClients } from '../support/kube.ts';

const admin = kubeClients(inject('testenv').kubeconfig);

describe('kube-controller-manager', () => {
  it('the job controller creates the Pod of a Job', async () => {
    const namespace = await createNamespace(admin.core, 'job');
    await admin.batch.createNamespacedJob({
      namespace,
      body: {
        metadata: { name: 'hello' },
        spec: {
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'main', image: 'checker:test', args: ['run'] }],
            },
          },
        },
      },
    });

    const pod = await eventually('the job controller to create a Pod', async () => {
      const pods = await admin.core.listNamespacedPod({
        namespace,
        labelSelector: 'batch.kubernetes.io/job-name=hello',
      });
      return pods.items[0];
    });

    expect(pod.spec?.containers[0]?.image).toBe('checker:test');
    expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'Job',
      name: 'hello',
      controller: true,
    });
  });

  it('the garbage collector deletes an object once its owner is deleted', async () => {
    const namespace = await createNamespace(admin.core, 'gc');
    const owner = await admin.core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'owner' } },
    });
    const ownerReference = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'owner',
      uid: owner.metadata?.uid ?? '',
    };
    await admin.core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'child', ownerReferences: [ownerReference] } },
    });

    await admin.core.deleteNamespacedConfigMap({ name: 'owner', namespace });

    const remaining = await eventually('the garbage collector to delete the child', async () => {
      const list = await admin.core.listNamespacedConfigMap({
        namespace,
        fieldSelector: 'metadata.name=child',
      });
      return list.items.length === 0 ? list.items : undefined;
    });
    expect(remaining).toEqual([]);
  });
});
