import { describe, expect, it } from 'vitest';
import { Metrics } from '../metrics.ts';
import { awscheckDashboard, panelQueries, VARIABLE_QUERIES } from './dashboard.ts';
import { awscheckRules } from './rules.ts';

// metricNamesIn lists the awscheck_ metric names an expression reads (histogram series
// named by their base metric).
// Names in `by (...)` are labels (awscheck_io_shard, from the pod label awscheck.io/shard).
function metricNamesIn(expr: string): string[] {
  const names = expr.replace(/\bby \([^)]*\)/g, '').match(/\bawscheck_[a-z_]+/g) ?? [];
  return names.map((name) => name.replace(/_(bucket|sum|count)$/, ''));
}

async function exportedMetricNames(): Promise<Set<string>> {
  const metrics = await new Metrics().registry.getMetricsAsJSON();
  return new Set(metrics.map((metric) => metric.name));
}

describe('awscheckDashboard', () => {
  const dashboard = awscheckDashboard();
  const queries = panelQueries(dashboard);

  it('has a panel for each thing an operator of awscheck watches', () => {
    const titles = new Set(queries.map((query) => query.panel));
    for (const title of [
      'Failing checks',
      'Resources by service and region',
      'Unhealthy resources by service and region',
      'Run duration',
      'Time since last success',
      'Credential refs not ready',
      'Reconcile errors',
      'Work queue depth',
      'Leader',
    ]) {
      expect(titles).toContain(title);
    }
  });

  it('reads every panel through the data source variable', () => {
    for (const panel of (dashboard.panels ?? []).filter((panel) => panel.type !== 'row')) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
    }
    expect(dashboard.templating.list?.map((variable) => variable.name)).toEqual([
      'datasource',
      'namespace',
      'check',
    ]);
  });

  it('narrows every per-check and per-credential query by the namespace variable', () => {
    const perObject = queries.filter((query) =>
      /awscheck_(check|credential|runs)/.test(query.expr),
    );
    expect(perObject.length).toBeGreaterThan(0);
    for (const query of perObject)
      expect(query.expr, query.panel).toContain('namespace=~"$namespace"');
  });

  it('reads only metrics the operator exports', async () => {
    const exported = await exportedMetricNames();
    const read = [
      ...queries.map((query) => query.expr),
      ...Object.values(VARIABLE_QUERIES),
      ...awscheckRules().groups.flatMap((group) => group.rules.map((rule) => rule.expr)),
    ].flatMap(metricNamesIn);
    expect(read.length).toBeGreaterThan(0);
    expect(read.filter((name) => !exported.has(name))).toEqual([]);
  });
});
