// Bad keys fail fast: a tenant whose AWS traffic goes to a moto that enforces IAM (the
// namespace annotation routes it there) sees AuthenticationFailed on the check and on the
// credential ref within seconds of applying them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AwsCheck } from '../../operator/api/v1alpha1/awscheck.ts';
import { ensureBinaries } from '../env/binaries.ts';
import { startMoto } from '../env/moto.ts';
import { AWS_ENDPOINT_ANNOTATION } from '../env/pod-runner/runner.ts';
import { stopProcessGroup, type ServerContext } from '../env/processes.ts';
import { conditionOf, CustomObjects } from '../support/awscheck.ts';
import { eventually } from '../support/eventually.ts';
import { kubeClients, uniqueName } from '../support/kube.ts';
import { installOperator, startOperator, type RunningOperator } from '../support/operator.ts';

const env = inject('testenv');
const admin = kubeClients(env.kubeconfig);
const objects = new CustomObjects(env.kubeconfig);
let operator: RunningOperator;
let context: ServerContext;
let enforcingMoto: string;

beforeAll(async () => {
  const { motoPython } = await ensureBinaries(() => undefined);
  context = {
    runDir: await mkdtemp(join(tmpdir(), 'operator-auth-')),
    tiedToParent: true,
    started: [],
  };
  enforcingMoto = (
    await startMoto(motoPython, context, { INITIAL_NO_AUTH_ACTION_COUNT: '0' }, 'moto-iam')
  ).url;
  operator = await startOperator(env, await installOperator(env));
});

afterAll(async () => {
  await operator.stop();
  await Promise.all(context.started.map((server) => stopProcessGroup(server.pid)));
  await rm(context.runDir, { recursive: true, force: true });
});

describe('operator with bad keys', () => {
  it('marks the check Healthy=False AuthenticationFailed and the credential ref not Ready', async () => {
    const namespace = uniqueName('tenant');
    await admin.core.createNamespace({
      body: {
        metadata: { name: namespace, annotations: { [AWS_ENDPOINT_ANNOTATION]: enforcingMoto } },
      },
    });
    await admin.core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: 'aws-keys' },
        stringData: { AWS_ACCESS_KEY_ID: 'AKIAINVALIDKEY000000', AWS_SECRET_ACCESS_KEY: 'wrong' },
      },
    });
    await objects.create('awscredentialrefs', namespace, {
      apiVersion: 'awscheck.io/v1alpha1',
      kind: 'AwsCredentialRef',
      metadata: { name: 'readonly' },
      spec: { secretRef: { name: 'aws-keys' } },
    });
    await objects.create('awschecks', namespace, {
      apiVersion: 'awscheck.io/v1alpha1',
      kind: 'AwsCheck',
      metadata: { name: 'identity' },
      spec: { credentialRef: { name: 'readonly' }, service: 'sts', type: 'HealthCheck' },
    });

    const failedAuth = (found: AwsCheck): boolean =>
      conditionOf(found, 'Healthy')?.status === 'False' &&
      conditionOf(found, 'Ready')?.reason === 'AuthenticationFailed';
    const check = await eventually('the check to fail authentication', async () => {
      const found = await objects.check(namespace, 'identity');
      return failedAuth(found) ? found : undefined;
    });

    expect(conditionOf(check, 'Healthy')?.reason).toBe('AuthenticationFailed');
    expect(conditionOf(check, 'Healthy')?.message).toContain('InvalidClientTokenId');
    expect(conditionOf(check, 'Ready')?.reason).toBe('AuthenticationFailed');
    const ref = await objects.credential(namespace, 'readonly');
    expect(conditionOf(ref, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'AuthenticationFailed',
    });
    expect(JSON.stringify([check.status, ref.status])).not.toContain('wrong');
  });
});
