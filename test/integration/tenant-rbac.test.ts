// The tenants' generated ClusterRole (operator/rbac.ts, TENANT_RULES) on the real
// kube-apiserver, bound by a RoleBinding in namespace A as the portal binds it: the tenant
// manages AwsChecks, AwsCredentialRefs and Secrets in A and reads its Events; it can
// create no Pod, Job, CronJob or TokenRequest, so it can obtain no ServiceAccount token
// for the checker's platform audience; and it reads nothing in namespace B.
import {
  AuthorizationV1Api,
  RbacAuthorizationV1Api,
  type V1ResourceAttributes,
} from '@kubernetes/client-node';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { GROUP, VERSION } from '../../operator/api/v1alpha1/common.ts';
import { TENANT_ROLE_NAME, tenantRoleManifest } from '../../operator/rbac.ts';
import { mintKubeconfig } from '../env/environment.ts';
import { applyObject, DEFAULT_TOKEN_AUDIENCE } from '../support/admission.ts';
import { CustomObjects } from '../support/awscheck.ts';
import { installCrds } from '../support/crds.ts';
import {
  createNamespace,
  kubeClients,
  statusOf,
  uniqueName,
  type KubeClients,
} from '../support/kube.ts';

const env = inject('testenv');
const admin = kubeClients(env.kubeconfig);
let namespaceA: string;
let namespaceB: string;
let tenant: KubeClients;
let tenantObjects: CustomObjects;

