// The monitoring end to end: a real Prometheus (Debian's package) scrapes the operator
// while it runs a healthy and a failing check against moto through the pod runner; every
// query of every panel of the generated dashboard returns data through Prometheus's HTTP
// API, with the values the seeded estate makes, the dashboard's own variable queries list
// the tenant's checks, and the generated rule file loads and evaluates, the failing
// check's alert pending or firing.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  panelQueries,
  VARIABLE_QUERIES,
  type DashboardModel,
  type PanelQuery,
} from '../../operator/monitoring/dashboard.ts';
import { DASHBOARD_FILE, RULES_FILE } from '../../operator/monitoring/generated.ts';
import { awscheckRules } from '../../operator/monitoring/rules.ts';
import { repoPath } from '../env/paths.ts';
import { conditionOf, CustomObjects } from '../support/awscheck.ts';
import { eventually } from '../support/eventually.ts';
import { kubeClients } from '../support/kube.ts';
import { installOperator, startOperator, type RunningOperator } from '../support/operator.ts';
import { startPrometheus, type RunningPrometheus } from '../support/prometheus.ts';
import { createTenant } from '../support/tenant.ts';

const env = inject('testenv');
const admin = kubeClients(env.kubeconfig);
const objects = new CustomObjects(env.kubeconfig);
let operator: RunningOperator | undefined;
let prometheus: RunningPrometheus | undefined;
let namespace: string;

// Both checks count only the instances this file seeds (moto is shared with other files).
const SEED_TAG = { 'awscheck-e2e': `prometheus-${randomBytes(4).toString('hex')}` };
const SEEDED_INSTANCES = 3;

const HEALTHY = 'instances';
const FAILING = 'too-few';

function ec2Check(name: string, expect: { min: number; max?: number }): object {
  return {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCheck',
    metadata: { name },
    spec: {
      credentialRef: { name: 'readonly' },
      service: 'ec2',
      type: 'ResourceList',
      regions: ['us-east-1'],
      tags: SEED_TAG,
      expect,
    },
  };
}

async function healthyIs(name: string, status: 'True' | 'False'): Promise<void> {
  await eventually(`${name} Healthy=${status}`, async () => {
    const check = await objects.check(namespace, name);
    return conditionOf(check, 'Healthy')?.status === status ? check : undefined;
  });
}

