// Tenant isolation on the real apiserver: two tenants provisioned by the portal's
// identity; tenant A acts through the kubeconfig the portal hands out (a TokenRequest for
// its ServiceAccount). A manages its own checks, credential refs and Secrets, reads
// nothing of B's and nothing cluster-scoped, and the real ResourceQuota admission refuses
// one AwsCheck more than its plan allows.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiextensionsV1Api } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { GROUP, VERSION } from '../../operator/api/v1alpha1/common.ts';
import { defaultCatalog } from '../../operator/plans/catalog.ts';
import { TENANT_SERVICE_ACCOUNT, tenantNamespace } from '../../operator/plans/tenancy.ts';
import { freePlanState } from '../../portal/billing/subscription-state.ts';
import { tenantKubeconfig } from '../../portal/kubeconfig.ts';
import { createProvisioner } from '../../portal/provisioning/provisioner.ts';
import { CustomObjects } from '../support/awscheck.ts';
import { kubeClients, statusOf, type KubeClients } from '../support/kube.ts';
import {
  installTenantPortal,
  newTenantId,
  quietLog,
  quotaCounted,
  clusterCatalog,
  withPlan,
} from '../support/provisioning.ts';

const env = inject('testenv');
const MAX_CHECKS = 2;
let namespaceA: string;
let namespaceB: string;
let kubeconfigText: string;
let tenantA: KubeClients;
let objectsA: CustomObjects;

beforeAll(async () => {
  const portal = await installTenantPortal(env);
  const small = withPlan(defaultCatalog(), 'free', { maxChecks: MAX_CHECKS });
  const catalog = await clusterCatalog(env, portal, small);
  const provisioner = createProvisioner({ kube: portal.kube, catalog, log: quietLog });
  const [a, b] = [newTenantId(), newTenantId()];
  for (const tenantId of [a, b]) await provisioner.provision(freePlanState(tenantId, new Date()));
  [namespaceA, namespaceB] = [tenantNamespace(a), tenantNamespace(b)];
  for (const namespace of [namespaceA, namespaceB]) await quotaCounted(env.kubeconfig, namespace);
  kubeconfigText = await tenantKubeconfig(portal.kube, {
    namespace: namespaceA,
    server: env.apiServerUrl,
    caData: (await readFile(env.caCert)).toString('base64'),
    expirationSeconds: 600,
  });
  const path = join(env.runDir, `${namespaceA}-tenant.kubeconfig`);
  await writeFile(path, kubeconfigText, { mode: 0o600 });
  tenantA = kubeClients(path);
  objectsA = new CustomObjects(path);
  const admin = kubeClients(env.kubeconfig);
  await admin.core.createNamespacedSecret({
    namespace: namespaceB,
    body: { metadata: { name: 'aws-keys' }, stringData: { AWS_ACCESS_KEY_ID: 'b' } },
  });
});

const credentialRef = {
  apiVersion: `${GROUP}/${VERSION}`,
  kind: 'AwsCredentialRef',
  metadata: { name: 'prod' },
  spec: { region: 'us-east-1', secretRef: { name: 'aws-keys' } },
};
const check = (name: string): object => ({
  apiVersion: `${GROUP}/${VERSION}`,
  kind: 'AwsCheck',
  metadata: { name },
  spec: { credentialRef: { name: 'prod' }, service: 'ec2', type: 'HealthCheck' },
});

describe('a tenant acting through the portal’s kubeconfig', () => {
  it('is the tenant ServiceAccount, in its own namespace by default', () => {
    const config = parse(kubeconfigText) as {
      contexts: { context: { namespace: string } }[];
      users: { user: { token: string } }[];
    };

    expect(config.contexts[0]?.context.namespace).toBe(namespaceA);
    expect(tenantA.config.getCurrentContext()).toBe(`awscheck-${namespaceA}`);
    expect(config.users[0]?.user.token.length).toBeGreaterThan(100);
  });

  it('creates a Secret, an AwsCredentialRef and AwsChecks in its own namespace', async () => {
    await tenantA.core.createNamespacedSecret({
      namespace: namespaceA,
      body: { metadata: { name: 'aws-keys' }, stringData: { AWS_ACCESS_KEY_ID: 'a' } },
    });
    await objectsA.create('awscredentialrefs', namespaceA, credentialRef);
    for (let i = 0; i < MAX_CHECKS; i += 1)
      await objectsA.create('awschecks', namespaceA, check(`web-${i}`));

    expect((await objectsA.check(namespaceA, 'web-0')).metadata.name).toBe('web-0');
  });

  it('is refused one AwsCheck more than its plan by the real quota admission', async () => {
    const refused = await statusOf(objectsA.create('awschecks', namespaceA, check('one-too-many')));

    expect(refused.code).toBe(403);
    expect(refused.message).toContain('exceeded quota: awscheck-plan');
    expect(refused.message).toContain('count/awschecks.awscheck.io');
  });

  it('gets 403 on the other tenant’s checks and Secrets', async () => {
    const list = objectsA.api.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural: 'awschecks',
      namespace: namespaceB,
    });
    expect(await statusOf(list)).toMatchObject({ code: 403 });
    expect(
      await statusOf(objectsA.create('awschecks', namespaceB, check('intruder'))),
    ).toMatchObject({ code: 403 });
    expect(
      await statusOf(
        tenantA.core.readNamespacedSecret({ name: 'aws-keys', namespace: namespaceB }),
      ),
    ).toMatchObject({ code: 403 });
    expect(
      await statusOf(tenantA.core.listNamespacedSecret({ namespace: namespaceB })),
    ).toMatchObject({ code: 403 });
  });

  it('gets 403 on cluster-scoped reads: namespaces, nodes, CRDs', async () => {
    expect(await statusOf(tenantA.core.listNamespace())).toMatchObject({ code: 403 });
    expect(await statusOf(tenantA.core.readNamespace({ name: namespaceA }))).toMatchObject({
      code: 403,
    });
    expect(await statusOf(tenantA.core.listNode())).toMatchObject({ code: 403 });
    const crds = tenantA.config.makeApiClient(ApiextensionsV1Api);
    expect(await statusOf(crds.listCustomResourceDefinition())).toMatchObject({ code: 403 });
  });

  it('cannot mint tokens, nor touch its quota, ServiceAccount or RoleBinding', async () => {
    const token = tenantA.core.createNamespacedServiceAccountToken({
      name: TENANT_SERVICE_ACCOUNT,
      namespace: namespaceA,
      body: { spec: { audiences: [] } },
    });
    expect(await statusOf(token)).toMatchObject({ code: 403 });
    expect(
      await statusOf(
        tenantA.core.deleteNamespacedResourceQuota({
          name: 'awscheck-plan',
          namespace: namespaceA,
        }),
      ),
    ).toMatchObject({ code: 403 });
    expect(
      await statusOf(
        tenantA.core.deleteNamespacedServiceAccount({
          name: TENANT_SERVICE_ACCOUNT,
          namespace: namespaceA,
        }),
      ),
    ).toMatchObject({ code: 403 });
  });
});
