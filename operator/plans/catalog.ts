// The plan catalog: what each plan allows, parsed once with zod. One file (catalog.yaml
// beside this one) is shared by the portal, which sells and provisions plans, and the
// operator, which enforces what a ResourceQuota cannot say. In a cluster it is the
// ConfigMap `awscheck-plans` (key `catalog.yaml`), generated from that file.
import { parse as parseYaml } from 'yaml';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { SERVICE_NAMES } from '../checker/service-names.ts';
import { positiveQuantity as quantity } from '../quantity.ts';

/** PLAN_NAMES are the plans every catalog defines; `suspended` is the state of an unpaid tenant. */
export const PLAN_NAMES = ['free', 'team', 'business', 'suspended'] as const;
export type PlanName = (typeof PLAN_NAMES)[number];

/** SUSPENDED_PLAN is the plan label of a tenant whose subscription is inactive. */
export const SUSPENDED_PLAN: PlanName = 'suspended';

/** CATALOG_CONFIGMAP is the ConfigMap, in the operator's namespace, that ships the catalog. */
export const CATALOG_CONFIGMAP = 'awscheck-plans';

/** CATALOG_KEY is the ConfigMap key holding the catalog's YAML. */
export const CATALOG_KEY = 'catalog.yaml';

/** CATALOG_SOURCE is the catalog file, relative to the repository root. */
export const CATALOG_SOURCE = 'operator/plans/catalog.yaml';

const count = z.int().min(0);

/** Plan is one plan's limits. */
export const Plan = z.strictObject({
  displayName: z.string().min(1).describe('Name shown on the pricing page'),
  monthlyPriceCents: count.describe('Price per month in US cents; 0 for free plans'),
  stripePriceId: z
    .string()
    .regex(/^price_\w+$/, 'must be a Stripe price id (price_…)')
    .optional()
    .describe('The Stripe price Checkout sells; absent: no card is needed'),
  active: z
    .boolean()
    .describe(
      'Whether checks run (the operator reads only this); false is the state of an unpaid tenant',
    ),
  sellable: z
    .boolean()
    .describe(
      'Whether the pricing page and Checkout offer the plan; a sellable plan must be active',
    ),
  maxChecks: count.describe('AwsChecks a tenant may have (ResourceQuota and operator)'),
  maxCredentialRefs: count.describe('AwsCredentialRefs a tenant may have (ResourceQuota)'),
  minScheduleIntervalSeconds: z.int().positive().describe('Shortest gap between two runs'),
  maxRegionsPerCheck: z.int().positive().describe('Regions one AwsCheck may name'),
  allowedServices: z.array(z.enum(SERVICE_NAMES)).min(1).describe('Services checks may call'),
  checker: z
    .strictObject({ cpu: quantity, memory: quantity })
    .describe('CPU and memory of each checker pod (request and limit)'),
  maxConcurrentRuns: count.describe(
    'Checker Jobs that run at once (the operator’s run queue; more wait suspended)',
  ),
});
export type Plan = z.infer<typeof Plan>;

/** unrunnableForSale names the plans offered for sale whose checks would not run. */
function unrunnableForSale(plans: Readonly<Record<string, Plan>>): string[] {
  return Object.entries(plans)
    .filter(([, plan]) => plan.sellable && !plan.active)
    .map(([name]) => name);
}

/** PlanCatalog is every plan by name. */
export const PlanCatalog = z
  .strictObject({ plans: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,62}$/), Plan) })
  .superRefine((catalog, context) => {
    for (const name of PLAN_NAMES) {
      if (catalog.plans[name] === undefined)
        context.addIssue({ code: 'custom', path: ['plans', name], message: 'is required' });
    }
    const suspended = catalog.plans[SUSPENDED_PLAN];
    if (suspended?.active === true)
      context.addIssue({
        code: 'custom',
        path: ['plans', SUSPENDED_PLAN, 'active'],
        message: 'must be false',
      });
    if (suspended?.stripePriceId !== undefined)
      context.addIssue({
        code: 'custom',
        path: ['plans', SUSPENDED_PLAN, 'stripePriceId'],
        message: 'cannot be sold',
      });
    for (const name of unrunnableForSale(catalog.plans))
      context.addIssue({
        code: 'custom',
        path: ['plans', name, 'sellable'],
        message: 'cannot be true for a plan that is not active (its checks would not run)',
      });
    const prices = Object.values(catalog.plans).flatMap((plan) => plan.stripePriceId ?? []);
    if (new Set(prices).size !== prices.length)
      context.addIssue({
        code: 'custom',
        path: ['plans'],
        message: 'two plans share a stripePriceId',
      });
  });
export type PlanCatalog = z.infer<typeof PlanCatalog>;

/** parseCatalog reads a catalog's YAML or throws an error that names every bad field. */
export function parseCatalog(text: string, source: string): PlanCatalog {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new Error(`plan catalog ${source} is not YAML: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const parsed = PlanCatalog.safeParse(document);
  if (!parsed.success)
    throw new Error(`plan catalog ${source} is invalid:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** catalogFileText is the text of the catalog file shipped with the code. */
export function catalogFileText(): string {
  return readFileSync(new URL('./catalog.yaml', import.meta.url), 'utf8');
}

/** defaultCatalog is the catalog file shipped with the code, parsed. */
export function defaultCatalog(): PlanCatalog {
  return parseCatalog(catalogFileText(), CATALOG_SOURCE);
}

/** planOf is a plan by name, or undefined when the catalog has no such plan. */
export function planOf(catalog: PlanCatalog, name: string): Plan | undefined {
  return Object.hasOwn(catalog.plans, name) ? catalog.plans[name] : undefined;
}

/** planForPrice is the plan a Stripe price sells, or undefined. */
export function planForPrice(
  catalog: PlanCatalog,
  priceId: string,
): { name: string; plan: Plan } | undefined {
  const found = Object.entries(catalog.plans).find(([, plan]) => plan.stripePriceId === priceId);
  return found === undefined ? undefined : { name: found[0], plan: found[1] };
}

/**
 * sellablePlans are the plans the pricing page offers, cheapest first: those marked
 * `sellable` (never `active`, which says only whether checks run).
 */
export function sellablePlans(catalog: PlanCatalog): { name: string; plan: Plan }[] {
  return Object.entries(catalog.plans)
    .filter(([, plan]) => plan.sellable)
    .map(([name, plan]) => ({ name, plan }))
    .sort((a, b) => a.plan.monthlyPriceCents - b.plan.monthlyPriceCents);
}
