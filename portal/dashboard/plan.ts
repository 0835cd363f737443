// What the dashboard shows, decided from gathered facts by one pure function with table
// tests: usage against every limit of the plan, each check and each credential ref.
import type { V1Namespace, V1ResourceQuota } from '@kubernetes/client-node';
import type { AwsCheck } from '../../operator/api/v1alpha1/awscheck.ts';
import type { AwsCredentialRef } from '../../operator/api/v1alpha1/awscredentialref.ts';
import type { Condition } from '../../operator/api/v1alpha1/common.ts';
import { planOf, type PlanCatalog } from '../../operator/plans/catalog.ts';
import {
  PLAN_LABEL,
  STRIPE_CUSTOMER_ANNOTATION,
  SUBSCRIPTION_STATUS_ANNOTATION,
} from '../../operator/plans/tenancy.ts';
import { duration } from '../pages/format.ts';

/** DashboardFacts are what the dashboard reads live from the cluster for one tenant. */
export interface DashboardFacts {
  readonly namespace: V1Namespace;
  readonly catalog: PlanCatalog;
  readonly quotas: readonly V1ResourceQuota[];
  readonly checks: readonly AwsCheck[];
  readonly credentials: readonly AwsCredentialRef[];
}

/** UsageRow is one limit: what is used of what is allowed; `over` when used exceeds it. */
export interface UsageRow {
  readonly limit: string;
  readonly used: string;
  readonly allowed: string;
  readonly over: boolean;
}

/** ConditionView is a condition as shown: status and reason, or unknown when absent. */
export interface ConditionView {
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
}

/** CheckRow is one AwsCheck as shown. */
export interface CheckRow {
  readonly name: string;
  readonly service: string;
  readonly ready: ConditionView;
  readonly healthy: ConditionView;
  readonly lastRun: string | undefined;
  readonly message: string;
}

/** CredentialRow is one AwsCredentialRef and its verdict. */
export interface CredentialRow {
  readonly name: string;
  readonly ready: ConditionView;
  readonly message: string;
  readonly accountId: string | undefined;
  readonly externalId: string | undefined;
}

/** DashboardView is everything the dashboard page shows. */
export interface DashboardView {
  readonly namespace: string;
  readonly plan: string;
  readonly planLabel: string;
  readonly subscriptionStatus: string;
  readonly stripeCustomer: boolean;
  readonly usage: readonly UsageRow[];
  readonly checks: readonly CheckRow[];
  readonly credentials: readonly CredentialRow[];
}

/** QUOTA_ROWS are the ResourceQuota entries shown, with what people call them. */
const QUOTA_ROWS: readonly [string, string][] = [
  ['count/awschecks.awscheck.io', 'Checks'],
  ['count/awscredentialrefs.awscheck.io', 'AWS credential refs'],
  ['count/jobs.batch', 'Runs at once'],
  ['requests.cpu', 'CPU requested'],
  ['requests.memory', 'Memory requested'],
  ['limits.cpu', 'CPU limit'],
  ['limits.memory', 'Memory limit'],
];

function conditionView(conditions: readonly Condition[] | undefined, type: string): ConditionView {
  const found = conditions?.find((c) => c.type === type);
  if (found === undefined) return { status: 'Unknown', reason: 'NotObservedYet' };
  return { status: found.status, reason: found.reason };
}

function quotaRows(quotas: readonly V1ResourceQuota[]): UsageRow[] {
  return QUOTA_ROWS.flatMap(([key, limit]) => {
    const quota = quotas.find((q) => q.status?.hard?.[key] !== undefined);
    const allowed = quota?.status?.hard?.[key];
    if (quota === undefined || allowed === undefined) return [];
    const used = quota.status?.used?.[key] ?? '0';
    return [{ limit, used, allowed, over: numeric(used) > numeric(allowed) }];
  });
}

/** numeric compares plain counts; quantities with units are compared by the apiserver, not here. */
function numeric(value: string): number {
  return /^\d+$/.test(value) ? Number(value) : Number.NaN;
}

function planRows(facts: DashboardFacts, planName: string): UsageRow[] {
  const plan = planOf(facts.catalog, planName);
  if (plan === undefined) return [];
  const regions = Math.max(0, ...facts.checks.map((c) => c.spec.regions?.length ?? 1));
  const services = [...new Set(facts.checks.map((c) => c.spec.service))].sort();
  const outside = services.filter((s) => !(plan.allowedServices as readonly string[]).includes(s));
  return [
    {
      limit: 'Regions per check (most used)',
      used: String(regions),
      allowed: String(plan.maxRegionsPerCheck),
      over: regions > plan.maxRegionsPerCheck,
    },
    {
      limit: 'Services',
      used: services.join(', ') || 'none',
      allowed: plan.allowedServices.join(', '),
      over: outside.length > 0,
    },
    {
      limit: 'Shortest schedule',
      used: 'see each check',
      allowed: `every ${duration(plan.minScheduleIntervalSeconds)}`,
      over: facts.checks.some(
        (c) => conditionView(c.status?.conditions, 'Ready').reason === 'PlanLimitExceeded',
      ),
    },
    {
      limit: 'Checker pod size',
      used: '-',
      allowed: `${plan.checker.cpu} CPU, ${plan.checker.memory}`,
      over: false,
    },
  ];
}

/** checkMessage is why a check is not Ready, else its latest run's summary. */
function checkMessage(check: AwsCheck): string {
  const notReady = check.status?.conditions?.find((c) => c.type === 'Ready' && c.status !== 'True');
  return notReady?.message ?? check.status?.lastRun?.message ?? '';
}

function checkRow(check: AwsCheck): CheckRow {
  const conditions = check.status?.conditions;
  const lastRun = check.status?.lastRun;
  return {
    name: check.metadata.name,
    service: check.spec.service,
    ready: conditionView(conditions, 'Ready'),
    healthy: conditionView(conditions, 'Healthy'),
    lastRun: lastRun?.completionTime ?? lastRun?.startTime,
    message: checkMessage(check),
  };
}

function credentialRow(ref: AwsCredentialRef): CredentialRow {
  const conditions = ref.status?.conditions;
  return {
    name: ref.metadata.name,
    ready: conditionView(conditions, 'Ready'),
    message: conditions?.find((c) => c.type === 'Ready')?.message ?? '',
    accountId: ref.status?.identity?.accountId,
    externalId: ref.status?.externalId,
  };
}

const byName = <T extends { metadata: { name: string } }>(a: T, b: T): number =>
  a.metadata.name.localeCompare(b.metadata.name);

/** credentialRows are credential refs as shown, by name. */
export function credentialRows(credentials: readonly AwsCredentialRef[]): CredentialRow[] {
  return [...credentials].sort(byName).map(credentialRow);
}

/** planDashboard decides the dashboard of one tenant from what the cluster says. */
export function planDashboard(facts: DashboardFacts): DashboardView {
  const { name = '', labels = {}, annotations = {} } = facts.namespace.metadata ?? {};
  const plan = labels[PLAN_LABEL] ?? '';
  return {
    namespace: name,
    plan,
    planLabel: planOf(facts.catalog, plan)?.displayName ?? plan,
    subscriptionStatus: annotations[SUBSCRIPTION_STATUS_ANNOTATION] ?? 'none (free plan)',
    stripeCustomer: (annotations[STRIPE_CUSTOMER_ANNOTATION] ?? '') !== '',
    usage: [...quotaRows(facts.quotas), ...planRows(facts, plan)],
    checks: [...facts.checks].sort(byName).map(checkRow),
    credentials: credentialRows(facts.credentials),
  };
}
