import { describe, expect, it } from 'vitest';
import { GROUP } from '../operator/api/v1alpha1/common.ts';
import { CATALOG_CONFIGMAP } from '../operator/plans/catalog.ts';
import { TENANT_CLUSTER_ROLE, TENANT_SERVICE_ACCOUNT } from '../operator/plans/tenancy.ts';
import {
  PORTAL_CATALOG_RULES,
  PORTAL_ROLE_NAME,
  PORTAL_RULES,
  PORTAL_SERVICE_ACCOUNT,
  portalRbacManifests,
} from './rbac.ts';

type Rules = typeof PORTAL_RULES;

const grants = (rules: Rules): string[] =>
  rules.flatMap((rule) =>
    (rule.apiGroups ?? []).flatMap((group) =>
      (rule.resources ?? []).flatMap((resource) =>
        rule.verbs.map(
          (verb) =>
            `${group}/${resource}:${verb}` +
            (rule.resourceNames === undefined ? '' : `[${rule.resourceNames.join(',')}]`),
        ),
      ),
    ),
  );

describe.each([
  ['portal', PORTAL_RULES],
  ['catalog', PORTAL_CATALOG_RULES],
] as const)('the %s rules', (_, rules) => {
  it('have no wildcard, no delete, no impersonate or escalate, and a reason each', () => {
    for (const rule of rules) {
      expect([
        ...(rule.apiGroups ?? []),
        ...(rule.resources ?? []),
        ...rule.verbs,
        ...(rule.resourceNames ?? []),
      ]).not.toContain('*');
      for (const verb of ['delete', 'deletecollection', 'impersonate', 'escalate', 'update'])
        expect(rule.verbs).not.toContain(verb);
      expect(rule.why.length).toBeGreaterThan(10);
    }
  });

  it('grant nothing on Secrets, Pods or workloads', () => {
    const resources = rules.flatMap((rule) => rule.resources ?? []);
    for (const resource of ['secrets', 'pods', 'pods/exec', 'jobs', 'cronjobs', 'deployments'])
      expect(resources).not.toContain(resource);
  });
});

describe('PORTAL_RULES', () => {
  it('are exactly provisioning, one bind, one token and dashboard reads', () => {
    const write = ['get', 'create', 'patch'];
    const expected = [
      ...['get', 'list', 'create', 'patch'].map((v) => `/namespaces:${v}`),
      ...['resourcequotas', 'limitranges', 'serviceaccounts'].flatMap((r) =>
        write.map((v) => `/${r}:${v}`),
      ),
      ...write.map((v) => `rbac.authorization.k8s.io/rolebindings:${v}`),
      ...write.map((v) => `networking.k8s.io/networkpolicies:${v}`),
      `rbac.authorization.k8s.io/clusterroles:bind[${TENANT_CLUSTER_ROLE}]`,
      `/serviceaccounts/token:create[${TENANT_SERVICE_ACCOUNT}]`,
      ...['awschecks', 'awscredentialrefs'].flatMap((r) =>
        ['list'].map((v) => `${GROUP}/${r}:${v}`),
      ),
    ];

    expect(grants(PORTAL_RULES).sort()).toEqual(expected.sort());
  });

  it('bind only the tenant ClusterRole, by name', () => {
    const binds = PORTAL_RULES.filter((rule) => rule.verbs.includes('bind'));

    expect(binds).toHaveLength(1);
    expect(binds[0]?.resourceNames).toEqual([TENANT_CLUSTER_ROLE]);
    expect(binds[0]?.resources).toEqual(['clusterroles']);
  });

  it('hold no roles or clusterroles to write (no way to grant itself more)', () => {
    const writes = grants(PORTAL_RULES).filter(
      (g) => /\/(cluster)?roles:/.test(g) && !g.includes(':bind['),
    );

    expect(writes).toEqual([]);
  });
});

describe('portalRbacManifests', () => {
  it('bind the ServiceAccount awscheck-portal of the namespace, and read only the catalog', () => {
    const [clusterRole, binding, role, roleBinding] = portalRbacManifests('ops');

    expect(clusterRole.metadata?.name).toBe(PORTAL_ROLE_NAME);
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: PORTAL_SERVICE_ACCOUNT, namespace: 'ops' },
    ]);
    expect(binding.roleRef.name).toBe(PORTAL_ROLE_NAME);
    expect(role.metadata?.namespace).toBe('ops');
    expect(role.rules).toEqual([
      {
        apiGroups: [''],
        resources: ['configmaps'],
        verbs: ['get'],
        resourceNames: [CATALOG_CONFIGMAP],
      },
    ]);
    expect(roleBinding.roleRef.name).toBe(role.metadata?.name);
  });
});
