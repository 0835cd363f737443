// The monitoring end to end: a real Prometheus (Debian's package) scrapes the operator
// while it runs a healthy and a failing check against moto through the pod runner; every
// query of every panel of the generated dashboard returns data through Prometheus's HTTP
// API, and the generated rule file loads and evaluates, the failing check's alert pending.
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
let operator: RunningOperator;
let prometheus: RunningPrometheus;
let namespace: string;

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
  await ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 3, MaxCount: 3 }));
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
  await prometheus.stop();
  await operator.stop();
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

async function withoutData(queries: readonly PanelQuery[]): Promise<string[]> {
  const empty: string[] = [];
  for (const query of queries) {
    const samples = await prometheus.query(substitute(query.expr));
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

    const [failing] = await prometheus.query(
      substitute(queries.find((query) => query.panel === 'Failing checks')?.expr ?? ''),
    );
    expect(failing?.value[1]).toBe('1');
  });

  it('answers the namespace and check variables with this tenant and its checks', async () => {
    const namespaces = await prometheus.labelValues('namespace', 'awscheck_check_up');
    expect(namespaces).toContain(namespace);
    expect(VARIABLE_QUERIES.check).toContain('awscheck_check_up{namespace=~"$namespace"}');
    const checks = await prometheus.labelValues(
      'name',
      `awscheck_check_up{namespace=~"${namespace}"}`,
    );
    expect(checks.sort()).toEqual([HEALTHY, FAILING].sort());
  });

  it('loads the generated alert rules, evaluates them, and holds the failing check pending', async () => {
    const expected = awscheckRules().groups.map((group) => ({
      name: group.name,
      rules: group.rules.map((rule) => rule.alert),
    }));
    const groups = await eventually('every rule evaluated once', async () => {
      const loaded = await prometheus.ruleGroups();
      const evaluated = loaded.every((group) => group.rules.every((rule) => rule.health === 'ok'));
      return evaluated ? loaded : undefined;
    });
    expect(
      groups.map((group) => ({ name: group.name, rules: group.rules.map((rule) => rule.name) })),
    ).toEqual(expected);

    const pending = await eventually('AwsCheckFailing pending', async () => {
      const alerts = await prometheus.query(
        `ALERTS{alertname="AwsCheckFailing",namespace="${namespace}"}`,
      );
      return alerts.length > 0 ? alerts : undefined;
    });
    expect(pending.map((alert) => [alert.metric.name, alert.metric.alertstate])).toEqual([
      [FAILING, 'pending'],
    ]);
  });
});
