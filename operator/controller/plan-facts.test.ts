import type { KubernetesObject, V1ConfigMap, V1Namespace } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../log.ts';
import { Metrics } from '../metrics.ts';
import { catalogConfigMap } from '../plans/configmap.ts';
import type { Informer } from '../runtime/informer.ts';
import { catalogState, reportCatalog } from './plan-facts.ts';

function fixed<T extends KubernetesObject>(objects: readonly T[]): Informer<T> {
  return {
    get: (name, namespace) =>
      objects.find((o) => o.metadata?.name === name && o.metadata.namespace === namespace),
    list: () => objects,
    synced: Promise.resolve(),
    isSynced: () => true,
    stop: () => Promise.resolve(),
  };
}

const configMap = (text: string, resourceVersion: string): V1ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'awscheck-plans', namespace: 'ops', uid: 'cm-uid', resourceVersion },
  data: { 'catalog.yaml': text },
});
const shipped = configMap(catalogConfigMap('ops').data?.['catalog.yaml'] ?? '', '1');
const broken = configMap('plans: {}', '2');
const tenant: V1Namespace = { metadata: { name: 't', labels: { 'awscheck.io/tenant': 's' } } };

describe('catalogState', () => {
  it('reads the shipped catalog from its ConfigMap', () => {
    const state = catalogState({ catalog: fixed([shipped]) }, 'ops');
    expect(state.ok && Object.keys(state.catalog.plans)).toEqual([
      'free',
      'team',
      'business',
      'suspended',
    ]);
  });

  it('names the ConfigMap when it does not exist in the operator’s namespace', () => {
    expect(catalogState({ catalog: fixed([shipped]) }, 'elsewhere')).toEqual({
      ok: false,
      message:
        'the plan catalog, ConfigMap elsewhere/awscheck-plans (key catalog.yaml), does not exist',
    });
  });

  it('says what is wrong with an invalid catalog, and reads each version once', () => {
    const first = catalogState({ catalog: fixed([broken]) }, 'ops');
    expect(first.ok).toBe(false);
    expect(first.ok ? '' : first.message).toContain('plans.free');
    expect(catalogState({ catalog: fixed([broken]) }, 'ops')).toBe(first);
    expect(catalogState({ catalog: fixed([shipped]) }, 'ops').ok).toBe(true);
  });
});

describe('reportCatalog', () => {
  function report(
    configMaps: V1ConfigMap[],
    namespaces: V1Namespace[],
  ): {
    lines: [string, string][];
    gauge: Promise<number | undefined>;
  } {
    const lines: [string, string][] = [];
    const at = (level: string) => (_: object, message: string) => lines.push([level, message]);
    const log = { info: at('info'), error: at('error'), warn: at('warn') } as unknown as Logger;
    const metrics = new Metrics();
    const caches = { catalog: fixed(configMaps), namespaces: fixed(namespaces) };
    reportCatalog({ caches, namespace: 'ops', log, metrics });
    const gauge = metrics.planCatalogValid.get().then((m) => m.values[0]?.value);
    return { lines, gauge };
  }

  it.each<[string, [V1ConfigMap[], V1Namespace[]], string, number]>([
    ['a valid catalog', [[shipped], [tenant]], 'info', 1],
    ['an invalid catalog', [[broken], []], 'error', 0],
    ['no catalog while tenants exist', [[], [tenant]], 'error', 0],
    ['no catalog and no tenant: nothing to enforce', [[], []], 'info', 0],
  ])('%s', async (_, [configMaps, namespaces], level, valid) => {
    const { lines, gauge } = report(configMaps, namespaces);
    expect(lines.map(([l]) => l)).toEqual([level]);
    expect(await gauge).toBe(valid);
  });
});
