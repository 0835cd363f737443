// The Provisioner: makes a tenant's namespace say a state, never an older one. Thin: the
// objects come from planTenant, the order of writes is the rule kept here:
//   1. read the Namespace; a newer recorded version → stale (0 writes); the same version
//      with the provisioned marker at it → unchanged (0 writes);
//   2. apply the Namespace (labels, Stripe ids, version) with its resourceVersion as a
//      precondition, so two portal replicas cannot move it back (409: read and decide again);
//   3. apply the children (quota, limits, ServiceAccount, RoleBinding, NetworkPolicy);
//   4. apply the Namespace again with the provisioned marker, last.
// A crash between 2 and 4 leaves the marker behind the version: the next delivery of
// any state, or resync(), finishes it. Provisioning of one tenant is serialized per process.
import type { KubernetesObject, V1Namespace, V1ResourceQuota } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { planOf, type Plan, type PlanCatalog } from '../../operator/plans/catalog.ts';
import { TENANT_LABEL, tenantNamespace } from '../../operator/plans/tenancy.ts';
import { parseQuantity } from '../../operator/quantity.ts';
import type { CatalogSource, PortalKube } from '../deps.ts';
import { isConflict, provisionClient, type ProvisionClient } from './client.ts';
import { namespaceOf, planTenant, quotaHard, type TenantPlan } from './plan.ts';
import { recordedOf, recordedState } from './recorded.ts';
import type { ProvisionOutcome, Provisioner, TenantState } from './tenant-state.ts';
import { compareVersions } from './version.ts';

/** MAX_CONFLICTS bounds how often one provisioning re-reads after losing a race. */
export const MAX_CONFLICTS = 5;

/** ResyncReport says what one resync found and did. */
export interface ResyncReport {
  /** Tenant namespaces seen. */
  readonly namespaces: number;
  /** Namespaces written to (unfinished provisioning, or a quota off its plan). */
  readonly converged: readonly string[];
  readonly writes: number;
  /** Namespaces that could not be converged, with the reason; the others were still done. */
  readonly failed: readonly { readonly namespace: string; readonly reason: string }[];
}

/** ProvisionerDeps: the portal's clients, its catalog and log; `client` replaces the writes (tests). */
export interface ProvisionerDeps {
  readonly kube: PortalKube;
  readonly catalog: CatalogSource;
  readonly log: Logger;
  readonly client?: ProvisionClient;
}

/** Writes counts every write request it makes, failed ones included. */
interface Writes {
  readonly count: () => number;
  apply<T extends KubernetesObject>(object: T): Promise<T>;
  create(namespace: V1Namespace): Promise<V1Namespace>;
}

function countingWrites(client: ProvisionClient): Writes {
  let count = 0;
  return {
    count: () => count,
    apply: async (object) => {
      count += 1;
      return client.apply(object);
    },
    create: async (namespace) => {
      count += 1;
      return client.createNamespace(namespace);
    },
  };
}

function planFor(catalog: PlanCatalog, state: TenantState): Plan {
  const plan = planOf(catalog, state.plan);
  if (plan === undefined)
    throw new Error(
      `tenant ${state.tenantId} is on plan ${state.plan}, which the plan catalog does not define`,
    );
  return plan;
}

type Step = ProvisionOutcome['result'] | 'retry';

async function applyChildren(writes: Writes, planned: TenantPlan): Promise<void> {
  for (const child of planned.children) await writes.apply(child);
}

/** Decision is what reading the Namespace decided: done, or what to write. */
type Decision =
  | { readonly done: 'stale' | 'unchanged' }
  | { readonly current: V1Namespace | undefined; readonly older: boolean };

async function decide(client: ProvisionClient, state: TenantState): Promise<Decision> {
  const current = await client.readNamespace(tenantNamespace(state.tenantId));
  const recorded = current === undefined ? undefined : recordedOf(current);
  const order =
    recorded?.version === undefined ? -1 : compareVersions(recorded.version, state.version);
  if (order > 0) return { done: 'stale' };
  if (order === 0 && recorded?.provisioned === state.version) return { done: 'unchanged' };
  return { current, older: order < 0 };
}

// write creates the Namespace when absent (only its name and tenant label: a create fails
// with 409 if another replica won), applies it when it records an older state, then the
// children, then the marker; both Namespace applies carry the resourceVersion they follow.
async function write(
  writes: Writes,
  state: TenantState,
  planned: TenantPlan,
  decision: { current: V1Namespace | undefined; older: boolean },
): Promise<void> {
  const name = tenantNamespace(state.tenantId);
  let current =
    decision.current ??
    (await writes.create({ metadata: { name, labels: { [TENANT_LABEL]: state.tenantId } } }));
  if (decision.older)
    current = await writes.apply(
      namespaceOf(state, { resourceVersion: current.metadata?.resourceVersion }),
    );
  await applyChildren(writes, planned);
  await writes.apply(
    namespaceOf(state, { resourceVersion: current.metadata?.resourceVersion, provisioned: true }),
  );
}

