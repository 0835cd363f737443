// The operator's Prometheus metrics. Labels are names only (namespace, check, service,
// type, reason): never a credential, an ARN or an account id.
import { isDeepStrictEqual } from 'node:util';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AwsCheck, AwsCheckStatus } from './api/v1alpha1/awscheck.ts';

const CHECK_LABELS = ['namespace', 'name', 'service', 'type'] as const;

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
    const generation = check.metadata.generation ?? 0;
    if (lastRun === undefined || (lastRun.generation ?? -1) < generation) {
      for (const gauge of this.#runGauges()) gauge.remove(labels);
      return;
    }
    this.#setRun(labels, lastRun);
  }

  #setRun(labels: CheckLabels, lastRun: NonNullable<AwsCheckStatus['lastRun']>): void {
    this.checkUp.set(labels, lastRun.outcome === 'Succeeded' ? 1 : 0);
    this.checkLastRun.set(labels, Date.parse(lastRun.completionTime ?? lastRun.startTime) / 1000);
    if (lastRun.durationMs !== undefined) this.checkDuration.set(labels, lastRun.durationMs / 1000);
    this.checkResources.set(labels, lastRun.resources ?? 0);
    this.checkUnhealthy.set(labels, lastRun.unhealthy ?? 0);
  }

  // publish records the labels a check's series go under, removing those of an earlier set.
  #publish(labels: CheckLabels): CheckLabels {
    const key = `${labels.namespace}/${labels.name}`;
    const before = this.#published.get(key);
    if (before !== undefined && !isDeepStrictEqual(before, labels)) this.#remove(before);
    this.#published.set(key, labels);
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
    for (const gauge of [...this.#runGauges(), this.checkLastSuccess, this.checkFailures]) {
      gauge.remove(labels);
    }
  }
}

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
