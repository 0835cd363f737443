// A checker over its memory limit on the real node: the kernel's OOM killer ends it, the
// kubelet reports OOMKilled, and the operator records the run as RunAborted with that
// reason. The operator here gives checker pods (outside any plan) a limit Node cannot
// start in.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { conditionOf, CustomObjects } from '../support/awscheck.ts';
import { eventually } from '../support/eventually.ts';
import { kubeClients } from '../support/kube.ts';
import type { RunningOperator } from '../support/operator.ts';
import { createNodeTenant, startNodeOperator } from './operator.ts';

const env = inject('testenv');
const admin = kubeClients(env.kubeconfig);
const objects = new CustomObjects(env.kubeconfig);
let operator: RunningOperator;

beforeAll(async () => {
  operator = await startNodeOperator(env, { AWSCHECK_CHECKER_MEMORY: '16Mi' });
});

afterAll(async () => {
  await operator.stop();
});

describe('a checker over its memory limit', () => {
  it('is OOMKilled by the kernel and recorded as RunAborted with the kubelet’s reason', async () => {
    const namespace = await createNodeTenant(env, admin, objects);
    await objects.create('awschecks', namespace, {
      apiVersion: 'awscheck.io/v1alpha1',
      kind: 'AwsCheck',
      metadata: { name: 'tight' },
      spec: { credentialRef: { name: 'readonly' }, service: 'sts', type: 'HealthCheck' },
    });
    const done = await eventually(
      'the run to be recorded',
      async () => {
        const found = await objects.check(namespace, 'tight');
        return found.status?.lastRun === undefined ? undefined : found;
      },
      90_000,
    );
    expect(done.status?.lastRun).toMatchObject({
      outcome: 'Failed',
      reason: 'RunAborted',
      message: 'the checker exited 137 (OOMKilled) without a result',
    });
    expect(conditionOf(done, 'Healthy')).toMatchObject({ status: 'False', reason: 'RunAborted' });
  });
});
