// The Grafana dashboard of awscheck, as code: every panel reads the operator's metrics
// (operator/metrics.ts) through a Prometheus data source chosen by a template variable,
// narrowed by the namespace and check variables.
//
// It is the classic JSON model (the SDK's `dashboard`, which it marks deprecated in favour
// of `dashboardv2`): that is what Grafana's file provisioning and the dashboard sidecar load
// in every version the chart targets; the v2 schema needs Grafana 12 with feature flags.
/* eslint-disable @typescript-eslint/no-deprecated -- the classic model, on purpose (above) */
import {
  DashboardBuilder,
  DashboardCursorSync,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
  VariableSort,
  type Dashboard,
  type Panel,
  type RowPanel,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { ReduceDataOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';

/** DashboardModel is Grafana's classic dashboard JSON model, as this file builds it. */
export type DashboardModel = Dashboard;

/** DASHBOARD_UID is the dashboard's stable uid: links and provisioning find it by this. */
export const DASHBOARD_UID = 'awscheck-operator';

/** DATASOURCE is the data source every panel and variable reads: the template variable. */
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

/** CHECK_SELECTOR narrows a per-check metric to the chosen namespaces and checks. */
export const CHECK_SELECTOR = 'namespace=~"$namespace",name=~"$check"';

/** NAMESPACE_SELECTOR narrows a per-namespace metric (credential refs) to the namespaces. */
export const NAMESPACE_SELECTOR = 'namespace=~"$namespace"';

/** Query is one PromQL expression of a panel and the legend of its series. */
interface Query {
  readonly expr: string;
  readonly legend?: string;
}

/** PanelSpec is one panel: what it shows, how, and its queries. */
interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly kind: 'stat' | 'timeseries' | 'table';
  readonly unit?: string;
  readonly width: number;
  readonly queries: readonly Query[];
}

/** RowSpec is a titled row of panels. */
interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

const perCheck = '{{namespace}}/{{name}}';

// Every per-object query aggregates the scraped replica's labels (instance, pod) away, as
// the alerts do: after a leader handover a check's series come from another replica.

/** checkSeries is a per-check metric, narrowed by the variables, one series per check. */
function checkSeries(metric: string, extraLabels = ''): string {
  return `max by (namespace, name, service, type${extraLabels}) (${metric}{${CHECK_SELECTOR}})`;
}

/** credentialSeries is awscheck_credential_ready, one series per ref and reason. */
const credentialSeries = `max by (namespace, name, reason) (awscheck_credential_ready{${NAMESPACE_SELECTOR}})`;

const CHECKS: RowSpec = {
  title: 'Checks',
  panels: [
    {
      title: 'Failing checks',
      description: 'Checks whose latest run failed (awscheck_check_up == 0).',
      kind: 'stat',
      width: 4,
      queries: [{ expr: `sum(1 - ${checkSeries('awscheck_check_up')})` }],
    },
    {
      title: 'Checks with a run',
      description: 'Checks whose latest run is for their current spec.',
      kind: 'stat',
      width: 4,
      queries: [{ expr: `count(${checkSeries('awscheck_check_up')})` }],
    },
    {
      title: 'Failing checks by consecutive failures',
      description:
        'Runs in a row that failed, per check; kubectl describe awscheck shows the reason.',
      kind: 'table',
      width: 16,
      queries: [{ expr: `${checkSeries('awscheck_check_consecutive_failures')} > 0` }],
    },
    {
      title: 'Runs by outcome and reason',
      description: 'Finished runs per interval, by outcome and failure reason.',
      kind: 'timeseries',
      width: 24,
      queries: [
        {
          expr: `sum by (outcome, reason) (increase(awscheck_runs_total{${CHECK_SELECTOR}}[$__rate_interval]))`,
          legend: '{{outcome}} {{reason}}',
        },
      ],
    },
  ],
};

const RESOURCES: RowSpec = {
  title: 'Resources',
  panels: [
    {
      title: 'Resources by service and region',
      description: 'Resources the latest runs found, summed by AWS service and region.',
      kind: 'timeseries',
      width: 12,
      queries: [
        {
          expr: `sum by (service, region) (${checkSeries('awscheck_check_region_resources', ', region')})`,
          legend: '{{service}} {{region}}',
        },
      ],
    },
    {
      title: 'Unhealthy resources by service and region',
      description: 'Unhealthy resources the latest runs found, by AWS service and region.',
      kind: 'timeseries',
      width: 12,
      queries: [
        {
          expr: `sum by (service, region) (${checkSeries('awscheck_check_region_unhealthy_resources', ', region')})`,
          legend: '{{service}} {{region}}',
        },
      ],
    },
  ],
};

const RUNS: RowSpec = {
  title: 'Runs',
  panels: [
    {
      title: 'Run duration',
      description: 'How long the latest run of each check took.',
      kind: 'timeseries',
      unit: 's',
      width: 8,
      queries: [{ expr: checkSeries('awscheck_check_duration_seconds'), legend: perCheck }],
    },
    {
      title: 'Time since last success',
      description: 'Since each check last succeeded.',
      kind: 'timeseries',
      unit: 's',
      width: 8,
      queries: [
        {
          expr: `time() - ${checkSeries('awscheck_check_last_success_timestamp_seconds')}`,
          legend: perCheck,
        },
      ],
    },
    {
      title: 'Staleness (intervals without a success)',
      description:
        'Time since the last success (or the creation, before any) in schedule intervals; the AwsCheckStale alert fires above 2.',
      kind: 'timeseries',
      width: 8,
      queries: [
        {
          expr: `(time() - (${checkSeries('awscheck_check_last_success_timestamp_seconds')} or ${checkSeries('awscheck_check_created_timestamp_seconds')})) / ${checkSeries('awscheck_check_schedule_interval_seconds')}`,
          legend: perCheck,
        },
      ],
    },
  ],
};

const CREDENTIALS: RowSpec = {
  title: 'Credentials',
  panels: [
    {
      title: 'Credential refs not ready',
      description: 'AwsCredentialRefs whose Ready is not True.',
      kind: 'stat',
      width: 6,
      queries: [{ expr: `sum(1 - ${credentialSeries})` }],
    },
    {
      title: 'Credential refs',
      description: 'Every AwsCredentialRef: ready (1) or not (0), with the reason of its Ready.',
      kind: 'table',
      width: 18,
      queries: [{ expr: credentialSeries }],
    },
  ],
};

const OPERATOR: RowSpec = {
  title: 'Operator',
  panels: [
    {
      title: 'Leader',
      description: 'Replicas holding the Lease: 1 when healthy.',
      kind: 'stat',
      width: 4,
      queries: [{ expr: 'sum(awscheck_leader)' }],
    },
    {
      title: 'Plan catalog',
      description:
        'Whether the plan catalog ConfigMap is valid, and whether a catalog is in force (0: no check in a tenant namespace runs).',
      kind: 'stat',
      width: 4,
      queries: [
        { expr: 'min(awscheck_plan_catalog_valid)', legend: 'valid' },
        { expr: 'min(awscheck_plan_catalog_in_force)', legend: 'in force' },
      ],
    },
    {
      title: 'Reconcile errors',
      description: 'Reconciles that failed per second, by kind (they are retried with backoff).',
      kind: 'timeseries',
      unit: 'ops',
      width: 8,
      queries: [
        {
          expr: 'sum by (kind) (rate(awscheck_reconcile_total{result="error"}[$__rate_interval]))',
          legend: '{{kind}}',
        },
      ],
    },
    {
      title: 'Work queue depth',
      description: 'Keys waiting for a worker, by queue.',
      kind: 'timeseries',
      width: 8,
      queries: [{ expr: 'sum by (kind) (awscheck_workqueue_depth)', legend: '{{kind}}' }],
    },
    {
      title: 'Reconcile duration (p95)',
      description: 'The 95th percentile of reconcile durations, by kind.',
      kind: 'timeseries',
      unit: 's',
      width: 12,
      queries: [
        {
          expr: 'histogram_quantile(0.95, sum by (kind, le) (rate(awscheck_reconcile_duration_seconds_bucket[$__rate_interval])))',
          legend: '{{kind}}',
        },
      ],
    },
    {
      title: 'Leader by replica',
      description: 'Which replica leads (1) and which stand by (0).',
      kind: 'timeseries',
      width: 12,
      queries: [{ expr: 'awscheck_leader', legend: '{{instance}} {{pod}}' }],
    },
  ],
};

/** ROWS are the dashboard's rows, top to bottom. */
const ROWS: readonly RowSpec[] = [CHECKS, RESOURCES, RUNS, CREDENTIALS, OPERATOR];

const PANEL_HEIGHT = 8;

// target renders one query: a table panel reads instant values, the others ranges.
function target(query: Query, index: number, kind: PanelSpec['kind']): DataqueryBuilder {
  const built = new DataqueryBuilder()
    .datasource(DATASOURCE)
    .refId(String.fromCharCode(65 + index))
    .expr(query.expr)
    .legendFormat(query.legend ?? '__auto');
  return kind === 'table' ? built.instant().format(PromQueryFormat.Table) : built.range();
}

// visualization: a stat shows the last value, a table and a time series their defaults.
function visualization(kind: PanelSpec['kind']): StatPanel | TablePanel | TimeseriesPanel {
  if (kind === 'stat')
    return new StatPanel().reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']));
  return kind === 'table' ? new TablePanel() : new TimeseriesPanel();
}

function panelOf(spec: PanelSpec, id: number): StatPanel | TablePanel | TimeseriesPanel {
  const panel = visualization(spec.kind);
  panel
    .id(id)
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .height(PANEL_HEIGHT)
    .span(spec.width)
    .targets(spec.queries.map((query, index) => target(query, index, spec.kind)));
  if (spec.unit !== undefined) panel.unit(spec.unit);
  return panel;
}

// labelVariable lists a label's values (a label_values query), all chosen by default.
function labelVariable(name: string, label: string, query: string): QueryVariableBuilder {
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ text: 'All', value: '$__all' });
}

