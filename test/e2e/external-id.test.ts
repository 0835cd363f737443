// The confused-deputy rule end to end: the real operator derives each tenant's ExternalId
// (`awscheck-<namespace uid>`, shown in the credential ref's status) and its checker pods
// send it with AssumeRole. Both tenants' namespaces route their pods (the namespace
// annotation) to an AWS that enforces IAM and judges trust policies as AWS does (moto
// behind the trust gate, test/env/trust-gate.ts). Both hold the same platform keys, and
// both point at tenant A's role, whose trust policy requires tenant A's ExternalId.
import { trustPolicy } from '../../portal/connect-aws/template.ts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AwsCheck } from '../../operator/api/v1alpha1/awscheck.ts';
import type { AwsCredentialRef } from '../../operator/api/v1alpha1/awscredentialref.ts';
import { AWS_ENDPOINT_ANNOTATION } from '../env/pod-runner/runner.ts';
import { conditionOf, CustomObjects } from '../support/awscheck.ts';
import {
  ACCOUNT,
  startEnforcingAws,
  type EnforcingAws,
  type IamUser,
} from '../support/enforcing-aws.ts';
import { eventually } from '../support/eventually.ts';
import { kubeClients, uniqueName } from '../support/kube.ts';
import { installOperator, startOperator, type RunningOperator } from '../support/operator.ts';

const env = inject('testenv');
const admin = kubeClients(env.kubeconfig);
const objects = new CustomObjects(env.kubeconfig);
let operator: RunningOperator;
let aws: EnforcingAws;
let platform: IamUser;

beforeAll(async () => {
  aws = await startEnforcingAws('moto-iam-e2e-external-id');
  platform = await aws.createUser('platform', ['sts:AssumeRole', 'sts:GetCallerIdentity']);
  operator = await startOperator(env, await installOperator(env));
});

afterAll(async () => {
  await operator.stop();
  await aws.stop();
});

/** Tenant is a namespace routed to the enforcing AWS, and the ExternalId due to it. */
interface Tenant {
  readonly namespace: string;
  readonly externalId: string;
}

async function tenant(prefix: string): Promise<Tenant> {
  const namespace = uniqueName(prefix);
  const created = await admin.core.createNamespace({
    body: {
      metadata: { name: namespace, annotations: { [AWS_ENDPOINT_ANNOTATION]: aws.gate.url } },
    },
  });
  const uid = created.metadata?.uid;
  if (uid === undefined) throw new Error(`namespace ${namespace} was created without a UID`);
  await admin.core.createNamespacedSecret({
    namespace,
    body: {
      metadata: { name: 'aws-keys' },
      stringData: {
        AWS_ACCESS_KEY_ID: platform.keys.accessKeyId,
        AWS_SECRET_ACCESS_KEY: platform.keys.secretAccessKey,
      },
    },
  });
  return { namespace, externalId: `awscheck-${uid}` };
}

async function applyRefAndCheck(namespace: string, roleArn: string): Promise<void> {
  await objects.create('awscredentialrefs', namespace, {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCredentialRef',
    metadata: { name: 'customer-role' },
    spec: {
      region: 'us-east-1',
      secretRef: { name: 'aws-keys' },
      assumeRole: { roleArn, sessionName: 'awscheck-e2e' },
    },
  });
  await objects.create('awschecks', namespace, {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCheck',
    metadata: { name: 'identity' },
    spec: { credentialRef: { name: 'customer-role' }, service: 'sts', type: 'HealthCheck' },
  });
}

// refVerdict waits for the validation's verdict: Ready=False, or Ready=True with the
// identity it proved (a check's successful run can make the ref Ready before that).
async function refVerdict(namespace: string): Promise<AwsCredentialRef> {
  return eventually(
    'the credential ref’s verdict',
    async () => {
      const ref = await objects.credential(namespace, 'customer-role');
      const ready = conditionOf(ref, 'Ready')?.status;
      if (ready === 'False' || (ready === 'True' && ref.status?.identity !== undefined)) return ref;
      throw new Error(`status so far: ${JSON.stringify(ref.status)}`);
    },
    45_000,
  );
}