beforeAll(async () => {
  const setup = await installOperator(env);
  operator = await startOperator(env, setup);
  const ec2 = new EC2Client({
    endpoint: env.awsEndpointUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await ec2.send(
    new RunInstancesCommand({
      ImageId: 'ami-12c6146b',
      MinCount: SEEDED_INSTANCES,
      MaxCount: SEEDED_INSTANCES,
      TagSpecifications: [
        {
          ResourceType: 'instance',
          Tags: Object.entries(SEED_TAG).map(([Key, Value]) => ({ Key, Value })),
        },
      ],
    }),
  );
  prometheus = await startPrometheus(env, {
    name: setup.namespace,
    targets: [new URL(operator.url).host],
    ruleFiles: [repoPath(RULES_FILE)],
  });
  namespace = await createTenant(admin, objects);
  await objects.create('awschecks', namespace, ec2Check(HEALTHY, { min: 1, max: 10 }));
  await objects.create('awschecks', namespace, ec2Check(FAILING, { min: 5 }));
  await healthyIs(HEALTHY, 'True');
  await healthyIs(FAILING, 'False');
});

afterAll(async () => {
  // Either may be missing when beforeAll failed before starting it.
  await prometheus?.stop();
  await operator?.stop();
});

// substitute fills the dashboard's template variables as Grafana would with this tenant's
// namespace and both checks chosen; $__rate_interval as Grafana computes it for a 1s
// scrape is far below a minute, a minute keeps every rate() over several scrapes.
function substitute(expr: string): string {
  return expr
    .replaceAll('$namespace', namespace)
    .replaceAll('$check', `${HEALTHY}|${FAILING}`)
    .replaceAll('$__rate_interval', '1m');
}

// started is the Prometheus beforeAll started.
function started(): RunningPrometheus {
  if (prometheus === undefined) throw new Error('Prometheus did not start: see beforeAll');
  return prometheus;
}

// labelsOf writes a sample's labels as `key=value,...`, sorted by key.
function labelsOf(metric: Readonly<Record<string, string>>): string {
  return Object.entries(metric)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

// checkKey is the labelsOf of a per-check series of this tenant's ec2 ResourceList checks.
function checkKey(name: string): string {
  return labelsOf({ namespace, name, service: 'ec2', type: 'ResourceList' });
}

// labelValuesOf answers a variable query as Grafana does: `label_values(metric{...}, label)`
// is the label's values among the series the selector matches.
async function labelValuesOf(variableQuery: string): Promise<string[]> {
  const parts = /^label_values\((\w+(?:\{.*\})?),\s*(\w+)\)$/.exec(variableQuery);
  if (parts?.[1] === undefined || parts[2] === undefined)
    throw new Error(`not a label_values(metric{selector}, label) query: ${variableQuery}`);
  return started().labelValues(parts[2], substitute(parts[1]));
}

async function withoutData(queries: readonly PanelQuery[]): Promise<string[]> {
  const empty: string[] = [];
  for (const query of queries) {
    const samples = await started().query(substitute(query.expr));
    if (samples.length === 0) empty.push(`${query.panel} (${query.refId}): ${query.expr}`);
  }
  return empty;
}

describe('monitoring with a real Prometheus', () => {
  it('answers every panel query of the generated dashboard with data', async () => {
    const dashboard = JSON.parse(
      await readFile(repoPath(DASHBOARD_FILE), 'utf8'),
    ) as DashboardModel;
    const queries = panelQueries(dashboard);
    expect(queries.length).toBeGreaterThanOrEqual(18);

    // Every query answers once the runs' series have been scraped; any left empty is named.
    let empty: string[] = [];
    await eventually(
      'every panel query to return data',
      async () => {
        empty = await withoutData(queries);
        return empty.length === 0 ? true : undefined;
      },
      45_000,
    ).catch(() => undefined);
    expect(empty).toEqual([]);

    const valueOf = async (panel: string): Promise<Map<string, number>> => {
      const query = queries.find((candidate) => candidate.panel === panel);
      if (query === undefined) throw new Error(`the dashboard has no panel "${panel}"`);
      const samples = await started().query(substitute(query.expr));
      return new Map(samples.map((sample) => [labelsOf(sample.metric), Number(sample.value[1])]));
    };
    expect(await valueOf('Failing checks')).toEqual(new Map([['', 1]]));
    expect(await valueOf('Checks with a run')).toEqual(new Map([['', 2]]));
    // Both checks list the same seeded instances in the one region they check.
    expect(await valueOf('Resources by service and region')).toEqual(
      new Map([['region=us-east-1,service=ec2', 2 * SEEDED_INSTANCES]]),
    );
    const staleness = await valueOf('Staleness (intervals without a success)');
    expect([...staleness.keys()].sort()).toEqual([checkKey(FAILING), checkKey(HEALTHY)].sort());
    for (const [check, intervals] of staleness) expect(intervals, check).toBeLessThan(2);
    // The failing check never succeeded: its staleness counts from its creation alone.
    expect([...(await valueOf('Time since last success')).keys()]).toEqual([checkKey(HEALTHY)]);
  });

  it('counts each check’s runs, and holds its other outcomes at 0 for increase() to count', async () => {
    const runs = await started().query(
      `sum by (name, outcome) (awscheck_runs_total{namespace="${namespace}"})`,
    );
    const counted = new Map(
      runs.map((sample) => [labelsOf(sample.metric), Number(sample.value[1])]),
    );
    expect(counted.get(`name=${HEALTHY},outcome=Succeeded`)).toBeGreaterThan(0);
    expect(counted.get(`name=${HEALTHY},outcome=Failed`)).toBe(0);
    expect(counted.get(`name=${FAILING},outcome=Failed`)).toBeGreaterThan(0);
    expect(counted.get(`name=${FAILING},outcome=Succeeded`)).toBe(0);
  });

  it('answers the dashboard’s own namespace and check variable queries with this tenant and its checks', async () => {
    const namespaces = await labelValuesOf(VARIABLE_QUERIES.namespace);
    expect(namespaces).toContain(namespace);
    const checks = await labelValuesOf(VARIABLE_QUERIES.check);
    expect(checks.sort()).toEqual([HEALTHY, FAILING].sort());
  });

  it('loads the generated alert rules, evaluates them, and holds the failing check’s alert pending or firing', async () => {
    const expected = awscheckRules().groups.map((group) => ({
      name: group.name,
      rules: group.rules.map((rule) => rule.alert),
    }));
    const groups = await eventually('every rule evaluated once', async () => {
      const loaded = await started().ruleGroups();
      const evaluated = loaded.every((group) => group.rules.every((rule) => rule.health === 'ok'));
      return evaluated ? loaded : undefined;
    });
    expect(
      groups.map((group) => ({ name: group.name, rules: group.rules.map((rule) => rule.name) })),
    ).toEqual(expected);

    // Pending for its first 5 minutes, firing after: a slow run may see either.
    const active = await eventually('AwsCheckFailing active', async () => {
      const alerts = await started().query(
        `ALERTS{alertname="AwsCheckFailing",namespace="${namespace}"}`,
      );
      return alerts.length > 0 ? alerts : undefined;
    });
    expect(active.map((alert) => alert.metric.name)).toEqual([FAILING]);
    expect(['pending', 'firing']).toContain(active[0]?.metric.alertstate);
  });
});
