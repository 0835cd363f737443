// Every test file of an environment-backed project starts from an empty AWS, and leaves
// the shared apiserver as it found it: the namespaces it made are deleted after it, so
// what it left there (credential refs, checks, CronJobs) is not reconciled, validated and
// run by the operators of the files after it.
import { ApiException } from '@kubernetes/client-node';
import { afterAll, beforeAll, inject } from 'vitest';
import { kubeClients } from '../support/kube.ts';
import { resetMoto } from './moto.ts';

const env = inject('testenv');
const { core } = kubeClients(env.kubeconfig);
let namespacesBefore: ReadonlySet<string> = new Set();

async function namespaceNames(): Promise<string[]> {
  const list = await core.listNamespace();
  return list.items.map((namespace) => namespace.metadata?.name ?? '');
}

beforeAll(async () => {
  await resetMoto(env.awsEndpointUrl);
  namespacesBefore = new Set(await namespaceNames());
});

// Registered first, so it runs after the file's own afterAll hooks (they stop operators).
afterAll(async () => {
  const made = (await namespaceNames()).filter((name) => !namespacesBefore.has(name));
  await Promise.all(
    made.map(async (name) => {
      try {
        await core.deleteNamespace({ name });
      } catch (error) {
        // Already gone (a test deleted it): nothing left to clean.
        if (!(error instanceof ApiException && error.code === 404)) throw error;
      }
    }),
  );
});
