// The alert rules through Prometheus's own promtool: `check rules` on the generated file,
// and `test rules` with a firing, a quiet and a pending (for−1m) case for every alert, and
// cases at the thresholds.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTools } from '../../test/env/prerequisites.ts';
import { RULES_FILE, monitoringFiles } from './generated.ts';
import { awscheckRules, type AlertRule } from './rules.ts';

const run = promisify(execFile);

type Labels = Readonly<Record<string, string>>;

/** AlertCase is one promtool case: input series, when to look, the alerts expected then. */
interface AlertCase {
  readonly what: string;
  readonly alert: string;
  readonly series: Readonly<Record<string, string>>;
  readonly at: string;
  readonly firing: readonly Labels[];
  /** pending are the alerts expected pending then: active, their `for` not yet over. */
  readonly pending?: readonly Labels[];
  /** value stands for `{{ $value ... }}` in the annotations, as Prometheus renders it. */
  readonly value?: string;
}

const CHECK = 'namespace="team",name="vms",service="ec2",type="HealthCheck"';
const CHECK_LABELS = { namespace: 'team', name: 'vms', service: 'ec2', type: 'HealthCheck' };
const REF = 'namespace="team",name="ro"';
const REF_LABELS = { namespace: 'team', name: 'ro' };

const CASES: readonly AlertCase[] = [
  {
    what: 'a check whose latest run failed, for 5 minutes',
    alert: 'AwsCheckFailing',
    series: { [`awscheck_check_up{${CHECK}}`]: '0x10' },
    at: '6m',
    firing: [{ severity: 'warning', ...CHECK_LABELS }],
  },
  {
    what: 'a check failing across a leader handover: its series move from replica a to b',
    alert: 'AwsCheckFailing',
    series: {
      [`awscheck_check_up{${CHECK},instance="a",pod="op-a"}`]: '0 0 0 stale',
      [`awscheck_check_up{${CHECK},instance="b",pod="op-b"}`]: '_ _ _ 0x10',
    },
    at: '6m',
    firing: [{ severity: 'warning', ...CHECK_LABELS }],
  },
  {
    what: 'an hourly check stale across a leader handover',
    alert: 'AwsCheckStale',
    series: {
      [`awscheck_check_last_success_timestamp_seconds{${CHECK},instance="a"}`]: '0x125 stale',
      [`awscheck_check_schedule_interval_seconds{${CHECK},instance="a"}`]: '3600x125 stale',
      [`awscheck_check_last_success_timestamp_seconds{${CHECK},instance="b"}`]: '_x126 0x100',
      [`awscheck_check_schedule_interval_seconds{${CHECK},instance="b"}`]: '_x126 3600x100',
    },
    at: '2h11m',
    firing: [{ severity: 'warning', ...CHECK_LABELS }],
    value: '2h 11m 0s',
  },
  {
    what: 'a failed check whose next run succeeded',
    alert: 'AwsCheckFailing',
    series: { [`awscheck_check_up{${CHECK}}`]: '0 0 0 1x10' },
    at: '6m',
    firing: [],
  },
  {
    what: 'an hourly check last successful more than 2 hours ago',
    alert: 'AwsCheckStale',
    series: {
      [`awscheck_check_last_success_timestamp_seconds{${CHECK}}`]: '0x200',
      [`awscheck_check_created_timestamp_seconds{${CHECK}}`]: '0x200',
      [`awscheck_check_schedule_interval_seconds{${CHECK}}`]: '3600x200',
    },
    at: '2h11m',
    firing: [{ severity: 'warning', ...CHECK_LABELS }],
    value: '2h 11m 0s',
  },
  {
    what: 'an hourly check created more than 2 hours ago that never succeeded',
    alert: 'AwsCheckStale',
    series: {
      [`awscheck_check_created_timestamp_seconds{${CHECK}}`]: '0x200',
      [`awscheck_check_schedule_interval_seconds{${CHECK}}`]: '3600x200',
    },
    at: '2h11m',
    firing: [{ severity: 'warning', ...CHECK_LABELS }],
    value: '2h 11m 0s',
  },
  {
    what: 'an hourly check that keeps succeeding',
    alert: 'AwsCheckStale',
    series: {
      [`awscheck_check_last_success_timestamp_seconds{${CHECK}}`]: '0+60x200',
      [`awscheck_check_created_timestamp_seconds{${CHECK}}`]: '0x200',
      [`awscheck_check_schedule_interval_seconds{${CHECK}}`]: '3600x200',
    },
    at: '2h11m',
    firing: [],
  },
  {
    what: 'a suspended check (no interval) that has not succeeded for long',
    alert: 'AwsCheckStale',
    series: {
      [`awscheck_check_last_success_timestamp_seconds{${CHECK}}`]: '0x200',
      [`awscheck_check_created_timestamp_seconds{${CHECK}}`]: '0x200',
    },
    at: '2h11m',
    firing: [],
  },
  {
    what: 'a credential ref whose keys fail authentication, for 10 minutes',
    alert: 'AwsCheckCredentialsInvalid',
    series: { [`awscheck_credential_ready{${REF},reason="AuthenticationFailed"}`]: '0x20' },
    at: '11m',
    firing: [
      { severity: 'warning', namespace: 'team', name: 'ro', reason: 'AuthenticationFailed' },
    ],
  },
  {
    what: 'a credential ref whose subscription is inactive (not a credentials fault)',
    alert: 'AwsCheckCredentialsInvalid',
    series: { [`awscheck_credential_ready{${REF},reason="SubscriptionInactive"}`]: '0x20' },
    at: '11m',
    firing: [],
  },
  {
    what: 'a credential ref refused by its role, across a leader handover',
    alert: 'AwsCheckCredentialsInvalid',
    series: {
      [`awscheck_credential_ready{${REF},reason="PermissionDenied",instance="a"}`]: '0 0 0 stale',
      [`awscheck_credential_ready{${REF},reason="PermissionDenied",instance="b"}`]: '_ _ _ 0x20',
    },
    at: '11m',
    firing: [{ severity: 'warning', namespace: 'team', name: 'ro', reason: 'PermissionDenied' }],
  },
  {
    what: 'a credential ref validated after a few minutes pending',
    alert: 'AwsCheckCredentialsInvalid',
    series: {
      [`awscheck_credential_ready{${REF},reason="CredentialsPending"}`]: '0 0 0',
      [`awscheck_credential_ready{${REF},reason="Validated"}`]: '_ _ _ 1x20',
    },
    at: '11m',
    firing: [],
  },
  {
    what: 'two replicas standing by, none leading',
    alert: 'AwsCheckOperatorNoLeader',
    series: { 'awscheck_leader{instance="a"}': '0x10', 'awscheck_leader{instance="b"}': '0x10' },
    at: '3m',
    firing: [{ severity: 'critical' }],
  },
  {
    what: 'no replica scraped at all',
    alert: 'AwsCheckOperatorNoLeader',
    series: { 'up{job="other"}': '1x10' },
    at: '3m',
    firing: [{ severity: 'critical' }],
  },
  {
    what: 'shard a leading, shard b standing by only',
    alert: 'AwsCheckOperatorNoLeader',
    series: {
      'awscheck_leader{instance="a1",awscheck_io_shard="a"}': '1x10',
      'awscheck_leader{instance="b1",awscheck_io_shard="b"}': '0x10',
      'awscheck_leader{instance="b2",awscheck_io_shard="b"}': '0x10',
    },
    at: '3m',
    firing: [{ severity: 'critical', awscheck_io_shard: 'b' }],
  },
  {
    what: 'both shards leading',
    alert: 'AwsCheckOperatorNoLeader',
    series: {
      'awscheck_leader{instance="a1",awscheck_io_shard="a"}': '1x10',
      'awscheck_leader{instance="b1",awscheck_io_shard="b"}': '0x10',
      'awscheck_leader{instance="b2",awscheck_io_shard="b"}': '1x10',
    },
    at: '3m',
    firing: [],
  },
  {
    what: 'one replica leading, one standing by',
    alert: 'AwsCheckOperatorNoLeader',
    series: { 'awscheck_leader{instance="a"}': '1x10', 'awscheck_leader{instance="b"}': '0x10' },
    at: '3m',
    firing: [],
  },
  {
    what: 'a third of the AwsCheck reconciles failing for 15 minutes',
    alert: 'AwsCheckReconcileErrors',
    series: {
      'awscheck_reconcile_total{kind="AwsCheck",result="error"}': '0+5x40',
      'awscheck_reconcile_total{kind="AwsCheck",result="success"}': '0+10x40',
    },
    at: '30m',
    firing: [{ severity: 'warning', kind: 'AwsCheck' }],
    value: '33.33%',
  },
  {
    what: 'one reconcile in a hundred failing',
    alert: 'AwsCheckReconcileErrors',
    series: {
      'awscheck_reconcile_total{kind="AwsCheck",result="error"}': '0+1x40',
      'awscheck_reconcile_total{kind="AwsCheck",result="success"}': '0+99x40',
    },
    at: '30m',
    firing: [],
  },
  {
    what: 'the plan catalog ConfigMap invalid for 5 minutes',
    alert: 'AwsCheckPlanCatalogInvalid',
    series: { awscheck_plan_catalog_valid: '0x10' },
    at: '6m',
    firing: [{ severity: 'warning' }],
  },
  {
    what: 'the plan catalog ConfigMap valid',
    alert: 'AwsCheckPlanCatalogInvalid',
    series: { awscheck_plan_catalog_valid: '1x10' },
    at: '6m',
    firing: [],
  },
  {
    what: 'no plan catalog in force for 5 minutes',
    alert: 'AwsCheckPlanCatalogNotInForce',
    series: { awscheck_plan_catalog_in_force: '0x10' },
    at: '6m',
    firing: [{ severity: 'critical' }],
  },
  {
    what: 'a plan catalog in force (the kept one while the ConfigMap is invalid)',
    alert: 'AwsCheckPlanCatalogNotInForce',
    series: { awscheck_plan_catalog_valid: '0x10', awscheck_plan_catalog_in_force: '1x10' },
    at: '6m',
    firing: [],
  },
  {
    what: 'a check failed for 4 minutes: pending, not firing',
    alert: 'AwsCheckFailing',
    series: { [`awscheck_check_up{${CHECK}}`]: '0x10' },
    at: '4m',
    firing: [],
    pending: [{ severity: 'warning', ...CHECK_LABELS }],
  },
  {
    what: 'an hourly check without a success for 2h10m: pending, not firing',
    alert: 'AwsCheckStale',
    series: {
      [`awscheck_check_last_success_timestamp_seconds{${CHECK}}`]: '0x200',
      [`awscheck_check_schedule_interval_seconds{${CHECK}}`]: '3600x200',
    },
    at: '2h10m',
    firing: [],
    pending: [{ severity: 'warning', ...CHECK_LABELS }],
  },
  {
    what: 'an hourly check last successful 1h50m ago (under twice its interval)',
    alert: 'AwsCheckStale',
    series: {
      [`awscheck_check_last_success_timestamp_seconds{${CHECK}}`]: '0x200',
      [`awscheck_check_schedule_interval_seconds{${CHECK}}`]: '3600x200',
    },
    at: '1h50m',
    firing: [],
    pending: [],
  },
  {
    what: 'a credential ref failing authentication for 9 minutes: pending, not firing',
    alert: 'AwsCheckCredentialsInvalid',
    series: { [`awscheck_credential_ready{${REF},reason="AuthenticationFailed"}`]: '0x20' },
    at: '9m',
    firing: [],
    pending: [{ severity: 'warning', ...REF_LABELS, reason: 'AuthenticationFailed' }],
  },
  {
    what: 'no replica leading for 1 minute: pending, not firing',
    alert: 'AwsCheckOperatorNoLeader',
    series: { 'awscheck_leader{instance="a"}': '0x10' },
    at: '1m',
    firing: [],
    pending: [{ severity: 'critical' }],
  },
  {
    what: 'a third of the AwsCheck reconciles failing for 14 minutes: pending, not firing',
    alert: 'AwsCheckReconcileErrors',
    series: {
      'awscheck_reconcile_total{kind="AwsCheck",result="error"}': '0+5x40',
      'awscheck_reconcile_total{kind="AwsCheck",result="success"}': '0+10x40',
    },
    at: '15m',
    firing: [],
    pending: [{ severity: 'warning', kind: 'AwsCheck' }],
  },
  {
    what: '8% of the AwsCheck reconciles failing (under 10%)',
    alert: 'AwsCheckReconcileErrors',
    series: {
      'awscheck_reconcile_total{kind="AwsCheck",result="error"}': '0+8x40',
      'awscheck_reconcile_total{kind="AwsCheck",result="success"}': '0+92x40',
    },
    at: '30m',
    firing: [],
    pending: [],
  },
  {
    what: '12% of the AwsCheck reconciles failing (over 10%)',
    alert: 'AwsCheckReconcileErrors',
    series: {
      'awscheck_reconcile_total{kind="AwsCheck",result="error"}': '0+12x40',
      'awscheck_reconcile_total{kind="AwsCheck",result="success"}': '0+88x40',
    },
    at: '30m',
    firing: [{ severity: 'warning', kind: 'AwsCheck' }],
    value: '12%',
  },
  {
    what: 'the plan catalog ConfigMap invalid for 4 minutes: pending, not firing',
    alert: 'AwsCheckPlanCatalogInvalid',
    series: { awscheck_plan_catalog_valid: '0x10' },
    at: '4m',
    firing: [],
    pending: [{ severity: 'warning' }],
  },
  {
    what: 'no plan catalog in force for 4 minutes: pending, not firing',
    alert: 'AwsCheckPlanCatalogNotInForce',
    series: { awscheck_plan_catalog_in_force: '0x10' },
    at: '4m',
    firing: [],
    pending: [{ severity: 'critical' }],
  },
];

