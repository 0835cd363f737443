// The alert rules of awscheck, as a Prometheus rule file (`groups:`): the chart embeds them
// as a PrometheusRule's spec. Each alert says what broke, for whom, and what to do.

/** AlertRule is one alerting rule of a Prometheus rule file. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: 'critical' | 'warning' };
  readonly annotations: {
    readonly summary: string;
    readonly description: string;
    readonly runbook: string;
  };
}

/** RuleFile is a Prometheus rule file. */
export interface RuleFile {
  readonly groups: readonly { readonly name: string; readonly rules: readonly AlertRule[] }[];
}

const check = '{{ $labels.namespace }}/{{ $labels.name }}';

// Every rule aggregates the scraped replica's labels (instance, pod) away: with
// honor_labels a check's series carry the leader's, so after a leader handover the new
// leader's series are new ones, and an alert on them would resolve and restart its `for`.

/** BY_CHECK keeps a per-check series' identity and drops the replica's labels. */
const BY_CHECK = 'by (namespace, name, service, type)';

/** BY_INSTALL keeps one series per operator install (the target's namespace). */
const BY_INSTALL = 'by (namespace)';

/**
 * CREDENTIAL_FAULTS are the Ready reasons of an AwsCredentialRef that mean its keys, role or
 * settings are wrong; the others heal by themselves or are another alert's (pending
 * validation, a plan limit, an inactive subscription, a quota, an AWS outage).
 */
const CREDENTIAL_FAULTS = [
  'AuthenticationFailed',
  'PermissionDenied',
  'InvalidConfiguration',
  'RunAborted',
] as const;

/** CHECK_ALERTS judge the tenants' checks. */
const CHECK_ALERTS: readonly AlertRule[] = [
  {
    alert: 'AwsCheckFailing',
    expr: `max ${BY_CHECK} (awscheck_check_up) == 0`,
    for: '5m',
    labels: { severity: 'warning' },
    annotations: {
      summary: `AwsCheck ${check} failed its latest run`,
      description: `The latest run of the {{ $labels.service }} {{ $labels.type }} check ${check} failed; it stays failed until a run succeeds.`,
      runbook: `kubectl -n {{ $labels.namespace }} describe awscheck {{ $labels.name }}: the Healthy condition's reason says what failed (AuthenticationFailed, PermissionDenied: fix the credentials or the role's policy; ResourcesUnhealthy, CountOutOfRange: the AWS resources need attention, status.lastRun.findings lists them; ServiceLimitExceeded, ServiceError: AWS throttled or failed, the next run retries; DeadlineExceeded: raise timeoutSeconds or check fewer regions). The run's full detail is its Pod's log: kubectl -n {{ $labels.namespace }} logs job/<status.lastRun.jobName>. To run it again now: kubectl -n {{ $labels.namespace }} annotate awscheck {{ $labels.name }} awscheck.io/run-now=$(date +%s) --overwrite.`,
    },
  },
  {
    alert: 'AwsCheckStale',
    expr: `(time() - (max ${BY_CHECK} (awscheck_check_last_success_timestamp_seconds) or max ${BY_CHECK} (awscheck_check_created_timestamp_seconds))) > 2 * max ${BY_CHECK} (awscheck_check_schedule_interval_seconds)`,
    for: '10m',
    labels: { severity: 'warning' },
    annotations: {
      summary: `AwsCheck ${check} has not succeeded in twice its schedule interval`,
      description: `No run of ${check} succeeded for {{ $value | humanizeDuration }}, more than twice the longest gap its schedule leaves between runs: its runs fail, or do not start.`,
      runbook: `kubectl -n {{ $labels.namespace }} describe awscheck {{ $labels.name }}: Ready False or Reconciling names a setup problem (credential ref, plan limit, a ResourceQuota holding Jobs back); Healthy False names a failing run (see AwsCheckFailing). Check the CronJob and its Jobs: kubectl -n {{ $labels.namespace }} get cronjob,jobs -l awscheck.io/check={{ $labels.name }}.`,
    },
  },
  {
    alert: 'AwsCheckCredentialsInvalid',
    expr: `max by (namespace, name, reason) (awscheck_credential_ready{reason=~"${CREDENTIAL_FAULTS.join('|')}"}) == 0`,
    for: '10m',
    labels: { severity: 'warning' },
    annotations: {
      summary: `AwsCredentialRef ${check} is not Ready ({{ $labels.reason }})`,
      description: `The AwsCredentialRef ${check} has been not Ready for 10 minutes with reason {{ $labels.reason }}; every check using it fails or cannot be scheduled.`,
      runbook: `kubectl -n {{ $labels.namespace }} describe awscredentialref {{ $labels.name }}: AuthenticationFailed means the keys in its Secret are invalid or expired (rotate them: the next run uses the new ones); InvalidConfiguration names a missing Secret, key or role setting; PermissionDenied means the role's trust or policy refuses (check the ExternalId in its status); RunAborted means the validation's checker was killed (kubectl -n {{ $labels.namespace }} get events names why, e.g. OOMKilled).`,
    },
  },
];

