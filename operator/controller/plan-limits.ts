// Plan limits: what a tenant's plan allows, judged for one AwsCheck or AwsCredentialRef.
// Pure, so every rule is a table test; the controllers gather the facts (the namespace's
// labels, the catalog, the object's place among its kind) and write what these decide.
// A ResourceQuota counts objects at creation and caps Jobs, CPU and memory; these rules
// say what a quota cannot: how often a check runs, how many regions and which services it
// may use, and which objects of a namespace that holds more than its plan allows (after a
// downgrade) still run. Nothing here deletes anything: what no longer fits is reported.
import { CronExpressionParser } from 'cron-parser';
import type { AwsCheckSpec } from '../api/v1alpha1/awscheck.ts';
import { CATALOG_CONFIGMAP, planOf, type Plan, type PlanCatalog } from '../plans/catalog.ts';
import { PLAN_LABEL, TENANT_LABEL } from '../plans/tenancy.ts';
import type { ConditionInput } from './conditions.ts';

/** PLAN_LIMIT_EXCEEDED: the spec asks for more than the plan allows (kstatus Stalled). */
export const PLAN_LIMIT_EXCEEDED = 'PlanLimitExceeded';

/** SUBSCRIPTION_INACTIVE: the tenant's plan is not active (unpaid, canceled; kstatus Stalled). */
export const SUBSCRIPTION_INACTIVE = 'SubscriptionInactive';

/** PLAN_UNAVAILABLE: the catalog is missing or invalid, or names no such plan (kstatus Stalled). */
export const PLAN_UNAVAILABLE = 'InvalidConfiguration';

/** CatalogState is the catalog ConfigMap as read: the catalog, or what is wrong with it. */
export type CatalogState =
  | { readonly ok: true; readonly catalog: PlanCatalog }
  | { readonly ok: false; readonly message: string };

/**
 * NamespacePlan is what a namespace is under: no plan (not a tenant's: made by an admin,
 * the operator's configured resources apply), a plan, or a plan that cannot be known.
 */
export type NamespacePlan =
  | { readonly kind: 'untenanted' }
  | { readonly kind: 'plan'; readonly name: string; readonly plan: Plan }
  | { readonly kind: 'unavailable'; readonly message: string };

/**
 * namespacePlan reads a namespace's labels against the catalog. A namespace without the
 * tenant label has no plan. A tenant namespace whose plan cannot be known (no plan label,
 * a name the catalog lacks, no valid catalog) is `unavailable`: never a default plan.
 */
export function namespacePlan(
  labels: Readonly<Record<string, string>> | undefined,
  catalog: CatalogState,
): NamespacePlan {
  if (labels?.[TENANT_LABEL] === undefined) return { kind: 'untenanted' };
  const name = labels[PLAN_LABEL];
  if (!catalog.ok) return { kind: 'unavailable', message: catalog.message };
  if (name === undefined)
    return { kind: 'unavailable', message: `the tenant namespace has no ${PLAN_LABEL} label` };
  const plan = planOf(catalog.catalog, name);
  if (plan === undefined) {
    const known = Object.keys(catalog.catalog.plans).join(', ');
    return {
      kind: 'unavailable',
      message: `plan "${name}" (label ${PLAN_LABEL}) is not in the plan catalog, ConfigMap ${CATALOG_CONFIGMAP} (plans: ${known})`,
    };
  }
  return { kind: 'plan', name, plan };
}

/** CheckerResources are a checker pod's CPU (request and limit) and memory (request and limit). */
export interface CheckerResources {
  readonly cpu: string;
  readonly cpuLimit: string;
  readonly memory: string;
}

/**
 * PlanGate is the plan's verdict on one object: allowed (with the checker resources of
 * its plan; undefined: the operator's configured ones), or not, with the Ready to report.
 */
export type PlanGate =
  | {
      readonly ok: true;
      readonly resources: CheckerResources | undefined;
      /**
       * queued: the object's runs are created suspended and wait for the namespace's run
       * queue (run-admission.ts) to start them within the plan's maxConcurrentRuns. Set in
       * every namespace under a plan; absent in one without.
       */
      readonly queued?: boolean;
    }
  | { readonly ok: false; readonly ready: ConditionInput };

/** runsQueued tells whether a gate's runs are created suspended, to wait for the run queue. */
export function runsQueued(gate: PlanGate): boolean {
  return gate.ok && gate.queued === true;
}

/** UNLIMITED is the gate of an object in a namespace without a plan. */
export const UNLIMITED: PlanGate = { ok: true, resources: undefined };

/** Rank is an object's place among its kind in its namespace, oldest first, counting from 0. */
export interface Rank {
  readonly index: number;
  readonly of: number;
}

/** CheckLimitInput is what the plan judges about one AwsCheck. */
export interface CheckLimitInput {
  readonly namespace: NamespacePlan;
  readonly name: string;
  readonly spec: AwsCheckSpec;
  /** The check's place among the namespace's AwsChecks. */
  readonly rank: Rank;
  /** The credential ref it uses, when it exists: its place among the namespace's refs. */
  readonly credential?: { readonly name: string; readonly rank: Rank } | undefined;
}

