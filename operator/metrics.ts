// The operator's Prometheus metrics. Labels are names only (namespace, check, service,
// type, reason): never a credential, an ARN or an account id.
import { isDeepStrictEqual } from 'node:util';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AwsCheck, AwsCheckStatus } from './api/v1alpha1/awscheck.ts';
import type { Condition } from './api/v1alpha1/common.ts';
import {
  ERROR_CATEGORIES,
  FAILURE_REASONS,
  FINDING_REASONS,
  RUN_REASONS,
} from './api/v1alpha1/reasons.ts';
import { scheduleIntervalSeconds } from './monitoring/schedule-interval.ts';

const CHECK_LABELS = ['namespace', 'name', 'service', 'type'] as const;
const REGION_LABELS = [...CHECK_LABELS, 'region'] as const;
const CREDENTIAL_LABELS = ['namespace', 'name', 'reason'] as const;

/** RUN_SUCCEEDED is the reason a succeeded run is counted under (the run's Normal Event). */
const RUN_SUCCEEDED = 'RunSucceeded';

/** RUN_FAILED is the reason a failed run without a reason is counted under. */
const RUN_FAILED = 'RunFailed';

type RunSeries = Readonly<{ outcome: 'Succeeded' | 'Failed'; reason: string }>;

/**
 * FIRST_RUN_SERIES are the outcome/reason pairs a check's awscheck_runs_total starts at 0
 * with: a success and every reason a run can fail with (the checker's error categories,
 * its findings, an aborted run). increase() never counts a series' first sample, so a
 * series created by its first run at 1 would hide that run.
 */
const FIRST_RUN_SERIES: readonly RunSeries[] = [
  { outcome: 'Succeeded', reason: RUN_SUCCEEDED },
  ...[...ERROR_CATEGORIES, ...FINDING_REASONS, ...RUN_REASONS].map((reason): RunSeries => ({
    outcome: 'Failed',
    reason,
  })),
];

/** ALL_RUN_SERIES are every pair a check's runs can be counted under: all are removed with it. */
const ALL_RUN_SERIES: readonly RunSeries[] = [
  { outcome: 'Succeeded', reason: RUN_SUCCEEDED },
  ...[...FAILURE_REASONS, RUN_FAILED].map((reason): RunSeries => ({ outcome: 'Failed', reason })),
];

/** RECONCILE_KINDS are the kinds the manager's workers reconcile (operator/manager.ts). */
const RECONCILE_KINDS = ['AwsCheck', 'AwsCredentialRef', 'RunQueue'] as const;