beforeAll(async () => {
  await installCrds(env.kubeconfig);
  await applyObject(env.kubeconfig, tenantRoleManifest());
  namespaceA = await createNamespace(admin.core, 'tenant-a');
  namespaceB = await createNamespace(admin.core, 'tenant-b');
  const user = uniqueName('tenant-user');
  await admin.config.makeApiClient(RbacAuthorizationV1Api).createNamespacedRoleBinding({
    namespace: namespaceA,
    body: {
      metadata: { name: 'awscheck-tenant' },
      subjects: [{ kind: 'User', name: user, apiGroup: 'rbac.authorization.k8s.io' }],
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: TENANT_ROLE_NAME,
      },
    },
  });
  const kubeconfig = await mintKubeconfig(env, user);
  tenant = kubeClients(kubeconfig);
  tenantObjects = new CustomObjects(kubeconfig);
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
const check = {
  apiVersion: `${GROUP}/${VERSION}`,
  kind: 'AwsCheck',
  metadata: { name: 'web' },
  spec: { credentialRef: { name: 'prod' }, service: 'ec2', type: 'HealthCheck' },
};

async function allowed(attributes: V1ResourceAttributes): Promise<boolean> {
  const review = await tenant.config
    .makeApiClient(AuthorizationV1Api)
    .createSelfSubjectAccessReview({
      body: { spec: { resourceAttributes: attributes } },
    });
  return review.status?.allowed ?? false;
}

describe('a tenant bound to awscheck-tenant in namespace A', () => {
  it('manages its Secrets, credential refs and checks in A, and reads its Events', async () => {
    await tenant.core.createNamespacedSecret({
      namespace: namespaceA,
      body: { metadata: { name: 'aws-keys' }, stringData: { AWS_ACCESS_KEY_ID: 'a' } },
    });
    await tenantObjects.create('awscredentialrefs', namespaceA, credentialRef);
    await tenantObjects.create('awschecks', namespaceA, check);
    await tenantObjects.mergePatch('awschecks', namespaceA, 'web', { spec: { suspend: true } });

    expect((await tenantObjects.check(namespaceA, 'web')).spec.suspend).toBe(true);
    expect((await tenantObjects.credential(namespaceA, 'prod')).spec.region).toBe('us-east-1');
    expect(
      (await tenant.core.readNamespacedSecret({ name: 'aws-keys', namespace: namespaceA })).data,
    ).toHaveProperty('AWS_ACCESS_KEY_ID');
    await expect(tenant.core.listNamespacedEvent({ namespace: namespaceA })).resolves.toBeDefined();
    await tenantObjects.delete('awschecks', namespaceA, 'web');
    await tenantObjects.delete('awscredentialrefs', namespaceA, 'prod');
    await tenant.core.deleteNamespacedSecret({ name: 'aws-keys', namespace: namespaceA });
  });

  it('cannot create a Pod, a Job or a CronJob in A', async () => {
    const pod = { name: 'x', image: 'busybox' };
    const podSpec = { restartPolicy: 'Never', containers: [pod] };
    const namespace = namespaceA;

    const refusals = await Promise.all([
      statusOf(
        tenant.core.createNamespacedPod({
          namespace,
          body: { metadata: { name: 'x' }, spec: podSpec },
        }),
      ),
      statusOf(
        tenant.batch.createNamespacedJob({
          namespace,
          body: { metadata: { name: 'x' }, spec: { template: { spec: podSpec } } },
        }),
      ),
      statusOf(
        tenant.batch.createNamespacedCronJob({
          namespace,
          body: {
            metadata: { name: 'x' },
            spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec: podSpec } } } },
          },
        }),
      ),
    ]);

    expect(refusals.map((r) => r.code)).toEqual([403, 403, 403]);
  });

  it('cannot request a token for the platform audience (TokenRequest) in A', async () => {
    const refused = await statusOf(
      tenant.core.createNamespacedServiceAccountToken({
        name: 'default',
        namespace: namespaceA,
        body: { spec: { audiences: [DEFAULT_TOKEN_AUDIENCE ?? 'awscheck.io/checker'] } },
      }),
    );

    expect(refused.code).toBe(403);
    expect(refused.message).toContain('serviceaccounts/token');
  });

  it.each([
    ['create', '', 'pods', undefined],
    ['create', '', 'pods', 'exec'],
    ['get', '', 'pods', 'exec'],
    ['create', '', 'pods', 'attach'],
    ['create', '', 'pods', 'portforward'],
    ['patch', '', 'pods', 'ephemeralcontainers'],
    ['create', '', 'serviceaccounts', 'token'],
    ['create', '', 'serviceaccounts', undefined],
    ['impersonate', '', 'serviceaccounts', undefined],
    ['create', 'apps', 'deployments', undefined],
    ['create', 'apps', 'replicasets', undefined],
    ['create', 'apps', 'statefulsets', undefined],
    ['create', 'apps', 'daemonsets', undefined],
    ['create', '', 'replicationcontrollers', undefined],
    ['create', 'batch', 'jobs', undefined],
    ['create', 'batch', 'cronjobs', undefined],
    ['create', 'rbac.authorization.k8s.io', 'rolebindings', undefined],
    ['create', 'rbac.authorization.k8s.io', 'roles', undefined],
    ['create', '', 'configmaps', undefined],
    ['deletecollection', GROUP, 'awschecks', undefined],
    ['deletecollection', '', 'secrets', undefined],
    ['patch', GROUP, 'awschecks', 'status'],
    ['create', '', 'events', undefined],
  ])('is not allowed to %s %s/%s (%s) in A', async (verb, group, resource, subresource) => {
    const attributes = {
      namespace: namespaceA,
      verb,
      group,
      resource,
      ...(subresource !== undefined && { subresource }),
    };

    expect(await allowed(attributes)).toBe(false);
  });

  it.each([
    [
      'secrets',
      (): Promise<unknown> => tenant.core.listNamespacedSecret({ namespace: namespaceB }),
    ],
    ['events', (): Promise<unknown> => tenant.core.listNamespacedEvent({ namespace: namespaceB })],
    ['pods', (): Promise<unknown> => tenant.core.listNamespacedPod({ namespace: namespaceB })],
    [
      'configmaps',
      (): Promise<unknown> => tenant.core.listNamespacedConfigMap({ namespace: namespaceB }),
    ],
    [
      'a Secret',
      (): Promise<unknown> =>
        tenant.core.readNamespacedSecret({ name: 'aws-keys', namespace: namespaceB }),
    ],
    [
      'awschecks',
      (): Promise<unknown> =>
        tenantObjects.api.listNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          plural: 'awschecks',
          namespace: namespaceB,
        }),
    ],
    [
      'awscredentialrefs',
      (): Promise<unknown> =>
        tenantObjects.api.listNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          plural: 'awscredentialrefs',
          namespace: namespaceB,
        }),
    ],
  ])('cannot read %s in namespace B', async (_, read) => {
    expect((await statusOf(read())).code).toBe(403);
  });

  it('cannot read anything at all in namespace B, nor cluster-wide', async () => {
    const everything = { verb: 'get', group: '*', resource: '*' };

    expect(await allowed({ ...everything, namespace: namespaceB })).toBe(false);
    expect(await allowed({ ...everything, verb: 'list', namespace: namespaceB })).toBe(false);
    expect(await allowed({ verb: 'list', group: GROUP, resource: 'awschecks' })).toBe(false);
  });
});