/** OPERATOR_ALERTS judge the operator itself. */
const OPERATOR_ALERTS: readonly AlertRule[] = [
  {
    alert: 'AwsCheckOperatorNoLeader',
    // Per shard: the chart's ServiceMonitor labels each series with its pod's shard
    // (awscheck_io_shard; absent without shards, one group), so one shard without a
    // leader fires although another leads. absent(): no replica of any shard is scraped.
    expr: 'sum by (awscheck_io_shard) (awscheck_leader) < 1 or absent(awscheck_leader)',
    for: '2m',
    labels: { severity: 'critical' },
    annotations: {
      summary: 'No awscheck operator replica is leading',
      description:
        'No replica of the awscheck operator (shard "{{ $labels.awscheck_io_shard }}"; empty without shards) has held the leader Lease for 2 minutes (or none is scraped): no check of its namespaces is reconciled, no run is recorded.',
      runbook:
        'kubectl -n <operator namespace> get pods,lease: a replica crash-looping or unable to renew the Lease (apiserver unreachable, RBAC on leases) shows in its logs; kubectl -n <operator namespace> logs deploy/awscheck-operator.',
    },
  },
  {
    alert: 'AwsCheckReconcileErrors',
    expr: 'sum by (kind) (rate(awscheck_reconcile_total{result="error"}[10m])) / sum by (kind) (rate(awscheck_reconcile_total[10m])) > 0.1',
    for: '15m',
    labels: { severity: 'warning' },
    annotations: {
      summary: 'awscheck operator: more than 10% of {{ $labels.kind }} reconciles fail',
      description:
        '{{ $value | humanizePercentage }} of {{ $labels.kind }} reconciles failed over 10 minutes, for 15 minutes; they are retried with backoff, so the state in the cluster lags.',
      runbook:
        'kubectl -n <operator namespace> logs deploy/awscheck-operator | grep "reconcile failed": the error names the object and the apiserver\'s answer (a webhook or quota refusing writes, RBAC, timeouts).',
    },
  },
  {
    alert: 'AwsCheckPlanCatalogInvalid',
    expr: `min ${BY_INSTALL} (awscheck_plan_catalog_valid) == 0`,
    for: '5m',
    labels: { severity: 'warning' },
    annotations: {
      summary: 'The awscheck plan catalog ConfigMap is missing or invalid',
      description:
        'The plan catalog ConfigMap is missing or fails validation; the last valid catalog stays in force until the operator restarts.',
      runbook:
        'kubectl -n <operator namespace> get events --field-selector involvedObject.name=awscheck-plans: the Warning Event names what is wrong; fix or re-apply the ConfigMap (the chart ships it).',
    },
  },
  {
    alert: 'AwsCheckPlanCatalogNotInForce',
    expr: `min ${BY_INSTALL} (awscheck_plan_catalog_in_force) == 0`,
    for: '5m',
    labels: { severity: 'critical' },
    annotations: {
      summary: 'No awscheck plan catalog is in force: no tenant check runs',
      description:
        'The operator has seen no valid plan catalog since it started, so no check in a tenant namespace is scheduled.',
      runbook:
        'Apply a valid plan catalog ConfigMap in the operator namespace (the chart ships it); kubectl -n <operator namespace> get events --field-selector involvedObject.name=awscheck-plans says what is wrong with the present one.',
    },
  },
];

/** awscheckRules is the rule file: the checks' alerts and the operator's. */
export function awscheckRules(): RuleFile {
  return {
    groups: [
      { name: 'awscheck.checks', rules: CHECK_ALERTS },
      { name: 'awscheck.operator', rules: OPERATOR_ALERTS },
    ],
  };
}
