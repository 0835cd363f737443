// Smoke tests that prove the control plane is the real thing: quota admission, RBAC.
import { describe, expect, inject, it } from 'vitest';
import { mintKubeconfig } from '../env/environment.ts';
import { eventually } from '../support/eventually.ts';
import { createNamespace, kubeClients, statusOf } from '../support/kube.ts';

const env = inject('testenv');
const admin = kubeClients(env.kubeconfig);

describe('kube-apiserver with kube-controller-manager', () => {
  it('rejects an object over a ResourceQuota once the quota controller has counted usage', async () => {
    const namespace = await createNamespace(admin.core, 'quota');
    await admin.core.createNamespacedResourceQuota({
      namespace,
      // Secrets, not ConfigMaps: every namespace gets the ConfigMap kube-root-ca.crt.
      body: { metadata: { name: 'two-secrets' }, spec: { hard: { secrets: '2' } } },
    });
    // Admission refuses to judge a quota whose usage the controller has not yet computed.
    await eventually('the resourcequota controller to compute usage', async () => {
      const quota = await admin.core.readNamespacedResourceQuota({
        name: 'two-secrets',
        namespace,
      });
      return quota.status?.used?.secrets;
    });
    const secret = (name: string): Promise<unknown> =>
      admin.core.createNamespacedSecret({ namespace, body: { metadata: { name } } });
    await secret('one');
    await secret('two');

    const rejected = await statusOf(secret('three'));

    expect(rejected.code).toBe(403);
    expect(rejected.message).toContain('exceeded quota: two-secrets');
  });

  it('answers 403 to a user RBAC grants nothing, and 200 to the admin', async () => {
    const namespace = await createNamespace(admin.core, 'rbac');
    const stranger = kubeClients(await mintKubeconfig(env, 'stranger', ['tenants']));

    const denied = await statusOf(stranger.core.listNamespacedSecret({ namespace }));

    expect(denied.code).toBe(403);
    expect(denied.message).toContain('User \\"stranger\\" cannot list resource \\"secrets\\"');
    const allowed = await admin.core.listNamespacedSecret({ namespace });
    expect(allowed.items).toEqual([]);
  });
});