/**
 * checkGate judges one AwsCheck: inactive plans first (nothing runs), then every limit the
 * check breaks, all named in one message so one edit can fix them all.
 */
export function checkGate(input: CheckLimitInput): PlanGate {
  const { namespace } = input;
  if (namespace.kind === 'untenanted') return UNLIMITED;
  if (namespace.kind === 'unavailable') return unavailable(namespace.message);
  const { name: planName, plan } = namespace;
  if (!plan.active) return inactive(planName, 'AwsCheck');
  const problems = [
    countProblem('AwsCheck', input.name, input.rank, { planName, max: plan.maxChecks }),
    credentialProblem(input, planName, plan),
    serviceProblem(input.spec.service, planName, plan),
    regionProblem(input.spec.regions, planName, plan),
    scheduleProblem(input.spec, planName, plan),
  ].filter((problem): problem is string => problem !== undefined);
  if (problems.length > 0) return exceeded(problems.join('; '));
  return { ok: true, resources: planResources(plan), queued: true };
}

/** CredentialLimitInput is what the plan judges about one AwsCredentialRef. */
export interface CredentialLimitInput {
  readonly namespace: NamespacePlan;
  readonly name: string;
  readonly rank: Rank;
}

/** credentialGate judges one AwsCredentialRef: an active plan, and within its count. */
export function credentialGate(input: CredentialLimitInput): PlanGate {
  const { namespace } = input;
  if (namespace.kind === 'untenanted') return UNLIMITED;
  if (namespace.kind === 'unavailable') return unavailable(namespace.message);
  const { name: planName, plan } = namespace;
  if (!plan.active) return inactive(planName, 'AwsCredentialRef');
  const limit = { planName, max: plan.maxCredentialRefs };
  const problem = countProblem('AwsCredentialRef', input.name, input.rank, limit);
  return problem === undefined
    ? { ok: true, resources: planResources(plan), queued: true }
    : exceeded(problem);
}

/** planResources: the plan's checker CPU and memory, each its pod's request and limit. */
export function planResources(plan: Plan): CheckerResources {
  return { cpu: plan.checker.cpu, cpuLimit: plan.checker.cpu, memory: plan.checker.memory };
}

/**
 * rankOf is the place of `name` among `objects` (one kind, one namespace) ordered by
 * creationTimestamp, then name: after a downgrade the oldest keep running and the newest
 * are reported. Objects being deleted are not counted. Undefined: `name` is not among them.
 */
export function rankOf(
  objects: readonly {
    metadata?: { name?: string; creationTimestamp?: Date | string; deletionTimestamp?: unknown };
  }[],
  name: string,
): Rank | undefined {
  const live = objects
    .filter((o) => o.metadata?.deletionTimestamp === undefined)
    .map((o) => ({
      name: o.metadata?.name ?? '',
      created: new Date(o.metadata?.creationTimestamp ?? 0).getTime(),
    }))
    .sort((a, b) => a.created - b.created || a.name.localeCompare(b.name));
  const index = live.findIndex((o) => o.name === name);
  return index === -1 ? undefined : { index, of: live.length };
}

function countProblem(
  kind: 'AwsCheck' | 'AwsCredentialRef',
  name: string,
  rank: Rank,
  { planName, max }: { planName: string; max: number },
): string | undefined {
  if (rank.index < max) return undefined;
  return `the namespace has ${String(rank.of)} ${kind}s and plan ${planName} allows ${String(max)}; ${kind} ${name} is number ${String(rank.index + 1)} by age, so it is kept but does not run`;
}

function credentialProblem(
  input: CheckLimitInput,
  planName: string,
  plan: Plan,
): string | undefined {
  const { credential } = input;
  if (credential === undefined || credential.rank.index < plan.maxCredentialRefs) return undefined;
  return `it uses AwsCredentialRef ${credential.name}, number ${String(credential.rank.index + 1)} by age, and plan ${planName} allows ${String(plan.maxCredentialRefs)} AwsCredentialRefs`;
}

function serviceProblem(service: string, planName: string, plan: Plan): string | undefined {
  if ((plan.allowedServices as readonly string[]).includes(service)) return undefined;
  return `service ${service} is not in plan ${planName} (allowed: ${plan.allowedServices.join(', ')})`;
}

// regionProblem: a check without regions runs in its credential's one region.
function regionProblem(
  regions: readonly string[] | undefined,
  planName: string,
  plan: Plan,
): string | undefined {
  const count = regions?.length ?? 1;
  if (regions === undefined || count <= plan.maxRegionsPerCheck) return undefined;
  return `${String(count)} regions (${regions.join(', ')}); plan ${planName} allows at most ${String(plan.maxRegionsPerCheck)} regions per check`;
}

