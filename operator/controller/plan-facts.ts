// Gathering what the plan rules judge: the catalog ConfigMap and the namespace's labels
// from the caches, and an object's place among its kind. The rules are in plan-limits.ts.
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { AwsCheck } from '../api/v1alpha1/awscheck.ts';
import type { AwsCredentialRef } from '../api/v1alpha1/awscredentialref.ts';
import type { Caches } from '../caches.ts';
import { CATALOG_CONFIGMAP, CATALOG_KEY, type PlanCatalog } from '../plans/catalog.ts';
import { catalogFromConfigMap } from '../plans/configmap.ts';
import type { ControllerContext } from './context.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { EventInput, EventSubject } from '../events.ts';
import { TENANT_LABEL } from '../plans/tenancy.ts';
import {
  checkGate,
  credentialGate,
  namespacePlan,
  rankOf,
  type CatalogState,
  type NamespacePlan,
  type PlanGate,
  UNLIMITED,
} from './plan-limits.ts';

/** CatalogReading is the catalog ConfigMap as last read, and the catalog in force. */
export interface CatalogReading {
  /** The ConfigMap's `uid/resourceVersion`; empty while it does not exist. */
  readonly version: string;
  /** The ConfigMap read (the last one seen, once it is deleted), for Events about it. */
  readonly configMap: V1ConfigMap | undefined;
  /** What the ConfigMap holds now: the catalog, or what is wrong with it. */
  readonly current: CatalogState;
  /** What the plan rules use: `current` when valid, else the last valid catalog kept. */
  readonly inForce: CatalogState;
  /** The version of the catalog in force when it is a kept one, not `current`. */
  readonly keptVersion?: string;
}

/**
 * CatalogKeeper holds the plan catalog in force for one operator process, as a server
 * holds its configuration across reloads: an edit of the catalog ConfigMap is applied
 * only when it is valid. Once a valid catalog has been seen, an invalid or deleted
 * ConfigMap keeps the last valid catalog in force, so one bad edit cannot stop every
 * tenant. This is not a silent fallback: reportCatalog says so once per version (an error
 * log, `awscheck_plan_catalog_valid 0`, a Warning Event on the ConfigMap naming the version
 * still in force), and the next valid edit applies. Until a valid catalog has been seen
 * since start there is nothing to keep: tenant checks stop with InvalidConfiguration
 * naming what is wrong, never a default catalog. Each version is parsed once.
 */
export class CatalogKeeper {
  #read: CatalogReading | undefined;
  #kept: { readonly version: string; readonly catalog: PlanCatalog } | undefined;
  #reported: string | undefined;

