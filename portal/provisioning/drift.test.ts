import { describe, expect, it } from 'vitest';
import { defaultCatalog, type Plan } from '../../operator/plans/catalog.ts';
import { childDrifted } from './drift.ts';
import { planTenant, type ChildObject } from './plan.ts';

const team = defaultCatalog().plans.team as Plan;
const children = planTenant(
  { tenantId: 't', plan: 'team', billing: undefined, freeSince: undefined, version: '/' },
  team,
).children;
const child = (kind: string): ChildObject => {
  const found = children.find((c) => c.kind === kind);
  if (found === undefined) throw new Error(`no ${kind}`);
  return found;
};
// live is what the apiserver answers: the planned object plus what it adds.
const live = (
  kind: string,
  change: (o: Record<string, unknown>) => void = () => undefined,
): object => {
  const object = JSON.parse(JSON.stringify(child(kind))) as Record<string, unknown>;
  (object.metadata as Record<string, unknown>).uid = 'u-1';
  change(object);
  return object;
};
type Spec = Record<string, Record<string, unknown>>;

describe('childDrifted', () => {
  it.each(['ResourceQuota', 'LimitRange', 'ServiceAccount', 'RoleBinding', 'NetworkPolicy'])(
    'sees no drift in a %s as applied, and drift when it is gone',
    (kind) => {
      expect(childDrifted(child(kind), live(kind))).toBe(false);
      expect(childDrifted(child(kind), undefined)).toBe(true);
    },
  );

  it('ignores what the apiserver adds or omits: subject apiGroup, empty ingress, quantities', () => {
    const binding = live('RoleBinding', (o) => {
      (o.subjects as Record<string, unknown>[])[0] = {
        ...(o.subjects as Record<string, unknown>[])[0],
        apiGroup: '',
      };
    });
    const policy = live('NetworkPolicy', (o) => {
      delete (o.spec as Spec).ingress;
    });
    const quota = live('ResourceQuota', (o) => {
      ((o.spec as Spec).hard as Record<string, string>)['requests.cpu'] = '0.75';
    });

    expect(childDrifted(child('RoleBinding'), binding)).toBe(false);
    expect(childDrifted(child('NetworkPolicy'), policy)).toBe(false);
    expect(childDrifted(child('ResourceQuota'), quota)).toBe(false);
  });

  it.each<[string, string, (o: Record<string, unknown>) => void]>([
    [
      'a quota limit raised',
      'ResourceQuota',
      (o) => {
        ((o.spec as Spec).hard as Record<string, string>).pods = '99';
      },
    ],
    [
      'a quota limit added',
      'ResourceQuota',
      (o) => {
        ((o.spec as Spec).hard as Record<string, string>).secrets = '5';
      },
    ],
    [
      'a LimitRange max raised',
      'LimitRange',
      (o) => {
        const [limit] = (o.spec as { limits: { max: Record<string, string> }[] }).limits;
        if (limit !== undefined) limit.max.cpu = '4';
      },
    ],
    [
      'a RoleBinding to another role',
      'RoleBinding',
      (o) => {
        (o.roleRef as Record<string, string>).name = 'cluster-admin';
      },
    ],
    [
      'a RoleBinding with another subject',
      'RoleBinding',
      (o) => {
        (o.subjects as unknown[]).push({ kind: 'User', name: 'mallory' });
      },
    ],
    [
      'a NetworkPolicy opened to ingress',
      'NetworkPolicy',
      (o) => {
        (o.spec as Spec).ingress = [{}] as unknown as Record<string, unknown>;
      },
    ],
    [
      'a ServiceAccount that mounts its token',
      'ServiceAccount',
      (o) => {
        o.automountServiceAccountToken = true;
      },
    ],
  ])('sees %s as drift', (_, kind, change) => {
    expect(childDrifted(child(kind), live(kind, change))).toBe(true);
  });
});