/**
 * VARIABLE_QUERIES are the namespace and check variables' queries (Grafana's label_values).
 * They read the creation time, which every check has from its first reconcile, not
 * awscheck_check_up, which a check has only while its latest run is for its current spec.
 */
export const VARIABLE_QUERIES = {
  namespace: 'label_values(awscheck_check_created_timestamp_seconds, namespace)',
  check: 'label_values(awscheck_check_created_timestamp_seconds{namespace=~"$namespace"}, name)',
} as const;

/** awscheckDashboard is the dashboard, as Grafana's JSON model. */
export function awscheckDashboard(): Dashboard {
  const builder = new DashboardBuilder('awscheck')
    .uid(DASHBOARD_UID)
    .description('AwsCheck runs, resources, credentials and the operator, from its /metrics.')
    .tags(['awscheck', 'kubernetes', 'aws'])
    .timezone('browser')
    .refresh('1m')
    .time({ from: 'now-6h', to: 'now' })
    .tooltip(DashboardCursorSync.Crosshair)
    .withVariable(
      new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'),
    )
    .withVariable(labelVariable('namespace', 'Namespace', VARIABLE_QUERIES.namespace))
    .withVariable(labelVariable('check', 'Check', VARIABLE_QUERIES.check));
  let id = 0;
  for (const row of ROWS) {
    builder.withRow(new RowBuilder(row.title).id((id += 1)));
    for (const panel of row.panels) builder.withPanel(panelOf(panel, (id += 1)));
  }
  return builder.build();
}

/** PanelQuery is one query of one panel of a dashboard. */
export interface PanelQuery {
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
}

function isRow(panel: Panel | RowPanel): panel is RowPanel {
  return panel.type === 'row';
}

/**
 * panelQueries lists every query of every panel of a dashboard's JSON model, rows'
 * collapsed panels included; it throws on a panel without queries.
 */
export function panelQueries(dashboard: Dashboard): PanelQuery[] {
  const panels = (dashboard.panels ?? []).flatMap((panel) =>
    isRow(panel) ? panel.panels : [panel],
  );
  return panels.flatMap((panel) => {
    const targets = (panel.targets ?? []) as unknown as { refId?: string; expr?: string }[];
    if (targets.length === 0) throw new Error(`panel "${panel.title ?? ''}" has no queries`);
    return targets.map((query) => ({
      panel: panel.title ?? '',
      refId: query.refId ?? '',
      expr: query.expr ?? '',
    }));
  });
}