  /** read is the catalog the cache holds, and the one in force. */
  read(caches: Pick<Caches, 'catalog'>, namespace: string): CatalogReading {
    const configMap = caches.catalog.get(CATALOG_CONFIGMAP, namespace);
    const version = versionOf(configMap);
    if (this.#read?.version === version) return this.#read;
    const current = configMap === undefined ? missing(namespace) : readCatalog(configMap);
    if (current.ok) this.#kept = { version, catalog: current.catalog };
    const kept = this.#kept;
    const inForce =
      current.ok || kept === undefined
        ? { inForce: current }
        : { inForce: { ok: true, catalog: kept.catalog } as const, keptVersion: kept.version };
    this.#read = { version, configMap: configMap ?? this.#read?.configMap, current, ...inForce };
    return this.#read;
  }

  /** firstReport is true once per version read: whether to report it. */
  firstReport(reading: CatalogReading): boolean {
    if (this.#reported === reading.version) return false;
    this.#reported = reading.version;
    return true;
  }
}

function versionOf(configMap: V1ConfigMap | undefined): string {
  if (configMap === undefined) return '';
  return `${configMap.metadata?.uid ?? ''}/${configMap.metadata?.resourceVersion ?? ''}`;
}

function missing(namespace: string): CatalogState {
  return {
    ok: false,
    message: `the plan catalog, ConfigMap ${namespace}/${CATALOG_CONFIGMAP} (key ${CATALOG_KEY}), does not exist`,
  };
}

function readCatalog(configMap: V1ConfigMap): CatalogState {
  try {
    return { ok: true, catalog: catalogFromConfigMap(configMap) };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/** namespacePlanOf is the plan the namespace is under, read from the caches. */
export function namespacePlanOf(context: ControllerContext, namespace: string): NamespacePlan {
  const labels = context.caches.namespaces.get(namespace)?.metadata?.labels;
  const reading = context.catalog.read(context.caches, context.config.namespace);
  return namespacePlan(labels, reading.inForce);
}

/** checkPlanGate is the plan's verdict on one AwsCheck (and the credential ref it uses). */
export function checkPlanGate(
  context: ControllerContext,
  check: AwsCheck,
  ref: AwsCredentialRef | undefined,
): PlanGate {
  const { namespace, name } = check.metadata;
  const plan = namespacePlanOf(context, namespace);
  if (plan.kind === 'untenanted') return UNLIMITED;
  const rank = rankOf(context.caches.checks.list(namespace), name) ?? ONLY;
  const credentials = context.caches.credentials.list(namespace);
  const refRank = ref === undefined ? undefined : rankOf(credentials, ref.metadata.name);
  return checkGate({
    namespace: plan,
    name,
    spec: check.spec,
    rank,
    credential: ref && refRank && { name: ref.metadata.name, rank: refRank },
  });
}

/** credentialPlanGate is the plan's verdict on one AwsCredentialRef. */
export function credentialPlanGate(context: ControllerContext, ref: AwsCredentialRef): PlanGate {
  const { namespace, name } = ref.metadata;
  const plan = namespacePlanOf(context, namespace);
  const rank = rankOf(context.caches.credentials.list(namespace), name) ?? ONLY;
  return credentialGate({ namespace: plan, name, rank });
}

// ONLY: an object the cache does not list yet (its own event is on the way) counts alone.
const ONLY = { index: 0, of: 1 };

/** CatalogReport is where the catalog's state is reported. */
export interface CatalogReport {
  readonly keeper: CatalogKeeper;
  readonly caches: Pick<Caches, 'catalog' | 'namespaces'>;
  readonly namespace: string;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** recordEvent records a Warning Event about the ConfigMap (operator/events.ts). */
  readonly recordEvent: (subject: EventSubject, event: EventInput) => Promise<void>;
}

/** CATALOG_REJECTED is the reason of the Warning Event on an invalid or deleted catalog. */
export const CATALOG_REJECTED = 'PlanCatalogRejected';

/**
 * reportCatalog says, once per version of the ConfigMap, whether the catalog can be used:
 * the gauges awscheck_plan_catalog_valid (the ConfigMap as it is) and
 * awscheck_plan_catalog_in_force (some catalog is enforced), and, when it cannot be used,
 * an error log and a Warning Event on the ConfigMap that say whether the last valid
 * catalog stays in force (which version) or tenant checks stop (no valid one since
 * start; each check's status names the ConfigMap). Without tenants a missing catalog
 * that was never valid is expected: no plan to enforce, an info log.
 */
export async function reportCatalog(report: CatalogReport): Promise<void> {
  const { keeper, caches, namespace, log, metrics } = report;
  const reading = keeper.read(caches, namespace);
  metrics.planCatalogValid.set(reading.current.ok ? 1 : 0);
  metrics.planCatalogInForce.set(reading.inForce.ok ? 1 : 0);
  if (!keeper.firstReport(reading)) return;
  const { current } = reading;
  if (current.ok) {
    log.info({ plans: Object.keys(current.catalog.plans) }, 'plan catalog loaded');
    return;
  }
  const tenants = caches.namespaces
    .list()
    .filter((n) => n.metadata?.labels?.[TENANT_LABEL] !== undefined).length;
  if (nothingToEnforce(reading, tenants)) {
    log.info({ err: current.message }, 'no plan catalog; no tenants');
    return;
  }
  const consequence = catalogConsequence(reading);
  log.error(
    { err: current.message, tenants, keptVersion: reading.keptVersion },
    `plan catalog unusable: ${consequence}`,
  );
  const subject = reading.configMap?.metadata;
  if (subject?.uid === undefined) return;
  await report.recordEvent(
    { apiVersion: 'v1', kind: 'ConfigMap', name: CATALOG_CONFIGMAP, namespace, uid: subject.uid },
    {
      type: 'Warning',
      reason: CATALOG_REJECTED,
      message: `${current.message}; ${consequence}`,
      key: `catalog/${reading.version}`,
    },
  );
}

// nothingToEnforce: no ConfigMap, none kept, no tenant: a cluster that sells no plans.
function nothingToEnforce(reading: CatalogReading, tenants: number): boolean {
  return reading.version === '' && reading.keptVersion === undefined && tenants === 0;
}

// catalogConsequence says what an unusable catalog means for tenants.
function catalogConsequence(reading: CatalogReading): string {
  if (reading.keptVersion === undefined)
    return 'no valid plan catalog was seen since the operator started, so no check in a tenant namespace runs until it is fixed';
  const resourceVersion = reading.keptVersion.slice(reading.keptVersion.indexOf('/') + 1);
  return `the last valid catalog (resourceVersion ${resourceVersion}) stays in force until a valid edit`;
}
