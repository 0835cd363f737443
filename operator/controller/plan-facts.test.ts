import type { KubernetesObject, V1ConfigMap, V1Namespace } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../log.ts';
import { Metrics } from '../metrics.ts';
import { catalogConfigMap } from '../plans/configmap.ts';
import type { Informer } from '../runtime/informer.ts';
import type { Gauge } from 'prom-client';
import { stringify } from 'yaml';
import type { EventInput, EventSubject } from '../events.ts';
import { defaultCatalog } from '../plans/catalog.ts';
import type { CatalogState } from './plan-limits.ts';
import { CatalogKeeper, reportCatalog, type CatalogReading } from './plan-facts.ts';

function fixed<T extends KubernetesObject>(objects: readonly T[]): Informer<T> {
  return {
    get: (name, namespace) =>
      objects.find((o) => o.metadata?.name === name && o.metadata.namespace === namespace),
    list: () => objects,
    wrote: () => {
      throw new Error('a fixed informer takes no writes');
    },
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

const read = (keeper: CatalogKeeper, configMaps: V1ConfigMap[]): CatalogReading =>
  keeper.read({ catalog: fixed(configMaps) }, 'ops');
const plansOf = (state: CatalogState): string[] =>
  state.ok ? Object.keys(state.catalog.plans) : [];
const shippedPlans = ['free', 'team', 'business', 'suspended'];
const edited = (resourceVersion: string): V1ConfigMap =>
  configMap(stringify({ plans: { ...defaultCatalog().plans, extra: freePlan } }), resourceVersion);
const freePlan = defaultCatalog().plans.free;

describe('CatalogKeeper', () => {
  it('reads the shipped catalog from its ConfigMap', () => {
    const reading = read(new CatalogKeeper(), [shipped]);
    expect(plansOf(reading.current)).toEqual(shippedPlans);
    expect(reading.inForce).toBe(reading.current);
    expect(reading.keptVersion).toBeUndefined();
  });

  it('names the ConfigMap when it does not exist in the operator’s namespace, and enforces nothing', () => {
    const reading = new CatalogKeeper().read({ catalog: fixed([shipped]) }, 'elsewhere');
    const state = {
      ok: false,
      message:
        'the plan catalog, ConfigMap elsewhere/awscheck-plans (key catalog.yaml), does not exist',
    };
    expect(reading.current).toEqual(state);
    expect(reading.inForce).toEqual(state);
  });

  it('says what is wrong with an invalid catalog, and reads each version once', () => {
    const keeper = new CatalogKeeper();
    const first = read(keeper, [broken]);
    expect(first.current.ok).toBe(false);
    expect(first.current.ok ? '' : first.current.message).toContain('plans.free');
    expect(first.inForce).toBe(first.current);
    expect(read(keeper, [broken])).toBe(first);
  });

  // [what, the versions seen in order, plans in force after the last, kept version]
  it.each<[string, V1ConfigMap[][], string[], string | undefined]>([
    [
      'an invalid edit keeps the last valid catalog',
      [[shipped], [broken]],
      shippedPlans,
      'cm-uid/1',
    ],
    ['a deleted ConfigMap keeps the last valid catalog', [[shipped], []], shippedPlans, 'cm-uid/1'],
    [
      'the newest valid one is kept',
      [[shipped], [edited('3')], [broken]],
      [...shippedPlans, 'extra'],
      'cm-uid/3',
    ],
    [
      'a valid edit after an invalid one applies',
      [[shipped], [broken], [edited('3')]],
      [...shippedPlans, 'extra'],
      undefined,
    ],
    ['never valid since start: nothing in force', [[broken], []], [], undefined],
    ['valid only after start: applies', [[], [broken], [shipped]], shippedPlans, undefined],
  ])('%s', (_, versions, plans, keptVersion) => {
    const keeper = new CatalogKeeper();
    let reading: CatalogReading | undefined;
    for (const configMaps of versions) reading = read(keeper, configMaps);
    expect(plansOf(reading?.inForce ?? { ok: false, message: '' })).toEqual(plans);
    expect(reading?.inForce.ok).toBe(plans.length > 0);
    expect(reading?.keptVersion).toBe(keptVersion);
  });

  it('keeps the deleted ConfigMap as the subject of its Events', () => {
    const keeper = new CatalogKeeper();
    read(keeper, [shipped]);
    expect(read(keeper, []).configMap?.metadata?.uid).toBe('cm-uid');
  });
});

describe('reportCatalog', () => {
  interface Reported {
    lines: [string, string][];
    events: [EventSubject, EventInput][];
    valid: number | undefined;
    inForce: number | undefined;
  }

  // report runs reportCatalog over each list of ConfigMaps in turn, with one keeper.
  async function report(versions: V1ConfigMap[][], namespaces: V1Namespace[]): Promise<Reported> {
    const lines: [string, string][] = [];
    const events: [EventSubject, EventInput][] = [];
    const at = (level: string) => (_: object, message: string) => lines.push([level, message]);
    const log = { info: at('info'), error: at('error'), warn: at('warn') } as unknown as Logger;
    const metrics = new Metrics();
    const keeper = new CatalogKeeper();
    const recordEvent = (subject: EventSubject, event: EventInput): Promise<void> => {
      events.push([subject, event]);
      return Promise.resolve();
    };
    for (const configMaps of versions) {
      const caches = { catalog: fixed(configMaps), namespaces: fixed(namespaces) };
      await reportCatalog({ keeper, caches, namespace: 'ops', log, metrics, recordEvent });
    }
    const gauge = async (g: Gauge): Promise<number | undefined> => (await g.get()).values[0]?.value;
    return {
      lines,
      events,
      valid: await gauge(metrics.planCatalogValid),
      inForce: await gauge(metrics.planCatalogInForce),
    };
  }

  interface Row {
    what: string;
    versions: V1ConfigMap[][];
    namespaces?: V1Namespace[];
    levels: string[];
    events: number;
    valid: number;
    inForce: number;
  }
  it.each<Row>([
    {
      what: 'a valid catalog',
      versions: [[shipped]],
      namespaces: [tenant],
      levels: ['info'],
      events: 0,
      valid: 1,
      inForce: 1,
    },
    {
      what: 'an invalid catalog, never valid',
      versions: [[broken]],
      levels: ['error'],
      events: 1,
      valid: 0,
      inForce: 0,
    },
    {
      what: 'no catalog while tenants exist',
      versions: [[]],
      namespaces: [tenant],
      levels: ['error'],
      events: 0,
      valid: 0,
      inForce: 0,
    },
    {
      what: 'no catalog and no tenant: nothing to enforce',
      versions: [[]],
      levels: ['info'],
      events: 0,
      valid: 0,
      inForce: 0,
    },
    {
      what: 'an invalid edit: the last valid stays',
      versions: [[shipped], [broken]],
      levels: ['info', 'error'],
      events: 1,
      valid: 0,
      inForce: 1,
    },
    {
      what: 'a deletion: the last valid stays, even without tenants',
      versions: [[shipped], []],
      levels: ['info', 'error'],
      events: 1,
      valid: 0,
      inForce: 1,
    },
    {
      what: 'the same version is reported once',
      versions: [[broken], [broken], [broken]],
      levels: ['error'],
      events: 1,
      valid: 0,
      inForce: 0,
    },
    {
      what: 'a fix is reported',
      versions: [[shipped], [broken], [edited('3')]],
      levels: ['info', 'error', 'info'],
      events: 1,
      valid: 1,
      inForce: 1,
    },
  ])('$what', async (row) => {
    const reported = await report(row.versions, row.namespaces ?? []);
    expect(reported.lines.map(([level]) => level)).toEqual(row.levels);
    expect(reported.events).toHaveLength(row.events);
    expect(reported.valid).toBe(row.valid);
    expect(reported.inForce).toBe(row.inForce);
  });

  it('says on the ConfigMap, as a Warning, what is wrong and which version stays in force', async () => {
    const { lines, events } = await report([[shipped], [broken]], [tenant]);
    expect(lines[1]?.[1]).toBe(
      'plan catalog unusable: the last valid catalog (resourceVersion 1) stays in force until a valid edit',
    );
    const [subject, event] = events[0] ?? [];
    expect(subject).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'awscheck-plans',
      namespace: 'ops',
      uid: 'cm-uid',
    });
    expect(event).toMatchObject({
      type: 'Warning',
      reason: 'PlanCatalogRejected',
      key: 'catalog/cm-uid/2',
    });
    expect(event?.message).toContain('plans.free');
    expect(event?.message).toContain('the last valid catalog (resourceVersion 1) stays in force');
  });

  it('says tenant checks stop when no valid catalog was seen since start', async () => {
    const { lines, events } = await report([[broken]], [tenant]);
    expect(lines[0]?.[1]).toContain('no check in a tenant namespace runs until it is fixed');
    expect(events[0]?.[1].message).toContain(
      'no valid plan catalog was seen since the operator started',
    );
  });
});
