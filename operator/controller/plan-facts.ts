// Gathering what the plan rules judge: the catalog ConfigMap and the namespace's labels
// from the caches, and an object's place among its kind. The rules are in plan-limits.ts.
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { AwsCheck } from '../api/v1alpha1/awscheck.ts';
import type { AwsCredentialRef } from '../api/v1alpha1/awscredentialref.ts';
import type { Caches } from '../caches.ts';
import { CATALOG_CONFIGMAP, CATALOG_KEY } from '../plans/catalog.ts';
import { catalogFromConfigMap } from '../plans/configmap.ts';
import type { ControllerContext } from './context.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
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

let parsed: { readonly version: string; readonly state: CatalogState } | undefined;

/**
 * catalogState is the catalog the cache holds, parsed once per version of the ConfigMap.
 * A missing ConfigMap or key, bad YAML or a catalog the schema refuses is a state with the
 * message a person reads, never a default catalog.
 */
export function catalogState(caches: Pick<Caches, 'catalog'>, namespace: string): CatalogState {
  const configMap = caches.catalog.get(CATALOG_CONFIGMAP, namespace);
  if (configMap === undefined) {
    return {
      ok: false,
      message: `the plan catalog, ConfigMap ${namespace}/${CATALOG_CONFIGMAP} (key ${CATALOG_KEY}), does not exist`,
    };
  }
  const version = `${configMap.metadata?.uid ?? ''}/${configMap.metadata?.resourceVersion ?? ''}`;
  if (parsed?.version !== version) parsed = { version, state: readCatalog(configMap) };
  return parsed.state;
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
  return namespacePlan(labels, catalogState(context.caches, context.config.namespace));
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
  readonly caches: Pick<Caches, 'catalog' | 'namespaces'>;
  readonly namespace: string;
  readonly log: Logger;
  readonly metrics: Metrics;
}

/**
 * reportCatalog says, once per change of the ConfigMap, whether the catalog can be used:
 * the gauge awscheck_plan_catalog_valid, and an error log when it is invalid, or missing
 * while tenant namespaces exist (their checks do not run until it is fixed; each one's
 * status names the ConfigMap). Without tenants a missing catalog is expected: no plan to
 * enforce.
 */
export function reportCatalog({ caches, namespace, log, metrics }: CatalogReport): void {
  const state = catalogState(caches, namespace);
  metrics.planCatalogValid.set(state.ok ? 1 : 0);
  if (state.ok) {
    log.info({ plans: Object.keys(state.catalog.plans) }, 'plan catalog loaded');
    return;
  }
  const missing = caches.catalog.get(CATALOG_CONFIGMAP, namespace) === undefined;
  const tenants = caches.namespaces
    .list()
    .filter((n) => n.metadata?.labels?.[TENANT_LABEL] !== undefined).length;
  if (missing && tenants === 0) log.info({ err: state.message }, 'no plan catalog; no tenants');
  else log.error({ err: state.message, tenants }, 'plan catalog unusable: tenant checks stop');
}
