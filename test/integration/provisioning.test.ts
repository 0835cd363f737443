// Provisioning on the real apiserver, acting as the portal's ServiceAccount bound by exactly
// the generated RBAC: it creates everything a tenant needs, writes nothing when nothing
// changed, ends in the newest state whatever the delivery order, is finished by resync
// after a crash in the middle, follows a changed catalog, and never deletes on a downgrade.
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  BatchV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  NetworkingV1Api,
  RbacAuthorizationV1Api,
  type KubernetesObject,
  type V1Job,
} from '@kubernetes/client-node';
import { portalKube as clientsOf } from '../../portal/real-deps.ts';
import { beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { GROUP, VERSION } from '../../operator/api/v1alpha1/common.ts';
import { defaultCatalog, planOf, type Plan } from '../../operator/plans/catalog.ts';
import {
  PLAN_LABEL,
  STRIPE_SUBSCRIPTION_ANNOTATION,
  SUBSCRIPTION_STATUS_ANNOTATION,
  TENANT_CLUSTER_ROLE,
  TENANT_LABEL,
  TENANT_SERVICE_ACCOUNT,
  tenantNamespace,
} from '../../operator/plans/tenancy.ts';
import { freePlanState } from '../../portal/billing/subscription-state.ts';
import { provisionClient, type ProvisionClient } from '../../portal/provisioning/client.ts';
import {
  jobsQuota,
  OPERATOR_JOB_HISTORY,
  PROVISIONED_ANNOTATION,
  QUOTA_NAME,
  STATE_VERSION_ANNOTATION,
} from '../../portal/provisioning/plan.ts';
import { createProvisioner } from '../../portal/provisioning/provisioner.ts';
import type { TenantState } from '../../portal/provisioning/tenant-state.ts';
import { kubeClients, statusOf } from '../support/kube.ts';
import {
  installTenantPortal,
  newTenantId,
  paidState,
  PORTAL_FENCE_DENIAL,
  quietLog,
  quotaCounted,
  clusterCatalog,
  type ClusterCatalog,
  withPlan,
  type PortalServiceAccount,
} from '../support/provisioning.ts';

const env = inject('testenv');
const admin = kubeClients(env.kubeconfig);
let portal: PortalServiceAccount;
let catalog: ClusterCatalog;

beforeAll(async () => {
  portal = await installTenantPortal(env);
  catalog = await clusterCatalog(env, portal);
});

beforeEach(async () => {
  await catalog.set(defaultCatalog());
});

const provisioner = (client?: ProvisionClient): ReturnType<typeof createProvisioner> =>
  createProvisioner({
    kube: portal.kube,
    catalog,
    log: quietLog,
    ...(client === undefined ? {} : { client }),
  });

async function namespaceOf(tenantId: string): Promise<KubernetesObject> {
  return admin.core.readNamespace({ name: tenantNamespace(tenantId) });
}

async function hardOf(tenantId: string): Promise<Record<string, string>> {
  const quota = await admin.core.readNamespacedResourceQuota({
    name: QUOTA_NAME,
    namespace: tenantNamespace(tenantId),
  });
  return quota.spec?.hard ?? {};
}

describe('provisioning as the portal', () => {
  it('creates the Namespace and every child, then makes 0 writes for the same state', async () => {
    const tenantId = newTenantId();
    const state = paidState(tenantId, 'team', { epoch: 100, at: 100 });
    const namespace = tenantNamespace(tenantId);
    const portalProvisioner = provisioner();

    expect(await portalProvisioner.provision(state)).toEqual({
      result: 'applied',
      namespace,
      writes: 8,
    });
    const created = await namespaceOf(tenantId);
    expect(created.metadata?.labels).toMatchObject({
      [TENANT_LABEL]: tenantId,
      [PLAN_LABEL]: 'team',
    });
    expect(created.metadata?.annotations).toMatchObject({
      [STRIPE_SUBSCRIPTION_ANNOTATION]: 'sub_100',
      [STATE_VERSION_ANNOTATION]: state.version,
      [PROVISIONED_ANNOTATION]: state.version,
    });
    expect(await hardOf(tenantId)).toMatchObject({
      'count/awschecks.awscheck.io': '25',
      'count/jobs.batch': '268',
      pods: '3',
      'requests.cpu': '750m',
      'limits.memory': '768Mi',
    });
    const limits = await admin.core.readNamespacedLimitRange({ name: 'awscheck-plan', namespace });
    expect(limits.spec?.limits[0]?.max).toEqual({ cpu: '250m', memory: '256Mi' });
    await admin.core.readNamespacedServiceAccount({ name: TENANT_SERVICE_ACCOUNT, namespace });
    const binding = await admin.config
      .makeApiClient(RbacAuthorizationV1Api)
      .readNamespacedRoleBinding({ name: 'awscheck-tenant', namespace });
    expect(binding.roleRef.name).toBe(TENANT_CLUSTER_ROLE);
    const policy = await admin.config
      .makeApiClient(NetworkingV1Api)
      .readNamespacedNetworkPolicy({ name: 'awscheck-default-deny', namespace });
    expect(policy.spec?.policyTypes).toEqual(['Ingress', 'Egress']);

    expect(await portalProvisioner.provision(state)).toEqual({
      result: 'unchanged',
      namespace,
      writes: 0,
    });
    expect(await provisioner().provision(state)).toMatchObject({ writes: 0 });
  });

  it('applies a newer state on the same plan in one write, the children left as they are', async () => {
    const tenantId = newTenantId();
    await provisioner().provision(paidState(tenantId, 'team', { epoch: 100, at: 100 }));
    const quotaBefore = await admin.core.readNamespacedResourceQuota({
      name: QUOTA_NAME,
      namespace: tenantNamespace(tenantId),
    });
    const pastDue = paidState(tenantId, 'team', { epoch: 100, at: 200 }, 'past_due');

    expect(await provisioner().provision(pastDue)).toMatchObject({ result: 'applied', writes: 1 });
    const after = await namespaceOf(tenantId);
    expect(after.metadata?.annotations).toMatchObject({
      [SUBSCRIPTION_STATUS_ANNOTATION]: 'past_due',
      [STATE_VERSION_ANNOTATION]: pastDue.version,
      [PROVISIONED_ANNOTATION]: pastDue.version,
    });
    const quotaAfter = await admin.core.readNamespacedResourceQuota({
      name: QUOTA_NAME,
      namespace: tenantNamespace(tenantId),
    });
    expect(quotaAfter.metadata?.resourceVersion).toBe(quotaBefore.metadata?.resourceVersion);
    expect(
      await provisioner().provision(paidState(tenantId, 'business', { epoch: 100, at: 300 })),
    ).toMatchObject({ result: 'applied', writes: 7 });
  });

  it('applies a burst of states for one tenant as one provisioning of their join', async () => {
    const tenantId = newTenantId();
    const plans = ['team', 'business', 'team', 'business'];
    const burst = plans.map((plan, i) => paidState(tenantId, plan, { epoch: 100, at: 100 + i }));
    const portalProvisioner = provisioner();

    // Oldest first: one by one this would be four provisionings (8 + 7 + 7 + 7 writes).
    const outcomes = await Promise.all(burst.map((state) => portalProvisioner.provision(state)));

    expect(outcomes.map((o) => o.writes).reduce((a, b) => a + b)).toBe(8);
    expect(outcomes.filter((o) => o.result === 'applied')).toHaveLength(1);
    const recorded = await namespaceOf(tenantId);
    expect(recorded.metadata?.labels?.[PLAN_LABEL]).toBe('business');
    expect(recorded.metadata?.annotations?.[PROVISIONED_ANNOTATION]).toBe(burst[3]?.version);
  });

  it('never loses a waiting state when the join that took it fails', async () => {
    const tenantId = newTenantId();
    const real = provisionClient(portal.kube);
    // Each armed gate holds the next namespace read until released, then fails it or not.
    const gates: { reached: () => void; released: Promise<boolean> }[] = [];
    const arm = (): { reached: Promise<void>; release: (fail: boolean) => void } => {
      const reached = Promise.withResolvers<undefined>();
      const released = Promise.withResolvers<boolean>();
      gates.push({
        reached: () => {
          reached.resolve(undefined);
        },
        released: released.promise,
      });
      return { reached: reached.promise.then(() => undefined), release: released.resolve };
    };
    const gated: ProvisionClient = {
      ...real,
      readNamespace: async (name) => {
        const gate = gates.shift();
        if (gate !== undefined) {
          gate.reached();
          if (await gate.released) throw new Error('injected failure of the joined provisioning');
        }
        return real.readNamespace(name);
      },
    };
    const first = paidState(tenantId, 'team', { epoch: 100, at: 100 });
    await provisioner().provision(first);
    const portalProvisioner = provisioner(gated);
    const renewal = paidState(tenantId, 'team', { epoch: 100, at: 200 }, 'past_due');
    const upgrade = paidState(tenantId, 'business', { epoch: 300, at: 300 });
    const lateOldEvent = paidState(tenantId, 'team', { epoch: 100, at: 250 });

    const holdFirst = arm();
    const running = portalProvisioner.provision(first);
    await holdFirst.reached;
    const failing = portalProvisioner.provision(renewal);
    const upgraded = portalProvisioner.provision(upgrade);
    const holdJoin = arm();
    holdFirst.release(false);
    await running;
    await holdJoin.reached;
    const late = portalProvisioner.provision(lateOldEvent);
    holdJoin.release(true);

    await expect(failing).rejects.toThrow(/injected failure/);
    expect(await upgraded).toMatchObject({ result: 'applied' });
    await late;
    expect((await namespaceOf(tenantId)).metadata?.labels?.[PLAN_LABEL]).toBe('business');
  });

  it('makes 0 writes for a stale state, and keeps the newer one', async () => {
    const tenantId = newTenantId();
    const newer = paidState(tenantId, 'business', { epoch: 100, at: 200 });
    await provisioner().provision(newer);

    expect(
      await provisioner().provision(paidState(tenantId, 'team', { epoch: 100, at: 150 })),
    ).toMatchObject({ result: 'stale', writes: 0 });
    expect((await namespaceOf(tenantId)).metadata?.labels?.[PLAN_LABEL]).toBe('business');
  });

  const permutations = <T>(items: readonly T[]): T[][] =>
    items.length <= 1
      ? [[...items]]
      : items.flatMap((item, i) =>
          permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [
            item,
            ...rest,
          ]),
        );

  it('ends in the newest state for every order of deliveries, duplicates included', async () => {
    const orders = permutations([0, 1, 2]);
    await Promise.all(
      orders.map(async (order) => {
        const tenantId = newTenantId();
        const states: TenantState[] = [
          paidState(tenantId, 'team', { epoch: 100, at: 100 }),
          paidState(tenantId, 'business', { epoch: 100, at: 200 }),
          paidState(tenantId, 'suspended', { epoch: 100, at: 300 }, 'unpaid'),
        ];
        const delivered = [...order, order[0] ?? 0, ...order].map((i) => states[i] as TenantState);
        const portalProvisioner = provisioner();
        for (const state of delivered) await portalProvisioner.provision(state);
        const final = await namespaceOf(tenantId);

        expect(final.metadata?.labels?.[PLAN_LABEL]).toBe('suspended');
        expect(final.metadata?.annotations?.[PROVISIONED_ANNOTATION]).toBe(states[2]?.version);
        expect(await hardOf(tenantId)).toMatchObject({
          'count/awschecks.awscheck.io': '0',
          pods: '0',
        });
      }),
    );
  });

  it('ends in the newest state when two portal replicas race', async () => {
    const tenantId = newTenantId();
    const states = [100, 200, 300, 400].map((at) =>
      paidState(tenantId, at % 200 === 0 ? 'business' : 'team', { epoch: 100, at }),
    );
    const [a, b] = [provisioner(), provisioner()];
    await Promise.all([
      ...states.map(async (state) => a.provision(state)),
      ...[...states].reverse().map(async (state) => b.provision(state)),
    ]);

    const final = await namespaceOf(tenantId);
    expect(final.metadata?.annotations?.[PROVISIONED_ANNOTATION]).toBe(states[3]?.version);
    expect(await hardOf(tenantId)).toMatchObject({ 'count/awschecks.awscheck.io': '200' });
  });

  it('finishes by resync a provisioning that crashed after the Namespace', async () => {
    const tenantId = newTenantId();
    const real = provisionClient(portal.kube);
    let applies = 0;
    const crashing: ProvisionClient = {
      ...real,
      apply: async (object) => {
        applies += 1;
        if (applies === 2) throw new Error('injected crash after the Namespace');
        return real.apply(object);
      },
    };
    const state = paidState(tenantId, 'team', { epoch: 100, at: 100 });

    await expect(provisioner(crashing).provision(state)).rejects.toThrow(/injected crash/);
    const left = await namespaceOf(tenantId);
    expect(left.metadata?.annotations?.[STATE_VERSION_ANNOTATION]).toBe(state.version);
    expect(left.metadata?.annotations?.[PROVISIONED_ANNOTATION]).toBeUndefined();
    expect(await statusOf(hardOf(tenantId))).toMatchObject({ code: 404 });

    const report = await provisioner().resync();

    expect(report.converged).toContain(tenantNamespace(tenantId));
    expect(await hardOf(tenantId)).toMatchObject({ 'count/awschecks.awscheck.io': '25' });
    expect(await provisioner().provision(state)).toMatchObject({ result: 'unchanged' });
  });

  it('applies a plan changed in the catalog to the quotas by resync, then writes nothing', async () => {
    const tenantId = newTenantId();
    const portalProvisioner = provisioner();
    await portalProvisioner.provision(freePlanState(tenantId, new Date()));
    await catalog.set(withPlan(defaultCatalog(), 'free', { maxChecks: 7 }));

    const changed = await portalProvisioner.resync();

    expect(changed.converged).toContain(tenantNamespace(tenantId));
    expect(await hardOf(tenantId)).toMatchObject({ 'count/awschecks.awscheck.io': '7' });
    expect((await portalProvisioner.resync()).converged).not.toContain(tenantNamespace(tenantId));
  });

  it('deletes nothing on a downgrade: what no longer fits stays, over quota', async () => {
    const tenantId = newTenantId();
    const namespace = tenantNamespace(tenantId);
    const portalProvisioner = provisioner();
    await portalProvisioner.provision(paidState(tenantId, 'team', { epoch: 100, at: 100 }));
    await quotaCounted(env.kubeconfig, namespace);
    for (const name of ['a', 'b', 'c', 'd'])
      await admin.config.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        plural: 'awschecks',
        namespace,
        body: {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'AwsCheck',
          metadata: { name },
          spec: { credentialRef: { name: 'prod' }, service: 'ec2', type: 'HealthCheck' },
        },
      });

    await portalProvisioner.provision(
      paidState(tenantId, 'suspended', { epoch: 100, at: 200 }, 'canceled'),
    );
    await portalProvisioner.provision(freePlanState(tenantId, new Date()));

    const checks = (await portal.kube.custom.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural: 'awschecks',
      namespace,
    })) as { items: unknown[] };
    expect(checks.items).toHaveLength(4);
    expect(await hardOf(tenantId)).toMatchObject({ 'count/awschecks.awscheck.io': '3' });
  });

  it('admits every Job the operator keeps for a full tenant, and one more is refused', async () => {
    const tenantId = newTenantId();
    const namespace = tenantNamespace(tenantId);
    const small = { maxChecks: 2, maxCredentialRefs: 1, maxConcurrentRuns: 1 };
    await catalog.set(withPlan(defaultCatalog(), 'free', small));
    await provisioner().provision(freePlanState(tenantId, new Date()));
    await quotaCounted(env.kubeconfig, namespace);
    const history = OPERATOR_JOB_HISTORY;
    // What the operator holds at most, by kind (see jobsQuota): per check its CronJob's
    // succeeded and failed history, the runs it owns directly and one queued (suspended);
    // per credential ref the recorded validation, one running and one queued; the runs.
    const kept = [
      ...Array.from({ length: small.maxChecks }, (_, c) => [
        ...Array.from({ length: history }, (_, i) => `check${c}-cron-succeeded-${i}`),
        ...Array.from({ length: history }, (_, i) => `check${c}-cron-failed-${i}`),
        ...Array.from({ length: history }, (_, i) => `check${c}-owned-${i}`),
        `check${c}-queued`,
      ]),
      ...Array.from({ length: small.maxCredentialRefs }, (_, r) => [
        `ref${r}-validation-latest`,
        `ref${r}-validation-running`,
        `ref${r}-validation-queued`,
      ]),
      ...Array.from({ length: small.maxConcurrentRuns }, (_, i) => [`run-in-flight-${i}`]),
    ].flat();
    const batch = admin.config.makeApiClient(BatchV1Api);
    const job = (name: string): V1Job => ({
      metadata: { name },
      spec: {
        suspend: true,
        template: {
          spec: { restartPolicy: 'Never', containers: [{ name: 'checker', image: 'checker' }] },
        },
      },
    });

    const refused: string[] = [];
    for (const name of kept)
      await batch.createNamespacedJob({ namespace, body: job(name) }).catch((error: unknown) => {
        refused.push(`${name}: ${String(error)}`);
      });
    const oneMore = await statusOf(batch.createNamespacedJob({ namespace, body: job('extra') }));

    expect(refused).toEqual([]);
    expect(kept).toHaveLength(jobsQuota(planOf(await catalog.current(), 'free') as Plan));
    expect(oneMore.code).toBe(403);
    expect(oneMore.message).toContain('count/jobs.batch');
  });

  it('re-applies drifted children by resync, from a fresh read, then writes nothing', async () => {
    const tenantId = newTenantId();
    const namespace = tenantNamespace(tenantId);
    await provisioner().provision(paidState(tenantId, 'team', { epoch: 100, at: 100 }));
    const networking = admin.config.makeApiClient(NetworkingV1Api);
    await networking.deleteNamespacedNetworkPolicy({ name: 'awscheck-default-deny', namespace });
    await admin.core.patchNamespacedLimitRange(
      {
        name: 'awscheck-plan',
        namespace,
        body: [{ op: 'replace', path: '/spec/limits/0/max/cpu', value: '4' }],
      },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );

    const report = await provisioner().resync();

    expect(report.converged).toContain(namespace);
    const limits = await admin.core.readNamespacedLimitRange({ name: 'awscheck-plan', namespace });
    expect(limits.spec?.limits[0]?.max).toEqual({ cpu: '250m', memory: '256Mi' });
    await networking.readNamespacedNetworkPolicy({ name: 'awscheck-default-deny', namespace });
    expect((await provisioner().resync()).converged).not.toContain(namespace);
  });

  it('never applies an older plan from a resync that listed the namespace before an upgrade', async () => {
    const tenantId = newTenantId();
    const namespace = tenantNamespace(tenantId);
    await provisioner().provision(paidState(tenantId, 'team', { epoch: 100, at: 100 }));
    const real = provisionClient(portal.kube);
    const listedBefore = await real.listTenantNamespaces();
    await provisioner().provision(paidState(tenantId, 'business', { epoch: 100, at: 200 }));
    const lagging: ProvisionClient = {
      ...real,
      listTenantNamespaces: () => Promise.resolve(listedBefore),
    };

    const report = await provisioner(lagging).resync();

    expect(report.converged).not.toContain(namespace);
    expect(await hardOf(tenantId)).toMatchObject({ 'count/awschecks.awscheck.io': '200' });
  });

  it('fails a call to a stalled apiserver within its bound, and the tenant’s queue moves on', async () => {
    const stalled = createServer(() => undefined);
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const sockets: Socket[] = [];
    stalled.on('connection', (socket) => sockets.push(socket));
    try {
      const config = new KubeConfig();
      config.loadFromOptions({
        clusters: [
          {
            skipTLSVerify: true,
            name: 'stalled',
            server: `http://127.0.0.1:${(stalled.address() as AddressInfo).port}`,
          },
        ],
        users: [{ name: 'nobody' }],
        contexts: [{ name: 'stalled', cluster: 'stalled', user: 'nobody' }],
        currentContext: 'stalled',
      });
      const hanging = provisionClient(clientsOf(config, 300));
      const real = provisionClient(portal.kube);
      let reads = 0;
      const firstHangs: ProvisionClient = {
        ...real,
        readNamespace: async (name) => {
          reads += 1;
          return reads === 1 ? hanging.readNamespace(name) : real.readNamespace(name);
        },
      };
      const tenantId = newTenantId();
      const queued = provisioner(firstHangs);

      const [first, second] = await Promise.allSettled([
        queued.provision(paidState(tenantId, 'team', { epoch: 100, at: 100 })),
        queued.provision(paidState(tenantId, 'team', { epoch: 100, at: 200 })),
      ]);

      expect(first.status).toBe('rejected');
      expect(String((first as PromiseRejectedResult).reason)).toMatch(/abort|timeout/i);
      expect(second).toMatchObject({ status: 'fulfilled', value: { result: 'applied' } });
      expect(sockets.length).toBeGreaterThan(0);
      await expect(provisioner(hanging).resync()).rejects.toThrow(/abort|timeout/i);
    } finally {
      for (const socket of sockets) socket.destroy();
      stalled.close();
    }
  });

  it('refuses a tenant namespace labelled for someone else, writing nothing', async () => {
    const tenantId = newTenantId();
    const namespace = tenantNamespace(tenantId);
    await admin.core.createNamespace({
      body: { metadata: { name: namespace, labels: { [TENANT_LABEL]: 'someone-else' } } },
    });
    const before = (await namespaceOf(tenantId)).metadata?.resourceVersion;

    await expect(
      provisioner().provision(paidState(tenantId, 'team', { epoch: 100, at: 100 })),
    ).rejects.toThrow(/not labelled for this tenant/);
    expect((await namespaceOf(tenantId)).metadata?.resourceVersion).toBe(before);
    expect(await statusOf(hardOf(tenantId))).toMatchObject({ code: 404 });
  });

  it('is fenced to bind only the tenant ClusterRole to the tenant ServiceAccount of the namespace', async () => {
    const tenantId = newTenantId();
    const namespace = tenantNamespace(tenantId);
    await provisioner().provision(freePlanState(tenantId, new Date()));
    const binding = (subjects: object[]): KubernetesObject =>
      ({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'sneaky', namespace },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: TENANT_CLUSTER_ROLE,
        },
        subjects,
      }) as KubernetesObject;
    const client = provisionClient(portal.kube);
    const apply = (object: KubernetesObject): Promise<KubernetesObject> => client.apply(object);

    const refused = [
      await statusOf(
        apply(binding([{ kind: 'User', name: 'mallory', apiGroup: 'rbac.authorization.k8s.io' }])),
      ),
      await statusOf(apply(binding([{ kind: 'ServiceAccount', name: 'default', namespace }]))),
      await statusOf(
        apply(
          binding([
            { kind: 'ServiceAccount', name: TENANT_SERVICE_ACCOUNT, namespace: portal.namespace },
          ]),
        ),
      ),
      await statusOf(
        apply(
          binding([
            { kind: 'ServiceAccount', name: TENANT_SERVICE_ACCOUNT, namespace },
            { kind: 'ServiceAccount', name: 'default', namespace },
          ]),
        ),
      ),
    ];

    for (const answer of refused) {
      expect(answer.code).toBe(403);
      expect(answer.message).toContain(PORTAL_FENCE_DENIAL);
    }
  });

  it('is fenced at admission to tenant namespaces', async () => {
    const outside = await statusOf(
      portal.kube.core.createNamespacedResourceQuota({
        namespace: portal.namespace,
        body: { metadata: { name: 'sneaky' }, spec: { hard: { pods: '100' } } },
      }),
    );
    const relabel = await statusOf(
      provisionClient(portal.kube).apply({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: portal.namespace, labels: { [PLAN_LABEL]: 'business' } },
      }),
    );
    const notTenant = await statusOf(
      portal.kube.core.createNamespace({ body: { metadata: { name: 'tenant-without-label' } } }),
    );

    for (const refused of [outside, relabel, notTenant]) {
      expect(refused.code).toBe(403);
      expect(refused.message).toContain(PORTAL_FENCE_DENIAL);
    }
  });

  it('may not read a Secret, nor delete a namespace, as the portal', async () => {
    const tenantId = newTenantId();
    const namespace = tenantNamespace(tenantId);
    await provisioner().provision(freePlanState(tenantId, new Date()));
    await admin.core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'aws-keys' }, stringData: { AWS_ACCESS_KEY_ID: 'x' } },
    });

    expect(
      await statusOf(portal.kube.core.readNamespacedSecret({ name: 'aws-keys', namespace })),
    ).toMatchObject({ code: 403 });
    expect(await statusOf(portal.kube.core.listNamespacedSecret({ namespace }))).toMatchObject({
      code: 403,
    });
    expect(await statusOf(portal.kube.core.deleteNamespace({ name: namespace }))).toMatchObject({
      code: 403,
    });
  });
});
