import { describe, expect, it } from 'vitest';
import { GROUP } from './api/v1alpha1/common.ts';
import { CATALOG_CONFIGMAP } from './plans/catalog.ts';
import {
  CATALOG_RULES,
  LEADER_ELECTION_RULES,
  OPERATOR_RULES,
  TENANT_ROLE_NAME,
  TENANT_RULES,
  tenantRoleManifest,
} from './rbac.ts';

type Rules = typeof OPERATOR_RULES;

const grants = (rules: Rules): string[] =>
  rules.flatMap((rule) =>
    (rule.apiGroups ?? []).flatMap((group) =>
      (rule.resources ?? []).flatMap((resource) =>
        rule.verbs.map((verb) => `${group}/${resource}:${verb}`),
      ),
    ),
  );

/** TOKEN_PATHS are every way to a ServiceAccount token of a chosen audience, or to more rights. */
const TOKEN_PATHS = [
  'pods',
  'pods/exec',
  'pods/attach',
  'pods/portforward',
  'pods/ephemeralcontainers',
  'serviceaccounts',
  'serviceaccounts/token',
  'jobs',
  'cronjobs',
  'deployments',
  'replicasets',
  'statefulsets',
  'daemonsets',
  'replicationcontrollers',
  'roles',
  'rolebindings',
  'configmaps',
];

describe.each([
  ['operator', OPERATOR_RULES],
  ['leader election', LEADER_ELECTION_RULES],
  ['plan catalog', CATALOG_RULES],
  ['tenant', TENANT_RULES],
] as const)('the %s rules', (_, rules) => {
  it('have no wildcard, and no impersonate, bind or escalate', () => {
    for (const rule of rules) {
      expect([...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...rule.verbs]).not.toContain(
        '*',
      );
      for (const verb of ['impersonate', 'bind', 'escalate'])
        expect(rule.verbs).not.toContain(verb);
      expect(rule.why.length).toBeGreaterThan(10);
    }
  });
});

describe('OPERATOR_RULES', () => {
  it('grant nothing on Secrets, ConfigMaps (its admission parameters) or the admission fence', () => {
    const resources = OPERATOR_RULES.flatMap((rule) => rule.resources ?? []);
    const groups = OPERATOR_RULES.flatMap((rule) => rule.apiGroups ?? []);

    expect(resources).not.toContain('secrets');
    expect(resources).not.toContain('configmaps');
    expect(resources).not.toContain('serviceaccounts/token');
    expect(groups).not.toContain('admissionregistration.k8s.io');
  });

  it('read Pods but create none, nor exec into one', () => {
    const pods = grants(OPERATOR_RULES).filter((grant) => grant.startsWith('/pods'));

    expect(pods).toEqual(['/pods:get', '/pods:list', '/pods:watch']);
  });

  it('create Events and list them (one Pod’s FailedMount, by field selector), never watch or get them', () => {
    const events = grants(OPERATOR_RULES).filter((grant) => grant.includes('events'));

    expect(events.sort()).toEqual(['/events:create', '/events:list']);
  });
});

describe('CATALOG_RULES', () => {
  it('read one ConfigMap, the plan catalog, by name, and write none', () => {
    expect(CATALOG_RULES).toEqual([
      expect.objectContaining({
        apiGroups: [''],
        resources: ['configmaps'],
        resourceNames: [CATALOG_CONFIGMAP],
        verbs: ['get', 'list', 'watch'],
      }),
    ]);
  });
});

describe('TENANT_RULES', () => {
  it('cover exactly our two kinds, Secrets and read-only Events, one object at a time', () => {
    const all = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
    const expected = [
      ...['awschecks', 'awscredentialrefs'].flatMap((r) => all.map((v) => `${GROUP}/${r}:${v}`)),
      ...all.map((v) => `/secrets:${v}`),
      ...['', 'events.k8s.io'].flatMap((g) =>
        ['get', 'list', 'watch'].map((v) => `${g}/events:${v}`),
      ),
    ];

    expect(grants(TENANT_RULES).sort()).toEqual(expected.sort());
  });

  it.each(TOKEN_PATHS)('grant nothing on %s', (resource) => {
    expect(TENANT_RULES.flatMap((rule) => rule.resources ?? [])).not.toContain(resource);
  });

  it('grant no status writes and no deletecollection', () => {
    expect(
      grants(TENANT_RULES).filter((g) => g.includes('/status') || g.endsWith(':deletecollection')),
    ).toEqual([]);
  });

  it('become the ClusterRole the portal binds per namespace', () => {
    expect(tenantRoleManifest().metadata?.name).toBe(TENANT_ROLE_NAME);
    expect(tenantRoleManifest().rules).toHaveLength(TENANT_RULES.length);
  });
});
