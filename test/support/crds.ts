// Installing the generated CRDs into the shared test apiserver, for any test file that needs them.
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  ApiextensionsV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { parse } from 'yaml';
import { eventually } from './eventually.ts';

/** CRDS_DIR is where `npm run generate` writes the CRDs. */
export const CRDS_DIR = resolve(import.meta.dirname, '../../crds');

/** FIELD_MANAGER owns the CRDs the tests apply; re-applying under it changes nothing. */
const FIELD_MANAGER = 'awscheck-tests';

/** readCrds parses every crds/*.yaml file (not the samples). */
export async function readCrds(): Promise<V1CustomResourceDefinition[]> {
  const names = (await readdir(CRDS_DIR)).filter((name) => name.endsWith('.yaml')).sort();
  if (names.length === 0) throw new Error(`no CRDs in ${CRDS_DIR}: run npm run generate`);
  return Promise.all(
    names.map(
      async (name) =>
        parse(await readFile(join(CRDS_DIR, name), 'utf8')) as V1CustomResourceDefinition,
    ),
  );
}

function isEstablished(crd: V1CustomResourceDefinition): boolean {
  return (crd.status?.conditions ?? []).some(
    (c) => c.type === 'Established' && c.status === 'True',
  );
}

const installed = new Map<string, Promise<string[]>>();

async function install(kubeconfigPath: string): Promise<string[]> {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfigPath);
  const objects = KubernetesObjectApi.makeApiClient(config);
  const extensions = config.makeApiClient(ApiextensionsV1Api);
  const crds = await readCrds();
  for (const crd of crds) {
    await objects.patch(
      crd,
      undefined,
      undefined,
      FIELD_MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    );
  }
  const names = crds.map((crd) => crd.metadata?.name ?? '');
  await Promise.all(
    names.map((name) =>
      eventually(`CRD ${name} to be Established`, async () => {
        const crd = await extensions.readCustomResourceDefinition({ name });
        return isEstablished(crd) ? name : undefined;
      }),
    ),
  );
  return names;
}

/**
 * installCrds server-side applies every crds/*.yaml to the apiserver of `kubeconfigPath` and
 * waits until each CRD is Established. It is idempotent (CRDs are cluster-scoped and shared by
 * every test file) and applies once per kubeconfig per process. Resolves with the CRD names.
 */
export async function installCrds(kubeconfigPath: string): Promise<string[]> {
  let pending = installed.get(kubeconfigPath);
  if (pending === undefined) {
    pending = install(kubeconfigPath);
    installed.set(kubeconfigPath, pending);
    pending.catch(() => installed.delete(kubeconfigPath));
  }
  return pending;
}
