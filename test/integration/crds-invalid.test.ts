// The corpus of invalid objects against the real kube-apiserver: each is rejected, and the
// rejection names the offending field (the same corpus the zod schemas reject in unit tests).
import { CustomObjectsApi } from '@kubernetes/client-node';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import {
  INVALID_CASES,
  objectOf,
  partsOf,
  validSpecOf,
  type InvalidCase,
} from '../../operator/api/testing/invalid-objects.ts';
import { GROUP, VERSION } from '../../operator/api/v1alpha1/common.ts';
import { installCrds } from '../support/crds.ts';
import { createNamespace, kubeClients, statusOf, uniqueName } from '../support/kube.ts';

const env = inject('testenv');
const admin = kubeClients(env.kubeconfig);
const custom = admin.config.makeApiClient(CustomObjectsApi);
let namespace = '';

const PLURALS = { AwsCheck: 'awschecks', AwsCredentialRef: 'awscredentialrefs' } as const;

beforeAll(async () => {
  await installCrds(env.kubeconfig);
  namespace = await createNamespace(admin.core, 'invalid');
});

function where(c: InvalidCase): {
  group: string;
  version: string;
  namespace: string;
  plural: string;
} {
  return { group: GROUP, version: VERSION, namespace, plural: PLURALS[c.kind] };
}

/** attempt makes the write a case is about: a create for spec, a status update for status. */
async function attempt(c: InvalidCase): Promise<unknown> {
  const name = uniqueName('case');
  if (c.part === 'spec') {
    return custom.createNamespacedCustomObject({
      ...where(c),
      body: objectOf(c.kind, name, namespace, partsOf(c)),
      dryRun: 'All',
    });
  }
  const created = (await custom.createNamespacedCustomObject({
    ...where(c),
    body: objectOf(c.kind, name, namespace, { spec: validSpecOf(c.kind) }),
  })) as Record<string, unknown>;
  return custom.replaceNamespacedCustomObjectStatus({
    ...where(c),
    name,
    body: { ...created, status: partsOf(c).status },
  });
}

/**
 * blamedFields lists the distinct fields a 422 Status names in its causes; causes without a
 * field, or the field `<nil>` (such as the note that CEL rules were skipped), name none.
 */
function blamedFields(body: string): string[] {
  const status = JSON.parse(body) as { details?: { causes?: { field?: string }[] } };
  const fields = (status.details?.causes ?? []).map((cause) => cause.field ?? '');
  return [...new Set(fields.filter((field) => field !== '' && field !== '<nil>'))];
}

describe('the apiserver with the generated CRDs', () => {
  it.each(INVALID_CASES.map((c) => [`${c.kind} ${c.part}: ${c.why}`, c] as const))(
    'rejects %s, naming the field',
    async (_, c) => {
      const rejected = await statusOf(attempt(c));

      expect(rejected.code).toBe(422);
      expect(rejected.message).toContain(`${c.field}:`);
      expect(blamedFields(rejected.message), 'only the offending field').toEqual([c.field]);
    },
  );
});
