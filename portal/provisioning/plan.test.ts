import { describe, expect, it } from 'vitest';
import { defaultCatalog, type Plan } from '../../operator/plans/catalog.ts';
import {
  PLAN_LABEL,
  STRIPE_CUSTOMER_ANNOTATION,
  SUBSCRIPTION_STATUS_ANNOTATION,
  TENANT_CLUSTER_ROLE,
  TENANT_LABEL,
  TENANT_SERVICE_ACCOUNT,
  tenantNamespace,
} from '../../operator/plans/tenancy.ts';
import {
  jobsQuota,
  namespaceOf,
  planTenant,
  PROVISIONED_ANNOTATION,
  quotaHard,
  STATE_VERSION_ANNOTATION,
} from './plan.ts';
import type { TenantState } from './tenant-state.ts';

const catalog = defaultCatalog();
const planNamed = (name: string): Plan => {
  const plan = catalog.plans[name];
  if (plan === undefined) throw new Error(`no plan ${name}`);
  return plan;
};

const V1 = '000000000001.000000000002.3.evt_1';
const state = (plan: string, billing = true): TenantState => ({
  tenantId: 'sub-abc',
  plan,
  billing: billing
    ? { customerId: 'cus_1', subscriptionId: 'sub_1', status: 'active', version: V1 }
    : undefined,
  freeSince: undefined,
  version: `${V1}/`,
});

describe('quotaHard', () => {
  it.each([
    // plan, checks, refs, jobs, pods, cpu, memory (bytes)
    ['free', '3', '1', '3*3*3+2*1+1+3+1=34', '1', '100m', '256Mi'],
    ['team', '25', '5', '25*3*3+2*5+3+25+5=268', '3', '750m', '768Mi'],
    ['business', '200', '25', '200*3*3+2*25+10+200+25=2085', '10', '5000m', '5120Mi'],
    ['suspended', '0', '0', '0', '0', '0m', '0Mi'],
  ])('sizes %s from its limits', (...row) => {
    const [name, checks, refs, jobs, pods, cpu, memory] = row;
    expect(quotaHard(planNamed(name))).toEqual({
      'count/awschecks.awscheck.io': checks,
      'count/awscredentialrefs.awscheck.io': refs,
      'count/jobs.batch': jobs.split('=').at(-1),
      pods,
      'requests.cpu': cpu,
      'limits.cpu': cpu,
      'requests.memory': memory,
      'limits.memory': memory,
    });
  });

  it('keeps per check three histories and one queued Job, per ref two and one queued, and the runs', () => {
    expect(jobsQuota(planNamed('team'), 5)).toBe(25 * 3 * 5 + 2 * 5 + 3 + 25 + 5);
    expect(jobsQuota({ ...planNamed('free'), maxChecks: 0, maxCredentialRefs: 0 }, 3)).toBe(1);
  });
});

describe('planTenant', () => {
  it('labels and annotates the Namespace with tenant, plan, Stripe ids, status and version', () => {
    const { namespace } = planTenant(state('team'), planNamed('team'));

    expect(namespace.metadata).toEqual({
      name: tenantNamespace('sub-abc'),
      labels: {
        [TENANT_LABEL]: 'sub-abc',
        [PLAN_LABEL]: 'team',
        'app.kubernetes.io/managed-by': 'awscheck-portal',
      },
      annotations: {
        [STRIPE_CUSTOMER_ANNOTATION]: 'cus_1',
        'awscheck.io/stripe-subscription': 'sub_1',
        [SUBSCRIPTION_STATUS_ANNOTATION]: 'active',
        'awscheck.io/subscription-version': V1,
        [STATE_VERSION_ANNOTATION]: state('team').version,
      },
    });
  });

  it('carries no Stripe annotation for a free plan never paid, and never the marker', () => {
    const free = { ...state('free', false), freeSince: V1, version: `/${V1}` };
    const { namespace } = planTenant(free, planNamed('free'));

    expect(namespace.metadata?.annotations).toEqual({
      'awscheck.io/free-since': V1,
      [STATE_VERSION_ANNOTATION]: `/${V1}`,
    });
  });

  it('adds the marker and the resourceVersion precondition only when asked', () => {
    const metadata = namespaceOf(state('team'), {
      resourceVersion: '42',
      provisioned: true,
    }).metadata;

    expect(metadata?.resourceVersion).toBe('42');
    expect(metadata?.annotations?.[PROVISIONED_ANNOTATION]).toBe(state('team').version);
  });

  it('applies quota, limits, ServiceAccount, RoleBinding and NetworkPolicy, in the namespace', () => {
    const { children } = planTenant(state('team'), planNamed('team'));

    expect(children.map((c) => `${c.kind}/${c.metadata?.name}`)).toEqual([
      'ResourceQuota/awscheck-plan',
      'LimitRange/awscheck-plan',
      `ServiceAccount/${TENANT_SERVICE_ACCOUNT}`,
      'RoleBinding/awscheck-tenant',
      'NetworkPolicy/awscheck-default-deny',
    ]);
    for (const child of children)
      expect(child.metadata?.namespace).toBe(tenantNamespace('sub-abc'));
  });

  it.each(['free', 'team', 'business', 'suspended'])(
    'sizes every container of plan %s to the checker, as default and as maximum',
    (name) => {
      const plan = planNamed(name);
      const limitRange = planTenant(state(name), plan).children[1];
      const size = { cpu: plan.checker.cpu, memory: plan.checker.memory };

      expect(limitRange).toMatchObject({
        spec: { limits: [{ type: 'Container', _default: size, defaultRequest: size, max: size }] },
      });
    },
  );

  it('binds the tenant ClusterRole to the tenant ServiceAccount only, which mounts no token', () => {
    const [, , serviceAccount, roleBinding] = planTenant(state('free'), planNamed('free')).children;

    expect(serviceAccount).toMatchObject({ automountServiceAccountToken: false });
    expect(roleBinding).toMatchObject({
      roleRef: { kind: 'ClusterRole', name: TENANT_CLUSTER_ROLE },
      subjects: [
        {
          kind: 'ServiceAccount',
          name: TENANT_SERVICE_ACCOUNT,
          namespace: tenantNamespace('sub-abc'),
        },
      ],
    });
  });

  it('denies all ingress and allows egress only to DNS and HTTPS', () => {
    const policy = planTenant(state('free'), planNamed('free')).children[4];

    expect(policy).toMatchObject({
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [] },
    });
    const ports = (policy as { spec: { egress: { ports: { port: number }[] }[] } }).spec.egress
      .flatMap((rule) => rule.ports.map((p) => p.port))
      .sort();
    expect(ports).toEqual([443, 53, 53]);
  });

  it('plans the same bytes for the same state (idempotent applies)', () => {
    expect(planTenant(state('team'), planNamed('team'))).toEqual(
      planTenant(state('team'), planNamed('team')),
    );
  });
});
