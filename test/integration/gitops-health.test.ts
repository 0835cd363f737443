// The GitOps health checks on live objects: the real operator writes the statuses, and the
// Argo CD Lua script (in a Lua VM) and the Flux healthCheckExprs (in a CEL evaluator) must
// judge each live object as the shared table (operator/api/health/testing/fixtures.ts)
// judges the same situation built from the operator's planners.
import { randomBytes } from 'node:crypto';
import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ARGO_HEALTH_SCRIPTS } from '../../operator/api/health/argocd.ts';
import { FLUX_HEALTH_CHECKS } from '../../operator/api/health/flux.ts';
import { HEALTH_CASES, type HealthCase } from '../../operator/api/health/testing/fixtures.ts';
import { judgeWithFlux } from '../../operator/api/health/testing/flux-evaluator.ts';
import { runHealthScript } from '../../operator/api/health/testing/lua-vm.ts';
import type { AwsCheck } from '../../operator/api/v1alpha1/awscheck.ts';
import type { AwsCredentialRef } from '../../operator/api/v1alpha1/awscredentialref.ts';
import { API_VERSION, GROUP, VERSION } from '../../operator/api/v1alpha1/common.ts';
import { PLAN_LABEL, TENANT_LABEL } from '../../operator/plans/tenancy.ts';
import { CustomObjects } from '../support/awscheck.ts';
import { eventually } from '../support/eventually.ts';
import { kubeClients } from '../support/kube.ts';
import { installOperator, startOperator, type RunningOperator } from '../support/operator.ts';
import { createTenant, TENANT_CREDENTIAL_REF } from '../support/tenant.ts';

const env = inject('testenv');
const admin = kubeClients(env.kubeconfig);
const objects = new CustomObjects(env.kubeconfig);
let operator: RunningOperator;

beforeAll(async () => {
  operator = await startOperator(env, await installOperator(env));
  const ec2 = new EC2Client({
    endpoint: env.awsEndpointUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 3, MaxCount: 3 }));
});

afterAll(async () => {
  await operator.stop();
});

type Live = AwsCheck | AwsCredentialRef;