/** Metrics holds every metric of one operator process. */
export class Metrics {
  readonly registry = new Registry();
  readonly checkUp = this.#gauge(
    'awscheck_check_up',
    'Whether the latest run of the check succeeded (1) or failed (0).',
  );
  readonly checkLastRun = this.#gauge(
    'awscheck_check_last_run_timestamp_seconds',
    'When the latest run finished.',
  );
  readonly checkLastSuccess = this.#gauge(
    'awscheck_check_last_success_timestamp_seconds',
    'When a run last succeeded.',
  );
  readonly checkDuration = this.#gauge(
    'awscheck_check_duration_seconds',
    'How long the latest run took.',
  );
  readonly checkResources = this.#gauge(
    'awscheck_check_resources',
    'Resources the latest run found.',
  );
  readonly checkUnhealthy = this.#gauge(
    'awscheck_check_unhealthy_resources',
    'Unhealthy resources the latest run found.',
  );
  readonly checkFailures = this.#gauge(
    'awscheck_check_consecutive_failures',
    'Runs in a row that failed.',
  );
  readonly checkCreated = this.#gauge(
    'awscheck_check_created_timestamp_seconds',
    'When the check was created: the staleness of a check that never succeeded counts from here.',
  );
  readonly checkInterval = this.#gauge(
    'awscheck_check_schedule_interval_seconds',
    'The longest time the schedule leaves between two runs, while the check is meant to run (not suspended, subscription active, whether or not its setup succeeded); a check is stale after twice this without a success.',
  );
  readonly checkRegionResources = new Gauge({
    name: 'awscheck_check_region_resources',
    help: 'Resources the latest run found, per region (or global).',
    labelNames: [...REGION_LABELS],
    registers: [this.registry],
  });
  readonly checkRegionUnhealthy = new Gauge({
    name: 'awscheck_check_region_unhealthy_resources',
    help: 'Unhealthy resources the latest run found, per region (or global).',
    labelNames: [...REGION_LABELS],
    registers: [this.registry],
  });
  readonly credentialReady = new Gauge({
    name: 'awscheck_credential_ready',
    help: "Whether the AwsCredentialRef is Ready (1) or not (0), with its Ready condition's reason.",
    labelNames: [...CREDENTIAL_LABELS],
    registers: [this.registry],
  });
  readonly runs = new Counter({
    name: 'awscheck_runs_total',
    help: 'Finished runs by outcome and reason.',
    labelNames: [...CHECK_LABELS, 'outcome', 'reason'],
    registers: [this.registry],
  });
  readonly reconciles = new Counter({
    name: 'awscheck_reconcile_total',
    help: 'Reconciles by kind and result.',
    labelNames: ['kind', 'result'],
    registers: [this.registry],
  });
  readonly reconcileDuration = new Histogram({
    name: 'awscheck_reconcile_duration_seconds',
    help: 'How long reconciles take.',
    labelNames: ['kind'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'awscheck_workqueue_depth',
    help: 'Keys waiting for a worker.',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly watchRestarts = new Counter({
    name: 'awscheck_watch_restarts_total',
    help: 'Watches that ended and were started again, by cache and why (closed: the apiserver or the network ended it; expired: 410 Gone, relisted; error: failed).',
    labelNames: ['cache', 'reason'],
    registers: [this.registry],
  });
  readonly kubeRequestWait = new Counter({
    name: 'awscheck_kube_client_wait_seconds_total',
    help: 'Time requests to the apiserver waited for the client-side rate limit (AWSCHECK_KUBE_QPS, AWSCHECK_KUBE_BURST).',
    registers: [this.registry],
  });
  readonly kubeRetries = new Counter({
    name: 'awscheck_kube_client_retries_total',
    help: 'Requests to the apiserver retried after 429 Too Many Requests, after the wait the apiserver asked for.',
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'awscheck_leader',
    help: 'Whether this replica is the leader (1) or standing by (0).',
    registers: [this.registry],
  });
  readonly planCatalogValid = new Gauge({
    name: 'awscheck_plan_catalog_valid',
    help: 'Whether the plan catalog ConfigMap exists and is valid (1) or not (0): while 0, the last valid catalog seen since start stays in force (awscheck_plan_catalog_in_force 1), or, when none was, no check in a tenant namespace runs.',
    registers: [this.registry],
  });
  readonly planCatalogInForce = new Gauge({
    name: 'awscheck_plan_catalog_in_force',
    help: 'Whether a plan catalog is enforced (1): the ConfigMap, or the last valid one kept while it is invalid or deleted. 0: no valid catalog since start, no check in a tenant namespace runs.',
    registers: [this.registry],
  });

  constructor() {
    // Every kind's reconcile results start at 0, so an error rate reads 0 before any error.
    for (const kind of RECONCILE_KINDS) {
      for (const result of ['success', 'error']) this.reconciles.inc({ kind, result }, 0);
    }
  }

  #gauge(name: string, help: string): Gauge<CheckLabel> {
    return new Gauge({ name, help, labelNames: [...CHECK_LABELS], registers: [this.registry] });
  }

  /** The label set each check's series were last published under, by namespace/name. */
  readonly #published = new Map<string, CheckLabels>();

  /**
   * observeCheck sets the per-check gauges from the check's status. A check's series live
   * under one label set: when its service or type changes, the old series are removed; and
   * the latest run's numbers are published only while that run was made for the current
   * spec, so a check turned from ec2 to iam never shows ec2's count as iam's.
   */
  observeCheck(check: AwsCheck): void {
    const labels = this.#publish(checkLabels(check));
    const { lastRun, lastSuccessfulTime, consecutiveFailures } = check.status ?? {};
    this.checkFailures.set(labels, consecutiveFailures ?? 0);
    if (lastSuccessfulTime !== undefined)
      this.checkLastSuccess.set(labels, Date.parse(lastSuccessfulTime) / 1000);
    this.#setSchedule(labels, check);
    const generation = check.metadata.generation ?? 0;
    if (lastRun === undefined || (lastRun.generation ?? -1) < generation) {
      for (const gauge of this.#runGauges()) gauge.remove(labels);
      this.#setRegions(labels, []);
      return;
    }
    this.#setRun(labels, lastRun);
  }

  // setSchedule: the interval exists while the check is meant to run (not suspended, its
  // subscription active), so a check whose setup fails or is refused goes stale and alerts,
  // while one its tenant paused or stopped paying for never does.
  #setSchedule(labels: CheckLabels, check: AwsCheck): void {
    const created = timestampOf(check.metadata['creationTimestamp']);
    if (created !== undefined) this.checkCreated.set(labels, created);
    const interval = meantToRun(check) ? scheduleIntervalSeconds(check.spec.schedule) : undefined;
    if (interval === undefined) this.checkInterval.remove(labels);
    else this.checkInterval.set(labels, interval);
  }

  #setRun(labels: CheckLabels, lastRun: NonNullable<AwsCheckStatus['lastRun']>): void {
    this.checkUp.set(labels, lastRun.outcome === 'Succeeded' ? 1 : 0);
    this.checkLastRun.set(labels, Date.parse(lastRun.completionTime ?? lastRun.startTime) / 1000);
    if (lastRun.durationMs !== undefined) this.checkDuration.set(labels, lastRun.durationMs / 1000);
    this.checkResources.set(labels, lastRun.resources ?? 0);
    this.checkUnhealthy.set(labels, lastRun.unhealthy ?? 0);
    this.#setRegions(labels, lastRun.regions ?? []);
  }

  /** The regions each check's per-region series were last published for, by namespace/name. */
  readonly #publishedRegions = new Map<string, readonly string[]>();

  // setRegions publishes the latest run's per-region counts and removes regions it lacks.
  #setRegions(labels: CheckLabels, regions: readonly RegionTally[]): void {
    const key = `${labels.namespace}/${labels.name}`;
    const names = new Set(regions.map((tally) => tally.name));
    for (const region of this.#publishedRegions.get(key) ?? []) {
      if (!names.has(region)) this.#removeRegion(labels, region);
    }
    for (const tally of regions) {
      this.checkRegionResources.set({ ...labels, region: tally.name }, tally.resources);
      this.checkRegionUnhealthy.set({ ...labels, region: tally.name }, tally.unhealthy);
    }
    if (names.size === 0) this.#publishedRegions.delete(key);
    else this.#publishedRegions.set(key, [...names]);
  }

  #removeRegion(labels: CheckLabels, region: string): void {
    this.checkRegionResources.remove({ ...labels, region });
    this.checkRegionUnhealthy.remove({ ...labels, region });
  }

  // publish records the labels a check's series go under, removing those of an earlier set;
  // a new label set starts its run counts at 0.
  #publish(labels: CheckLabels): CheckLabels {
    const key = `${labels.namespace}/${labels.name}`;
    const before = this.#published.get(key);
    if (before !== undefined && isDeepStrictEqual(before, labels)) return labels;
    if (before !== undefined) this.#remove(before);
    this.#published.set(key, labels);
    for (const series of FIRST_RUN_SERIES) this.runs.inc({ ...labels, ...series }, 0);
    return labels;
  }

  /** forgetCheck removes a deleted check's series, under whatever labels they were published. */
  forgetCheck(check: { metadata: { namespace: string; name: string } }): void {
    const key = `${check.metadata.namespace}/${check.metadata.name}`;
    const labels = this.#published.get(key);
    if (labels === undefined) return;
    this.#published.delete(key);
    this.#remove(labels);
  }

  #runGauges(): Gauge<CheckLabel>[] {
    return [
      this.checkUp,
      this.checkLastRun,
      this.checkDuration,
      this.checkResources,
      this.checkUnhealthy,
    ];
  }

  #remove(labels: CheckLabels): void {
    const gauges = [
      ...this.#runGauges(),
      this.checkLastSuccess,
      this.checkFailures,
      this.checkCreated,
      this.checkInterval,
    ];
    for (const gauge of gauges) gauge.remove(labels);
    for (const series of ALL_RUN_SERIES) this.runs.remove({ ...labels, ...series });
    this.#setRegions(labels, []);
  }

  /** The reason each credential ref's series was last published under, by namespace/name. */
  readonly #credentialReasons = new Map<string, string>();

  /**
   * observeCredential sets awscheck_credential_ready from the ref's Ready condition (no
   * condition yet: not ready, reason Unknown). One series per ref: a new reason replaces
   * the old series.
   */
  observeCredential(
    ref: { metadata: { namespace: string; name: string } },
    conditions: readonly Condition[] | undefined,
  ): void {
    const ready = conditions?.find((condition) => condition.type === 'Ready');
    const reason = ready?.reason ?? 'Unknown';
    const { namespace, name } = ref.metadata;
    const key = `${namespace}/${name}`;
    const before = this.#credentialReasons.get(key);
    if (before !== undefined && before !== reason)
      this.credentialReady.remove({ namespace, name, reason: before });
    this.#credentialReasons.set(key, reason);
    this.credentialReady.set({ namespace, name, reason }, ready?.status === 'True' ? 1 : 0);
  }

  /** forgetCredential removes a deleted credential ref's series. */
  forgetCredential(ref: { metadata: { namespace: string; name: string } }): void {
    const { namespace, name } = ref.metadata;
    const key = `${namespace}/${name}`;
    const reason = this.#credentialReasons.get(key);
    if (reason === undefined) return;
    this.#credentialReasons.delete(key);
    this.credentialReady.remove({ namespace, name, reason });
  }
}

// meantToRun: the tenant wants the check to run and pays for it.
function meantToRun(check: AwsCheck): boolean {
  const ready = check.status?.conditions?.find((condition) => condition.type === 'Ready');
  return !check.spec.suspend && ready?.reason !== 'SubscriptionInactive';
}

// timestampOf reads a time in seconds: objects from a watch carry times as text, from a
// list as Dates.
function timestampOf(time: unknown): number | undefined {
  if (!(typeof time === 'string' || time instanceof Date)) return undefined;
  const ms = new Date(time).getTime();
  return Number.isNaN(ms) ? undefined : ms / 1000;
}

type RegionTally = NonNullable<NonNullable<AwsCheckStatus['lastRun']>['regions']>[number];

type CheckLabel = (typeof CHECK_LABELS)[number];
type CheckLabels = Record<CheckLabel, string>;

/** checkLabels are the metric labels of one check. */
export function checkLabels(check: AwsCheck): CheckLabels {
  return {
    namespace: check.metadata.namespace,
    name: check.metadata.name,
    service: check.spec.service,
    type: check.spec.type,
  };
}
