// The zod schemas and the apiserver with the generated CRDs must agree on every object: a
// property test sends generated specs (valid and one step outside) to both.
import { ApiException, CustomObjectsApi } from '@kubernetes/client-node';
import fc from 'fast-check';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { checkSpec, credentialSpec, serialized } from '../../operator/api/testing/arbitraries.ts';
import { objectOf, type KindName } from '../../operator/api/testing/invalid-objects.ts';
import { GROUP, VERSION } from '../../operator/api/v1alpha1/common.ts';
import {
  parseAwsCheck,
  parseAwsCredentialRef,
  type Parsed,
} from '../../operator/api/v1alpha1/parse.ts';
import { installCrds } from '../support/crds.ts';
import { createNamespace, kubeClients } from '../support/kube.ts';

const env = inject('testenv');
const admin = kubeClients(env.kubeconfig);
const custom = admin.config.makeApiClient(CustomObjectsApi);
let namespace = '';

const RUNS = 150;

beforeAll(async () => {
  await installCrds(env.kubeconfig);
  namespace = await createNamespace(admin.core, 'agreement');
});

interface Verdict {
  readonly accepted: boolean;
  readonly why: string;
}

/** apiserverVerdict dry-run creates the object; 422 is a rejection, any other error a failure. */
async function apiserverVerdict(kind: KindName, object: Record<string, unknown>): Promise<Verdict> {
  const plural = kind === 'AwsCheck' ? 'awschecks' : 'awscredentialrefs';
  try {
    await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural,
      body: object,
      dryRun: 'All',
    });
    return { accepted: true, why: 'accepted' };
  } catch (error) {
    if (error instanceof ApiException && error.code === 422) {
      return { accepted: false, why: String(error.body) };
    }
    throw error;
  }
}

function zodVerdict(parsed: Parsed<unknown>): Verdict {
  return parsed.ok ? { accepted: true, why: 'accepted' } : { accepted: false, why: parsed.message };
}

const KINDS = [
  { kind: 'AwsCheck', spec: checkSpec, parse: parseAwsCheck },
  { kind: 'AwsCredentialRef', spec: credentialSpec, parse: parseAwsCredentialRef },
] as const;

describe('zod and the apiserver', () => {
  it.each(KINDS)(
    'agree on accepting or rejecting every generated $kind',
    async ({ kind, spec, parse }) => {
      const verdicts = { accepted: 0, rejected: 0 };
      let counter = 0;
      await fc.assert(
        fc.asyncProperty(spec, async (generated) => {
          counter += 1;
          const object = objectOf(kind, `prop-${counter}`, namespace, {
            spec: serialized(generated),
          });
          const server = await apiserverVerdict(kind, object);
          const zod = zodVerdict(parse(object));

          expect(
            zod.accepted,
            `spec ${JSON.stringify(object.spec)}\napiserver: ${server.why}\nzod: ${zod.why}`,
          ).toBe(server.accepted);
          verdicts[server.accepted ? 'accepted' : 'rejected'] += 1;
        }),
        { numRuns: RUNS },
      );

      // Both verdicts must be common, or the property would say little.
      expect(verdicts.accepted).toBeGreaterThan(RUNS / 10);
      expect(verdicts.rejected).toBeGreaterThan(RUNS / 10);
    },
  );
});
