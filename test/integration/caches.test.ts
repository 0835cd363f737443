// The operator's caches against the real apiserver: a collection larger than one page of
// a list (LIST_PAGE_SIZE) is cached whole, for custom objects (plain JSON) and typed kinds.
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { GROUP, VERSION } from '../../operator/api/v1alpha1/common.ts';
import { LIST_PAGE_SIZE, startCaches } from '../../operator/caches.ts';
import { makeClients } from '../../operator/kube.ts';
import { createLogger } from '../../operator/log.ts';
import { Metrics } from '../../operator/metrics.ts';
import { CustomObjects } from '../support/awscheck.ts';
import { installCrds } from '../support/crds.ts';
import { createNamespace, kubeClients } from '../support/kube.ts';

const env = inject('testenv');
const stops: (() => Promise<void>)[] = [];

afterAll(async () => {
  await Promise.all(stops.map((stop) => stop()));
});

describe('startCaches', () => {
  it('caches every object of a collection longer than one list page', async () => {
    await installCrds(env.kubeconfig);
    const admin = kubeClients(env.kubeconfig);
    const objects = new CustomObjects(env.kubeconfig);
    const namespace = await createNamespace(admin.core, 'paging');
    const count = LIST_PAGE_SIZE + 7;
    const create = async (i: number): Promise<void> => {
      await objects.create('awscredentialrefs', namespace, {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'AwsCredentialRef',
        metadata: { name: `ref-${String(i)}` },
        spec: { region: 'eu-west-1', secretRef: { name: 'aws-keys' } },
      });
      await admin.batch.createNamespacedCronJob({
        namespace,
        body: {
          metadata: { name: `cron-${String(i)}` },
          spec: {
            schedule: '0 0 1 1 *',
            suspend: true,
            jobTemplate: {
              spec: {
                template: {
                  spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] },
                },
              },
            },
          },
        },
      });
    };
    for (let i = 0; i < count; i += 32)
      await Promise.all(Array.from({ length: Math.min(32, count - i) }, (_, j) => create(i + j)));
    const config = new KubeConfig();
    config.loadFromFile(env.kubeconfig);
    const started = startCaches(makeClients(config), namespace, () => undefined, {
      log: createLogger('error'),
      metrics: new Metrics(),
    });
    stops.push(started.stop);
    await started.synced;

    expect(started.caches.credentials.list(namespace)).toHaveLength(count);
    expect(started.caches.cronJobs.list(namespace)).toHaveLength(count);
  });
});