async function runOutcome(namespace: string): Promise<AwsCheck> {
  return eventually(
    'the check’s first run',
    async () => {
      const check = await objects.check(namespace, 'identity');
      const healthy = conditionOf(check, 'Healthy');
      if (healthy !== undefined && healthy.status !== 'Unknown') return check;
      throw new Error(`status so far: ${JSON.stringify(check.status)}`);
    },
    45_000,
  );
}

describe('a role whose trust policy requires tenant A’s ExternalId', () => {
  let tenantA: Tenant;
  let tenantB: Tenant;
  let roleArn: string;

  beforeAll(async () => {
    [tenantA, tenantB] = await Promise.all([tenant('tenant-a'), tenant('tenant-b')]);
    roleArn = await aws.createRole(
      `TenantA-${tenantA.namespace}`.slice(0, 64),
      trustPolicy(platform.arn, tenantA.externalId),
    );
    await Promise.all([
      applyRefAndCheck(tenantA.namespace, roleArn),
      applyRefAndCheck(tenantB.namespace, roleArn),
    ]);
  });

  it('is assumed for tenant A: the ref goes Ready as the role, and the check runs', async () => {
    const [ref, check] = await Promise.all([
      refVerdict(tenantA.namespace),
      runOutcome(tenantA.namespace),
    ]);

    expect(ref.status?.externalId).toBe(tenantA.externalId);
    expect(conditionOf(ref, 'Ready')).toMatchObject({ status: 'True', reason: 'Validated' });
    const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
    expect(ref.status?.identity).toMatchObject({
      accountId: ACCOUNT,
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/awscheck-e2e`,
    });
    expect(conditionOf(check, 'Healthy')).toMatchObject({
      status: 'True',
      reason: 'RunSucceeded',
    });
    expect(check.status?.lastRun).toMatchObject({ outcome: 'Succeeded', resources: 1 });
    const sent = aws.gate.decisions.filter((d) => d.externalId === tenantA.externalId);
    expect(sent.length).toBeGreaterThanOrEqual(2);
    expect(sent.every((d) => d.roleArn === roleArn && d.effect === 'Allow')).toBe(true);
  });

  it('is refused for tenant B’s id: the ref goes Ready=False with AccessDenied, the check fails', async () => {
    const [ref, check] = await Promise.all([
      refVerdict(tenantB.namespace),
      runOutcome(tenantB.namespace),
    ]);

    expect(ref.status?.externalId).toBe(tenantB.externalId);
    expect(ref.status?.externalId).not.toBe(tenantA.externalId);
    const ready = conditionOf(ref, 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'PermissionDenied' });
    expect(ready?.message).toContain('AccessDenied');
    expect(ready?.message).toContain(
      `User: ${platform.arn} is not authorized to perform: sts:AssumeRole`,
    );
    expect(ref.status?.identity).toBeUndefined();
    const healthy = conditionOf(check, 'Healthy');
    expect(healthy).toMatchObject({ status: 'False', reason: 'PermissionDenied' });
    expect(healthy?.message).toContain('AccessDenied');
    expect(healthy?.message).toContain('sts:AssumeRole');
    // Same keys, same role, same principal as tenant A, which was accepted: what differs is
    // the ExternalId, and the verdict names the condition.
    const refusals = aws.gate.decisions.filter((d) => d.externalId === tenantB.externalId);
    expect(refusals.length).toBeGreaterThanOrEqual(2);
    for (const refusal of refusals) {
      expect(refusal).toMatchObject({ roleArn, effect: 'ImplicitDeny' });
      expect(refusal.reason).toBe(
        `statement 0: StringEquals sts:ExternalId [${tenantA.externalId}] does not hold: "${tenantB.externalId}"`,
      );
    }
  });
});