const RULES: readonly AlertRule[] = awscheckRules().groups.flatMap((group) => group.rules);

function ruleNamed(alert: string): AlertRule {
  const rule = RULES.find((candidate) => candidate.alert === alert);
  if (rule === undefined) throw new Error(`no alert ${alert} in operator/monitoring/rules.ts`);
  return rule;
}

// annotationsOf renders an alert's annotations as Prometheus does for these labels: the
// templates use only `{{ $labels.x }}` and one `{{ $value | ... }}`, given by the case.
function annotationsOf(alert: string, labels: Labels, value: string | undefined): Labels {
  const render = (template: string): string =>
    template
      .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => labels[name] ?? '')
      .replace(/\{\{ \$value[^}]*\}\}/g, value ?? '');
  return Object.fromEntries(
    Object.entries(ruleNamed(alert).annotations).map(([key, text]) => [key, render(text)]),
  );
}

// seriesOf writes a series as promtool's exp_samples name it: `name{label="value",...}`.
function seriesOf(name: string, labels: Labels): string {
  const pairs = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  return `${name}{${pairs.join(',')}}`;
}

function promtoolTest(rulesFile: string, testCase: AlertCase): object {
  return {
    rule_files: [rulesFile],
    evaluation_interval: '1m',
    tests: [
      {
        name: testCase.what,
        interval: '1m',
        input_series: Object.entries(testCase.series).map(([series, values]) => ({
          series,
          values,
        })),
        promql_expr_test:
          testCase.pending === undefined
            ? []
            : [
                {
                  expr: `ALERTS{alertname="${testCase.alert}",alertstate="pending"}`,
                  eval_time: testCase.at,
                  exp_samples: testCase.pending.map((labels) => ({
                    labels: seriesOf('ALERTS', {
                      alertname: testCase.alert,
                      alertstate: 'pending',
                      ...labels,
                    }),
                    value: 1,
                  })),
                },
              ],
        alert_rule_test: [
          {
            eval_time: testCase.at,
            alertname: testCase.alert,
            exp_alerts: testCase.firing.map((labels) => ({
              exp_labels: labels,
              exp_annotations: annotationsOf(testCase.alert, labels, testCase.value),
            })),
          },
        ],
      },
    ],
  };
}

