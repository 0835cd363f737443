// The Provisioner: makes a tenant's namespace say a state joined over what it records
// (join.ts), never going back. Thin: the objects come from planTenant, the order of writes
// is the rule kept here:
//   1. read the Namespace; refuse one labelled for another tenant; join the state over
//      what it records: nothing new → stale or unchanged (0 writes) when the provisioned
//      marker is at the recorded version;
//   2. apply the Namespace (labels, Stripe ids, versions) with its resourceVersion as a
//      precondition, so two portal replicas cannot move it back (409: read and decide again);
//   3. apply the children (quota, limits, ServiceAccount, RoleBinding, NetworkPolicy);
//   4. apply the Namespace again with the provisioned marker, last.
// A crash between 2 and 4 leaves the marker behind the version: the next delivery of
// any state, or resync(), finishes it. Provisioning of one tenant is serialized per process,
// resync's convergence of it included.
import { isDeepStrictEqual } from 'node:util';
import type { KubernetesObject, V1Namespace } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { planOf, type Plan, type PlanCatalog } from '../../operator/plans/catalog.ts';
import { TENANT_LABEL, tenantNamespace } from '../../operator/plans/tenancy.ts';
import type { CatalogSource, PortalKube } from '../deps.ts';
import { isConflict, provisionClient, type ProvisionClient } from './client.ts';
import { childDrifted } from './drift.ts';
import { joinStates } from './join.ts';
import { namespaceOf, planTenant, type ChildObject, type TenantPlan } from './plan.ts';
import { recordedOf, recordedState } from './recorded.ts';
import type { ProvisionOutcome, Provisioner, TenantState } from './tenant-state.ts';

/** MAX_CONFLICTS bounds how often one provisioning re-reads after losing a race. */
export const MAX_CONFLICTS = 5;