function tableCase(name: string): HealthCase {
  const found = HEALTH_CASES.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no row "${name}" in the health table`);
  return found;
}

// expectJudgedAs: both tools say of the live object what the table says of its row.
function expectJudgedAs(object: Live, row: string): void {
  const expected = tableCase(row);
  const script = ARGO_HEALTH_SCRIPTS.find((s) => s.kind === object.kind);
  const exprs = FLUX_HEALTH_CHECKS.find((e) => e.kind === object.kind);
  if (script === undefined || exprs === undefined)
    throw new Error(`no health check for ${object.kind}`);
  const argo = runHealthScript(script.script, object);
  expect({ row, argo: argo.status, flux: judgeWithFlux(exprs, object) }).toEqual({
    row,
    argo: expected.argo,
    flux: expected.flux,
  });
}

function ec2Check(name: string, spec: Record<string, unknown> = {}): object {
  return {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCheck',
    metadata: { name },
    spec: {
      credentialRef: { name: TENANT_CREDENTIAL_REF },
      service: 'ec2',
      type: 'ResourceList',
      regions: ['us-east-1'],
      ...spec,
    },
  };
}

async function createCheck(namespace: string, body: object): Promise<AwsCheck> {
  // The create's answer is the object as applied: no status yet.
  return (await objects.api.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    plural: 'awschecks',
    namespace,
    body,
  })) as AwsCheck;
}

// settledCheck waits until the operator has written a status for the current spec that
// `done` accepts.
async function settledCheck(
  namespace: string,
  name: string,
  done: (c: AwsCheck) => boolean,
): Promise<AwsCheck> {
  return eventually(`${namespace}/${name} to settle`, async () => {
    const check = await objects.check(namespace, name);
    const observed = check.status?.observedGeneration === check.metadata.generation;
    return observed && done(check) ? check : undefined;
  });
}

const conditionIs = (type: string, status: string) => (c: Live) =>
  c.status?.conditions?.some((k) => k.type === type && k.status === status) === true;

// readyAnd: Ready and another condition. A check's first run may end before its credential
// ref's validation does: Healthy is then written while Ready still says CredentialsPending.
const readyAnd = (type: string, status: string) => (c: Live) =>
  conditionIs('Ready', 'True')(c) && conditionIs(type, status)(c);

function planTenant(plan: 'free' | 'suspended'): Promise<string> {
  const labels = { [TENANT_LABEL]: randomBytes(8).toString('hex'), [PLAN_LABEL]: plan };
  return createTenant(admin, objects, { prefix: 'gitops', labels });
}

describe('GitOps health on statuses the operator writes', () => {
  it('a check from fresh to healthy, failing, changed and suspended', async () => {
    const namespace = await createTenant(admin, objects, { prefix: 'gitops' });
    const fresh = await createCheck(
      namespace,
      ec2Check('instances', { expect: { min: 1, max: 10 } }),
    );
    expectJudgedAs(fresh, 'check: fresh, no status yet');

    const healthy = await settledCheck(namespace, 'instances', readyAnd('Healthy', 'True'));
    expectJudgedAs(healthy, 'check: ready and healthy');

    await createCheck(namespace, ec2Check('too-few', { expect: { min: 5 } }));
    expectJudgedAs(
      await settledCheck(namespace, 'too-few', readyAnd('Healthy', 'False')),
      'check: ready, latest run failed (ResourcesUnhealthy)',
    );

    await createCheck(namespace, ec2Check('later', { firstRun: 'OnSchedule' }));
    expectJudgedAs(
      await settledCheck(namespace, 'later', conditionIs('Ready', 'True')),
      'check: scheduled, first run at the schedule (firstRun OnSchedule)',
    );

    // The patch's answer is the object as that write stored it: before the operator saw it.
    const changed = (await objects.api.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        plural: 'awschecks',
        namespace,
        name: 'instances',
        body: { spec: { suspend: true } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as AwsCheck;
    expectJudgedAs(changed, 'check: spec changed, not observed yet');
    expectJudgedAs(
      await settledCheck(namespace, 'instances', conditionIs('Ready', 'True')),
      'check: suspended',
    );
  });

  it('a check that cannot run: no credential ref, beyond its plan, an inactive subscription', async () => {
    const plain = await createTenant(admin, objects, { prefix: 'gitops' });
    await createCheck(plain, {
      ...ec2Check('orphan'),
      spec: { credentialRef: { name: 'nowhere' }, service: 'sts', type: 'HealthCheck' },
    });
    expectJudgedAs(
      await settledCheck(plain, 'orphan', conditionIs('Stalled', 'True')),
      'check: stalled, credential ref missing',
    );

    const free = await planTenant('free');
    await createCheck(free, {
      ...ec2Check('functions'),
      spec: {
        credentialRef: { name: TENANT_CREDENTIAL_REF },
        service: 'lambda',
        type: 'ResourceList',
      },
    });
    expectJudgedAs(
      await settledCheck(free, 'functions', conditionIs('Stalled', 'True')),
      'check: stalled, PlanLimitExceeded',
    );

    const unpaid = await planTenant('suspended');
    await createCheck(unpaid, ec2Check('instances'));
    expectJudgedAs(
      await settledCheck(unpaid, 'instances', conditionIs('Stalled', 'True')),
      'check: stalled, SubscriptionInactive',
    );
    const ref = await eventually('the credential ref to be Stalled', async () => {
      const found = await objects.credential(unpaid, TENANT_CREDENTIAL_REF);
      return conditionIs('Stalled', 'True')(found) ? found : undefined;
    });
    expectJudgedAs(ref, 'credential ref: stalled, SubscriptionInactive');
  });

  it('a credential ref from fresh to valid', async () => {
    const namespace = await createTenant(admin, objects, { prefix: 'gitops' });
    const fresh = (await objects.api.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural: 'awscredentialrefs',
      namespace,
      body: {
        apiVersion: API_VERSION,
        kind: 'AwsCredentialRef',
        metadata: { name: 'second' },
        spec: { region: 'us-east-1', secretRef: { name: 'aws-keys' } },
      },
    })) as AwsCredentialRef;
    expectJudgedAs(fresh, 'credential ref: fresh, no status yet');

    const valid = await eventually('the credential ref to be Ready', async () => {
      const found = await objects.credential(namespace, 'second');
      return conditionIs('Ready', 'True')(found) ? found : undefined;
    });
    expectJudgedAs(valid, 'credential ref: valid');
  });
});