function scheduleProblem(spec: AwsCheckSpec, planName: string, plan: Plan): string | undefined {
  const floor = plan.minScheduleIntervalSeconds;
  let gap: number | undefined;
  try {
    gap = shortestGapSeconds(spec.schedule, spec.timeZone, floor);
  } catch {
    return undefined; // an unreadable schedule is the planner's InvalidConfiguration
  }
  if (gap === undefined || gap >= floor) return undefined;
  return `schedule "${spec.schedule}" runs every ${formatDuration(gap)}; plan ${planName} allows at most one run every ${formatDuration(floor)}`;
}

const MACROS: Readonly<Record<string, string>> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
};

/** GAP_WINDOW_START is where the fire times are read: a leap year that begins on a Monday. */
export const GAP_WINDOW_START = new Date('2024-01-01T00:00:00Z');
/** GAP_WINDOW_END ends the window after that whole year and a day (its last night's gap). */
export const GAP_WINDOW_END = new Date('2025-01-02T00:00:00Z');
/** GAP_MAX_RUNS bounds the work: a week of runs every five minutes. */
export const GAP_MAX_RUNS = 2016;

const gapMemo = new Map<string, number | undefined>();
const GAP_MEMO_SIZE = 1024;

/**
 * shortestGapSeconds is the shortest time between two consecutive fire times of a cron
 * schedule on its time zone's wall clock (default UTC), or undefined when it fires at most
 * once in the window.
 *
 * The rule: gaps are read on the zone's wall clock, as the schedule is written, so a
 * daylight-saving change never makes `@daily` (or a daily `0 2 * * *`, whose 02:00 the
 * spring-forward skips) a 23-hour gap or `0 1,3 * * *` a one-hour one, and a fire time the
 * clock's fall-back repeats is not a gap. A cron schedule names wall-clock fields, so its
 * wall-clock fire times are the same in every zone: they are read in UTC, where the clock
 * never jumps, and the zone is only checked to be one the CronJob controller knows (an
 * unknown zone throws, like an unreadable schedule). Fire times are read with cron-parser
 * from GAP_WINDOW_START, a fixed instant, so the verdict on a schedule never changes with
 * the day it is judged, until the first of (a) the end of that year, so every weekday,
 * month end and leap day is seen, (b) GAP_MAX_RUNS fire times, which still covers a week
 * for any schedule running at most every five minutes (every hour, weekday and their
 * cross-day gaps), and (c) the first gap shorter than `floorSeconds`, which settles the
 * verdict. Results are remembered per schedule and floor.
 */
export function shortestGapSeconds(
  schedule: string,
  timeZone: string | undefined,
  floorSeconds: number,
): number | undefined {
  if (timeZone !== undefined) assertTimeZone(timeZone);
  const key = `${schedule}\u0000${String(floorSeconds)}`;
  if (gapMemo.has(key)) return gapMemo.get(key);
  const gap = readShortestGap(schedule, floorSeconds);
  if (gapMemo.size >= GAP_MEMO_SIZE) gapMemo.clear();
  gapMemo.set(key, gap);
  return gap;
}

// assertTimeZone throws a RangeError for a zone name the IANA database lacks.
function assertTimeZone(timeZone: string): void {
  Intl.DateTimeFormat('en', { timeZone });
}

function readShortestGap(schedule: string, floorSeconds: number): number | undefined {
  const times = CronExpressionParser.parse(MACROS[schedule] ?? schedule, {
    currentDate: GAP_WINDOW_START,
    endDate: GAP_WINDOW_END,
    tz: 'UTC',
  });
  let shortest: number | undefined;
  let previous: number | undefined;
  for (let run = 0; run < GAP_MAX_RUNS && times.hasNext(); run += 1) {
    const time = times.next().getTime();
    const gap = previous === undefined ? undefined : (time - previous) / 1000;
    previous = time;
    if (gap === undefined) continue;
    shortest = shortest === undefined ? gap : Math.min(shortest, gap);
    if (shortest < floorSeconds) break;
  }
  return shortest;
}

/** formatDuration renders seconds as days, hours, minutes and seconds: 90 → "1m30s", 3600 → "1h". */
export function formatDuration(seconds: number): string {
  const units: [number, string][] = [
    [86_400, 'd'],
    [3_600, 'h'],
    [60, 'm'],
    [1, 's'],
  ];
  let rest = Math.round(seconds);
  const parts: string[] = [];
  for (const [size, unit] of units) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${String(count)}${unit}`);
  }
  return parts.length === 0 ? '0s' : parts.join('');
}

function ready(reason: string, message: string): ConditionInput {
  return { type: 'Ready', status: 'False', reason, message };
}

function exceeded(message: string): PlanGate {
  return { ok: false, ready: ready(PLAN_LIMIT_EXCEEDED, message) };
}

function unavailable(message: string): PlanGate {
  return {
    ok: false,
    ready: ready(PLAN_UNAVAILABLE, `the plan of this tenant namespace is unknown: ${message}`),
  };
}

function inactive(planName: string, kind: string): PlanGate {
  return {
    ok: false,
    ready: ready(
      SUBSCRIPTION_INACTIVE,
      `plan ${planName} is not active (the subscription is unpaid or canceled): no ${kind} runs until it is; nothing is deleted`,
    ),
  };
}