let dir: string;
let rulesPath: string;

beforeAll(async () => {
  requireTools(['promtool']);
  dir = await mkdtemp(join(tmpdir(), 'awscheck-rules-'));
  const rules = new Map(monitoringFiles.files()).get(RULES_FILE);
  if (rules === undefined) throw new Error(`monitoringFiles has no ${RULES_FILE}`);
  rulesPath = join(dir, 'rules.yaml');
  await writeFile(rulesPath, rules);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run('promtool', args);
    return stdout + stderr;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    throw new Error(
      `promtool ${args.join(' ')} failed:\n${failed.stdout ?? ''}${failed.stderr ?? ''}`,
      { cause: error },
    );
  }
}

describe('alert rules', () => {
  it('pass promtool check rules', async () => {
    expect(await promtool('check', 'rules', rulesPath)).toContain(
      `SUCCESS: ${String(RULES.length)} rules found`,
    );
  });

  it('have a firing, a quiet and a pending case for every alert, each with severity and annotations', () => {
    for (const rule of RULES) {
      const cases = CASES.filter((testCase) => testCase.alert === rule.alert);
      expect(
        cases.some((c) => c.firing.length > 0),
        `${rule.alert} fires`,
      ).toBe(true);
      expect(
        cases.some((c) => c.firing.length === 0),
        `${rule.alert} stays quiet`,
      ).toBe(true);
      expect(
        cases.some((c) => c.firing.length === 0 && (c.pending?.length ?? 0) > 0),
        `${rule.alert} is pending, not firing, before its \`for\` is over`,
      ).toBe(true);
      expect(Object.keys(rule.annotations).sort()).toEqual(['description', 'runbook', 'summary']);
    }
  });

  it('render the failing check alert for the check it names', () => {
    const labels = { severity: 'warning', ...CHECK_LABELS };
    expect(annotationsOf('AwsCheckFailing', labels, undefined)).toMatchObject({
      summary: 'AwsCheck team/vms failed its latest run',
    });
  });

  it.each(CASES.map((testCase) => [`${testCase.alert}: ${testCase.what}`, testCase] as const))(
    'promtool test rules: %s',
    async (_, testCase) => {
      const testFile = join(dir, `${testCase.alert}-${String(CASES.indexOf(testCase))}.yaml`);
      await writeFile(testFile, stringify(promtoolTest(rulesPath, testCase)));
      expect(await promtool('test', 'rules', testFile)).toContain('SUCCESS');
    },
  );
});