// attempt is one read-decide-write pass; 'retry' after losing a precondition race.
async function attempt(
  client: ProvisionClient,
  writes: Writes,
  state: TenantState,
  planned: TenantPlan,
): Promise<Step> {
  const decision = await decide(client, state);
  if ('done' in decision) return decision.done;
  try {
    await write(writes, state, planned, decision);
    return 'applied';
  } catch (error) {
    if (isConflict(error)) return 'retry';
    throw error;
  }
}

// repairChildren re-applies the children of the state the Namespace records: after a lost
// race a newer state's children may have been overwritten by this attempt's older ones.
async function repairChildren(
  client: ProvisionClient,
  writes: Writes,
  catalog: PlanCatalog,
  name: string,
): Promise<void> {
  const current = await client.readNamespace(name);
  const recorded = current === undefined ? undefined : recordedState(current);
  if (recorded === undefined || 'unreadable' in recorded) return;
  await applyChildren(writes, planTenant(recorded, planFor(catalog, recorded)));
}

async function provisionOnce(
  deps: Required<Pick<ProvisionerDeps, 'client'>> & ProvisionerDeps,
  state: TenantState,
): Promise<ProvisionOutcome> {
  const catalog = await deps.catalog.current();
  const planned = planTenant(state, planFor(catalog, state));
  const namespace = tenantNamespace(state.tenantId);
  const writes = countingWrites(deps.client);
  for (let conflicts = 0; conflicts <= MAX_CONFLICTS; conflicts += 1) {
    const written = writes.count();
    const step = await attempt(deps.client, writes, state, planned);
    if (step === 'retry') continue;
    if (step === 'stale' && written > 0)
      await repairChildren(deps.client, writes, catalog, namespace);
    return { result: step, namespace, writes: writes.count() };
  }
  throw new Error(
    `provisioning ${namespace} lost ${MAX_CONFLICTS + 1} races to concurrent writers in a row`,
  );
}

const sameQuantities = (want: Record<string, string>, have: Record<string, string>): boolean =>
  Object.keys(want).length === Object.keys(have).length &&
  Object.entries(want).every(
    ([key, value]) => have[key] !== undefined && parseQuantity(have[key]) === parseQuantity(value),
  );

function quotaLags(quota: V1ResourceQuota | undefined, plan: Plan): boolean {
  return quota === undefined || !sameQuantities(quotaHard(plan), quota.spec?.hard ?? {});
}

/**
 * createProvisioner makes the Provisioner of the portal. resync() lists every tenant
 * namespace and converges those whose provisioning was left unfinished (marker behind the
 * version) or whose quota no longer matches the catalog's plan, from what each records.
 */
export function createProvisioner(
  deps: ProvisionerDeps,
): Provisioner & { resync(): Promise<ResyncReport> } {
  const full = { ...deps, client: deps.client ?? provisionClient(deps.kube) };
  const queues = new Map<string, Promise<unknown>>();

  // serialized runs `work` after every earlier provisioning of the same tenant.
  const serialized = async <T>(tenantId: string, work: () => Promise<T>): Promise<T> => {
    const previous = queues.get(tenantId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    queues.set(tenantId, settled);
    void settled.then(() => {
      if (queues.get(tenantId) === settled) queues.delete(tenantId);
    });
    return next;
  };

  const provision = async (state: TenantState): Promise<ProvisionOutcome> =>
    serialized(state.tenantId, async () => {
      const outcome = await provisionOnce(full, state);
      full.log.info(
        { plan: state.plan, version: state.version, ...outcome },
        'tenant provisioning',
      );
      return outcome;
    });

  const converge = async (namespace: V1Namespace): Promise<number> => {
    const state = recordedState(namespace);
    if ('unreadable' in state) throw new Error(state.unreadable);
    const recorded = recordedOf(namespace);
    if (recorded.provisioned !== recorded.version) return (await provision(state)).writes;
    const catalog = await full.catalog.current();
    const plan = planFor(catalog, state);
    if (!quotaLags(await full.client.readQuota(tenantNamespace(state.tenantId)), plan)) return 0;
    return serialized(state.tenantId, async () => {
      const writes = countingWrites(full.client);
      await applyChildren(writes, planTenant(state, plan));
      return writes.count();
    });
  };

  const resync = async (): Promise<ResyncReport> => {
    const namespaces = await full.client.listTenantNamespaces();
    const converged: string[] = [];
    const failed: { namespace: string; reason: string }[] = [];
    let writes = 0;
    for (const namespace of namespaces) {
      const name = namespace.metadata?.name ?? '';
      try {
        const made = await converge(namespace);
        writes += made;
        if (made > 0) converged.push(name);
      } catch (error) {
        failed.push({ namespace: name, reason: (error as Error).message });
      }
    }
    const report = { namespaces: namespaces.length, converged, writes, failed };
    full.log.info(report, 'tenant resync');
    return report;
  };

  return { provision, resync };
}
