// The generated CRDs on the real kube-apiserver: installed, discoverable, the samples accepted,
// status as a subresource, kubectl's columns, and descriptions in the published OpenAPI.
import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { checkSamples, credentialRefSamples } from '../../operator/api/samples.ts';
import { VALID_CHECK_SPEC, VALID_CONDITION } from '../../operator/api/testing/invalid-objects.ts';
import { GROUP, VERSION } from '../../operator/api/v1alpha1/common.ts';
import { applyCrds, getJson, installCrds, readCrds, type GeneratedCrd } from '../support/crds.ts';
import { eventually } from '../support/eventually.ts';
import { createNamespace, kubeClients, uniqueName } from '../support/kube.ts';

const env = inject('testenv');
const admin = kubeClients(env.kubeconfig);
const custom = admin.config.makeApiClient(CustomObjectsApi);
const objects = KubernetesObjectApi.makeApiClient(admin.config);
const extensions = admin.config.makeApiClient(ApiextensionsV1Api);

type Json = Readonly<Record<string, unknown>>;
const at = (value: unknown, key: string): Json => (value as Json)[key] as Json;

beforeAll(async () => {
  await installCrds(env.kubeconfig);
});

describe('installCrds', () => {
  it('is idempotent: applying again writes nothing', async () => {
    const before = await extensions.readCustomResourceDefinition({ name: `awschecks.${GROUP}` });

    await applyCrds(env.kubeconfig);

    const after = await extensions.readCustomResourceDefinition({ name: `awschecks.${GROUP}` });
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
  });

  it('installs each CRD exactly as generated: defaults and CEL rules included', async () => {
    for (const crd of await readCrds()) {
      const live = (await getJson(
        env.kubeconfig,
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`,
      )) as GeneratedCrd;

      expect(live.spec.versions[0]?.schema).toEqual(crd.spec.versions[0]?.schema);
    }
  });
});

describe('discovery', () => {
  it('lists both kinds with short names, the category and the status subresource', async () => {
    const list = (await getJson(env.kubeconfig, `/apis/${GROUP}/${VERSION}`)) as {
      resources: { name: string; kind: string; shortNames?: string[]; categories?: string[] }[];
    };
    const byName = new Map(list.resources.map((r) => [r.name, r]));

    expect(byName.get('awschecks')).toMatchObject({
      kind: 'AwsCheck',
      shortNames: ['awsc'],
      categories: ['awscheck-all'],
    });
    expect(byName.get('awscredentialrefs')).toMatchObject({
      kind: 'AwsCredentialRef',
      shortNames: ['awscred'],
      categories: ['awscheck-all'],
    });
    expect(byName.has('awschecks/status')).toBe(true);
    expect(byName.has('awscredentialrefs/status')).toBe(true);
  });
});

describe('samples', () => {
  it('are all accepted by server-side apply, with defaults filled in', async () => {
    const namespace = await createNamespace(admin.core, 'samples');
    const samples = [...credentialRefSamples(), ...checkSamples()];

    for (const sample of samples) {
      const object = { ...sample.object, metadata: { name: nameOf(sample.object), namespace } };
      await objects.patch(
        object,
        undefined,
        undefined,
        'crds-test',
        true,
        PatchStrategy.ServerSideApply,
      );
    }

    const checks = (await custom.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: 'awschecks',
    })) as { items: { spec: Json }[] };
    expect(checks.items).toHaveLength(checkSamples().length);
    for (const item of checks.items) {
      expect(item.spec).toMatchObject({ suspend: false, firstRun: 'Immediately' });
    }
  });
});

function nameOf(object: Json): string {
  return String(at(object, 'metadata').name);
}

describe('status subresource', () => {
  it('ignores status on create, takes it from /status, and shows it in kubectl columns', async () => {
    const namespace = await createNamespace(admin.core, 'status');
    const name = uniqueName('check');
    const ready = { ...VALID_CONDITION, type: 'Ready', status: 'True' };
    const object = {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'AwsCheck',
      metadata: { name, namespace },
      spec: VALID_CHECK_SPEC,
      status: { conditions: [ready] },
    };
    const created = (await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: 'awschecks',
      body: object,
    })) as Json;
    expect(created.status).toBeUndefined();

    const healthy = {
      ...VALID_CONDITION,
      type: 'Healthy',
      status: 'False',
      reason: 'PermissionDenied',
    };
    const updated = (await custom.replaceNamespacedCustomObjectStatus({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: 'awschecks',
      name,
      body: { ...created, status: { observedGeneration: 1, conditions: [ready, healthy] } },
    })) as Json;

    expect(at(updated, 'metadata').generation).toBe(1);
    const table = (await getJson(
      env.kubeconfig,
      `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/awschecks`,
      'application/json;as=Table;v=v1;g=meta.k8s.io',
    )) as { columnDefinitions: { name: string; priority: number }[]; rows: { cells: unknown[] }[] };
    const columns = table.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name);
    const cells = table.rows[0]?.cells ?? [];
    expect(columns).toEqual([
      'Name',
      'Service',
      'Type',
      'Schedule',
      'Ready',
      'Healthy',
      'Last Run',
      'Age',
    ]);
    expect(cells.slice(0, 6)).toEqual([name, 'ec2', 'ResourceList', '@daily', 'True', 'False']);
  });
});

type Schema = Readonly<{
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema;
}>;

/** descriptionsOf maps every field path of a schema to its description. */
function descriptionsOf(
  schema: Schema,
  path: string,
  out = new Map<string, string>(),
): Map<string, string> {
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    out.set(`${path}.${name}`, child.description ?? '');
    descriptionsOf(child, `${path}.${name}`, out);
  }
  if (schema.items) descriptionsOf(schema.items, `${path}[]`, out);
  if (schema.additionalProperties) descriptionsOf(schema.additionalProperties, `${path}{}`, out);
  return out;
}

describe('published OpenAPI v3', () => {
  it('carries the description of every spec and status field', async () => {
    const crds = await readCrds();
    const document = await eventually('the OpenAPI v3 document to list both kinds', async () => {
      const published = (await getJson(env.kubeconfig, `/openapi/v3/apis/${GROUP}/${VERSION}`)) as {
        components: { schemas: Record<string, Schema> };
      };
      const schemas = published.components.schemas;
      return schemas['io.awscheck.v1alpha1.AwsCheck'] &&
        schemas['io.awscheck.v1alpha1.AwsCredentialRef']
        ? schemas
        : undefined;
    });

    for (const crd of crds) {
      const generated = crd.spec.versions[0]?.schema.openAPIV3Schema as Schema;
      const served = document[`io.awscheck.v1alpha1.${crd.spec.names.kind}`] as Schema;
      const expected = [...descriptionsOf(generated, '')].filter(
        ([path]) => !path.startsWith('.metadata'),
      );
      const actual = descriptionsOf(served, '');

      expect(expected.length).toBeGreaterThan(20);
      for (const [path, description] of expected) {
        expect(actual.get(path), `${crd.spec.names.kind}${path}`).toBe(description);
      }
      expect(actual.get('.spec')).not.toBe('');
    }
  });
});
