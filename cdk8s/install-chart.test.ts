// install.yaml (cdk8s) and the Helm chart with its default values install the same objects:
// compared object by object, sorted by kind, namespace and name, after `helm template` with
// the release name install.yaml's `app.kubernetes.io/instance` names. helm renders, no
// apiserver is needed: a unit test.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderChart } from '../test/support/helm.ts';
import { DEFAULT_OPTIONS, INSTALL_FILE, INSTANCE } from './install.ts';

const ROOT = resolve(import.meta.dirname, '..');

type Json = Record<string, unknown>;

/**
 * HELM_OWN_LABELS are the labels only Helm sets (its chart and itself as the manager); they
 * are the only difference ignored.
 */
const HELM_OWN_LABELS = ['helm.sh/chart', 'app.kubernetes.io/managed-by'];

/**
 * INSTALL_ONLY is what install.yaml has and a chart cannot: the operator's namespace, which
 * `helm install --create-namespace` creates outside the chart's templates.
 */
const INSTALL_ONLY = [`Namespace//${DEFAULT_OPTIONS.namespace}`];

const keyOf = (object: Json): string => {
  const metadata = object.metadata as { name: string; namespace?: string };
  return `${String(object.kind)}/${metadata.namespace ?? ''}/${metadata.name}`;
};

function withoutHelmLabels(object: Json): Json {
  const copy = structuredClone(object);
  const template = (copy.spec as Json | undefined)?.template as Json | undefined;
  for (const metadata of [copy.metadata, template?.metadata] as (Json | undefined)[]) {
    const labels = metadata?.labels as Json | undefined;
    if (metadata === undefined || labels === undefined) continue;
    metadata.labels = Object.fromEntries(
      Object.entries(labels).filter(([label]) => !HELM_OWN_LABELS.includes(label)),
    );
  }
  return copy;
}

/** byKey maps objects by kind, namespace and name, sorted; it throws on a key seen twice. */
function byKey(objects: Json[], from: string): Map<string, Json> {
  const keys = objects.map(keyOf);
  const twice = keys.filter((key, index) => keys.indexOf(key) !== index);
  if (twice.length > 0) throw new Error(`${from} holds ${twice.join(', ')} more than once`);
  return new Map(
    objects.map((object) => [keyOf(object), object] as const).sort(([a], [b]) => (a < b ? -1 : 1)),
  );
}

let install: Map<string, Json>;
let chart: Map<string, Json>;

beforeAll(async () => {
  const text = await readFile(join(ROOT, INSTALL_FILE), 'utf8');
  install = byKey(
    parseAllDocuments(text).map((document) => document.toJS() as Json),
    INSTALL_FILE,
  );
  const rendered = await renderChart({
    namespace: DEFAULT_OPTIONS.namespace,
    release: INSTANCE,
    includeCrds: true,
  });
  chart = byKey(
    rendered.objects.map(({ object }) => withoutHelmLabels(object)),
    'the chart',
  );
}, 120_000);

describe('install.yaml and the Helm chart’s defaults', () => {
  it('hold the same objects, but the namespace Helm creates itself', () => {
    const installed = [...install.keys()].filter((key) => !INSTALL_ONLY.includes(key));

    expect(installed).toEqual([...chart.keys()]);
    expect([...install.keys()]).toEqual(expect.arrayContaining(INSTALL_ONLY));
  });

  it('hold each object alike, field by field', () => {
    const differing = [...chart].filter(([key, object]) => {
      const ours = install.get(key);
      return ours !== undefined && JSON.stringify(sorted(ours)) !== JSON.stringify(sorted(object));
    });

    // One assertion that shows every difference: install.yaml's side is "Received".
    const ours = Object.fromEntries(differing.map(([key]) => [key, install.get(key)]));
    expect(ours).toEqual(Object.fromEntries(differing));
  });
});

describe('byKey', () => {
  it('refuses an object seen twice, which a map would silently keep once', () => {
    const object = { kind: 'Role', metadata: { name: 'a', namespace: 'ops' } };

    expect(() => byKey([object, structuredClone(object)], 'a stream')).toThrow(
      'a stream holds Role/ops/a more than once',
    );
  });
});

/** sorted copies a value with every object's keys in order, so that key order is no difference. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Json)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, field]) => [key, sorted(field)]),
  );
}
