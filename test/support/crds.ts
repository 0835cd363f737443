// Installing the generated CRDs into the shared test apiserver, for any test file that needs them.
import { readdir, readFile } from 'node:fs/promises';
import { request, type RequestOptions } from 'node:https';
import { join, resolve } from 'node:path';
import {
  ApiextensionsV1Api,
  KubeConfig,
  KubernetesObjectApi,
  loadYaml,
  PatchStrategy,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { parse } from 'yaml';
import { eventually } from './eventually.ts';

/** CRDS_DIR is where `npm run generate` writes the CRDs. */
export const CRDS_DIR = resolve(import.meta.dirname, '../../crds');

/** FIELD_MANAGER owns the CRDs the tests apply; re-applying under it changes nothing. */
const FIELD_MANAGER = 'awscheck-tests';

/** GeneratedCrd is a CRD file's content as plain data, exactly as generated. */
export interface GeneratedCrd {
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly names: { readonly kind: string };
    readonly versions: readonly { readonly schema: { readonly openAPIV3Schema: unknown } }[];
  };
}

async function readCrdTexts(): Promise<string[]> {
  const names = (await readdir(CRDS_DIR)).filter((name) => name.endsWith('.yaml')).sort();
  if (names.length === 0) throw new Error(`no CRDs in ${CRDS_DIR}: run npm run generate`);
  return Promise.all(names.map((name) => readFile(join(CRDS_DIR, name), 'utf8')));
}

/** readCrds parses every crds/*.yaml file (not the samples) as plain data. */
export async function readCrds(): Promise<GeneratedCrd[]> {
  return (await readCrdTexts()).map((text) => parse(text) as GeneratedCrd);
}

function isEstablished(crd: V1CustomResourceDefinition): boolean {
  return (crd.status?.conditions ?? []).some(
    (c) => c.type === 'Established' && c.status === 'True',
  );
}

const installed = new Map<string, Promise<string[]>>();

/**
 * applyCrds server-side applies every crds/*.yaml and waits until each CRD is Established,
 * every time it is called. Tests use installCrds, which applies once per process.
 */
export async function applyCrds(kubeconfigPath: string): Promise<string[]> {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfigPath);
  const objects = KubernetesObjectApi.makeApiClient(config);
  const extensions = config.makeApiClient(ApiextensionsV1Api);
  // client-node serializes through its typed models: plain YAML keys such as `default` and
  // `x-kubernetes-validations` would be dropped unless loadYaml maps them onto the model first.
  const crds = (await readCrdTexts()).map((text) => loadYaml<V1CustomResourceDefinition>(text));
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
    pending = applyCrds(kubeconfigPath);
    installed.set(kubeconfigPath, pending);
    pending.catch(() => installed.delete(kubeconfigPath));
  }
  return pending;
}

/**
 * getJson GETs an apiserver path (discovery, OpenAPI, a Table view) as the kubeconfig's user
 * and parses the JSON answer; any status but 200 is an error that carries the body.
 */
export async function getJson(
  kubeconfigPath: string,
  path: string,
  accept = 'application/json',
): Promise<unknown> {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfigPath);
  const server = config.getCurrentCluster()?.server;
  if (server === undefined) throw new Error(`${kubeconfigPath} names no current cluster`);
  const options: RequestOptions = { headers: { accept } };
  await config.applyToHTTPSOptions(options);
  const { status, body } = await new Promise<{ status: number; body: string }>(
    (resolvePromise, reject) => {
      const req = request(new URL(path, server), options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolvePromise({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() });
        });
      });
      req.on('error', reject);
      req.end();
    },
  );
  if (status !== 200) throw new Error(`GET ${path} answered ${status}: ${body}`);
  return JSON.parse(body) as unknown;
}