/** ResyncReport says what one resync found and did. */
export interface ResyncReport {
  /** Tenant namespaces seen. */
  readonly namespaces: number;
  /** Namespaces written to (unfinished provisioning, or a child off its plan). */
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

// planFor names the namespace, never the tenant id (a person's Cognito sub), in its error.
function planFor(catalog: PlanCatalog, state: TenantState): Plan {
  const plan = planOf(catalog, state.plan);
  if (plan === undefined)
    throw new Error(
      `namespace ${tenantNamespace(state.tenantId)} is on plan ${state.plan}, which the plan catalog does not define`,
    );
  return plan;
}

/**
 * ownedState is what a tenant's Namespace records, or undefined before its first full
 * apply; a Namespace of that name labelled for another tenant (or none) is refused, as
 * the dashboard refuses it (dashboard/tenant.ts).
 */
function ownedState(namespace: V1Namespace, tenantId: string): TenantState | undefined {
  const name = namespace.metadata?.name ?? '';
  if (namespace.metadata?.labels?.[TENANT_LABEL] !== tenantId)
    throw new Error(`namespace ${name} is not labelled for this tenant; refusing to provision it`);
  const recorded = recordedState(namespace);
  return 'unreadable' in recorded ? undefined : recorded;
}

type Step = ProvisionOutcome['result'] | 'retry';

async function applyChildren(writes: Writes, children: readonly ChildObject[]): Promise<void> {
  for (const child of children) await writes.apply(child);
}

/** Decision is what reading the Namespace decided: done, or what to write. */
type Decision =
  | { readonly done: 'stale' | 'unchanged' }
  | {
      readonly current: V1Namespace | undefined;
      readonly target: TenantState;
      /** The Namespace does not say `target` yet (else only children and marker are due). */
      readonly behind: boolean;
    };

async function decide(client: ProvisionClient, state: TenantState): Promise<Decision> {
  const current = await client.readNamespace(tenantNamespace(state.tenantId));
  const recorded = current === undefined ? undefined : ownedState(current, state.tenantId);
  if (recorded === undefined) return { current, target: state, behind: true };
  const target = joinStates(recorded, state);
  if (target.version !== recorded.version) return { current, target, behind: true };
  if (recordedOf(current as V1Namespace).provisioned === recorded.version)
    return { done: state.version === recorded.version ? 'unchanged' : 'stale' };
  return { current, target, behind: false };
}

// write creates the Namespace when absent (only its name and tenant label: a create fails
// with 409 if another replica won), applies it when it does not say the target yet, then
// the children, then the marker; both Namespace applies carry the resourceVersion they follow.
async function write(
  writes: Writes,
  catalog: PlanCatalog,
  decision: Exclude<Decision, { done: unknown }>,
): Promise<void> {
  const { target } = decision;
  const planned = planTenant(target, planFor(catalog, target));
  if (decision.current !== undefined && childrenInPlace(decision.current, planned, catalog)) {
    await writes.apply(
      namespaceOf(target, {
        resourceVersion: decision.current.metadata?.resourceVersion,
        provisioned: true,
      }),
    );
    return;
  }
  const name = tenantNamespace(target.tenantId);
  let current =
    decision.current ??
    (await writes.create({ metadata: { name, labels: { [TENANT_LABEL]: target.tenantId } } }));
  if (decision.behind)
    current = await writes.apply(
      namespaceOf(target, { resourceVersion: current.metadata?.resourceVersion }),
    );
  await applyChildren(writes, planned.children);
  await writes.apply(
    namespaceOf(target, { resourceVersion: current.metadata?.resourceVersion, provisioned: true }),
  );
}

/**
 * childrenInPlace: the Namespace's marker says the children of the state it records were
 * applied, and the target's children are the same objects (a new version on the same
 * plan: a renewal, a status that keeps the plan, a duplicate of another subscription's
 * event). Then one Namespace apply, the version and the marker together, is the whole
 * provisioning: atomic, so no crash can leave it half done. Drift of the children since
 * is the resync's to repair, as for an unchanged state.
 */
function childrenInPlace(current: V1Namespace, planned: TenantPlan, catalog: PlanCatalog): boolean {
  const marked = recordedOf(current);
  if (marked.version === undefined || marked.provisioned !== marked.version) return false;
  const recorded = recordedState(current);
  if ('unreadable' in recorded) return false;
  const plan = planOf(catalog, recorded.plan);
  if (plan === undefined) return false;
  return isDeepStrictEqual(planTenant(recorded, plan).children, planned.children);
}

// attempt is one read-decide-write pass; 'retry' after losing a precondition race.
async function attempt(
  client: ProvisionClient,
  writes: Writes,
  catalog: PlanCatalog,
  state: TenantState,
): Promise<Step> {
  const decision = await decide(client, state);
  if ('done' in decision) return decision.done;
  try {
    await write(writes, catalog, decision);
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
  await applyChildren(writes, planTenant(recorded, planFor(catalog, recorded)).children);
}

type FullDeps = Required<Pick<ProvisionerDeps, 'client'>> & ProvisionerDeps;

async function provisionOnce(deps: FullDeps, state: TenantState): Promise<ProvisionOutcome> {
  const catalog = await deps.catalog.current();
  const namespace = tenantNamespace(state.tenantId);
  const writes = countingWrites(deps.client);
  for (let conflicts = 0; conflicts <= MAX_CONFLICTS; conflicts += 1) {
    const written = writes.count();
    const step = await attempt(deps.client, writes, catalog, state);
    if (step === 'retry') continue;
    if (step === 'stale' && written > 0)
      await repairChildren(deps.client, writes, catalog, namespace);
    return { result: step, namespace, writes: writes.count() };
  }
  throw new Error(
    `provisioning ${namespace} lost ${MAX_CONFLICTS + 1} races to concurrent writers in a row`,
  );
}

async function driftedChildren(
  client: ProvisionClient,
  children: readonly ChildObject[],
): Promise<ChildObject[]> {
  const drifted: ChildObject[] = [];
  for (const child of children)
    if (childDrifted(child, await client.readObject(child))) drifted.push(child);
  return drifted;
}

/**
 * convergeFresh converges one tenant from a fresh read of its Namespace (inside the
 * tenant's serialized section, so no older plan's objects land over a newer one's): an
 * unfinished provisioning is finished; otherwise each child that drifted from the recorded
 * state's plan is re-applied, and if the Namespace moved on meanwhile (another replica)
 * the children of what it records now are applied again.
 */
async function convergeFresh(deps: FullDeps, name: string, tenantId: string): Promise<number> {
  const fresh = await deps.client.readNamespace(name);
  if (fresh === undefined) return 0;
  const state = ownedState(fresh, tenantId);
  if (state === undefined) throw new Error(`namespace ${name} records no tenant state`);
  const recorded = recordedOf(fresh);
  if (recorded.provisioned !== recorded.version) return (await provisionOnce(deps, state)).writes;
  const catalog = await deps.catalog.current();
  const children = planTenant(state, planFor(catalog, state)).children;
  const drifted = await driftedChildren(deps.client, children);
  if (drifted.length === 0) return 0;
  const writes = countingWrites(deps.client);
  await applyChildren(writes, drifted);
  const after = await deps.client.readNamespace(name);
  if (after !== undefined && recordedOf(after).version !== recorded.version)
    await repairChildren(deps.client, writes, catalog, name);
  return writes.count();
}

/**
 * createProvisioner makes the Provisioner of the portal. resync() lists every tenant
 * namespace and converges each from a fresh read (convergeFresh): unfinished provisioning,
 * and children that drifted from the plan the catalog now says (quota, limits,
 * ServiceAccount, RoleBinding, NetworkPolicy).
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

  // waiting joins the states of a tenant that wait behind its running provisioning: the
  // first of them to run applies their join (the newest of each fact) in one pass, and the
  // rest find it in place (0 writes), so a burst of deliveries costs one provisioning.
  const waiting = new Map<string, TenantState>();

  const provision = async (state: TenantState): Promise<ProvisionOutcome> => {
    const queued = waiting.get(state.tenantId);
    waiting.set(state.tenantId, queued === undefined ? state : joinStates(queued, state));
    return serialized(state.tenantId, async () => {
      // Its own state too: a join that took it may have failed, and a 200 must cover it.
      const joined = waiting.get(state.tenantId);
      waiting.delete(state.tenantId);
      const target = joined === undefined ? state : joinStates(joined, state);
      const outcome = await provisionOnce(full, target);
      full.log.info(
        { plan: target.plan, version: target.version, ...outcome },
        'tenant provisioning',
      );
      return outcome;
    });
  };

  const converge = async (namespace: V1Namespace): Promise<number> => {
    const name = namespace.metadata?.name ?? '';
    const tenantId = namespace.metadata?.labels?.[TENANT_LABEL] ?? '';
    if (tenantNamespace(tenantId) !== name)
      throw new Error(`namespace ${name} is labelled for a tenant whose namespace it is not`);
    return serialized(tenantId, async () => convergeFresh(full, name, tenantId));
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
