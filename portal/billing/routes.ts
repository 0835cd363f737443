// POST /billing/checkout and POST /billing/portal, for the signed-in user (mounted at
// /billing after the session and CSRF middleware, so the form body is parsed and its
// token checked; signed-out visitors are sent to sign in). Each gathers the facts, lets
// planCheckout decide, and does one thing.
import { Router, type Request, type Response } from 'express';
import { requireUser } from '../auth/session.ts';
import { signedInUser, type PortalDeps, type SignedInUser } from '../deps.ts';
import { portalError } from '../errors.ts';
import { planCheckout } from './checkout-plan.ts';
import { freePlanState } from './subscription-state.ts';
import { readTenantBilling } from './tenant-billing.ts';

/** userOf is the signed-in user; requireUser has sent everyone else to sign in. */
function userOf(res: Response): SignedInUser {
  const user = signedInUser(res);
  if (user === undefined) throw new Error('billing routes run after requireUser');
  return user;
}

/**
 * openCustomerPortal sends the tenant to Stripe's customer portal for its customer, or to
 * the pricing page when it has never paid (no customer to manage).
 */
async function openCustomerPortal(
  deps: PortalDeps,
  res: Response,
  customerId: string | undefined,
): Promise<void> {
  if (customerId === undefined) {
    res.redirect(303, `${deps.config.publicUrl}/`);
    return;
  }
  const session = await deps.stripe.billingPortal.sessions.create({
    customer: customerId,
    return_url: `${deps.config.publicUrl}/dashboard`,
  });
  res.redirect(303, session.url);
}

/** checkout serves POST /billing/checkout (form field `plan`). */
async function checkout(deps: PortalDeps, req: Request, res: Response): Promise<void> {
  const user = userOf(res);
  const [catalog, tenant] = await Promise.all([
    deps.catalog.current(),
    readTenantBilling(deps.kube.core, user.tenantId),
  ]);
  const form = (req.body ?? {}) as { plan?: unknown };
  const publicUrl = deps.config.publicUrl;
  const now = deps.now();
  const decided = planCheckout({ user, requestedPlan: form.plan, catalog, tenant, publicUrl, now });
  switch (decided.kind) {
    case 'refuse':
      throw portalError('BadForm');
    case 'portal':
      return openCustomerPortal(deps, res, tenant?.customerId);
    case 'dashboard':
      res.redirect(303, `${publicUrl}/dashboard`);
      return;
    case 'free': {
      const outcome = await deps.provisioner.provision(freePlanState(user.tenantId, now));
      deps.log.info({ namespace: outcome.namespace, result: outcome.result }, 'free plan chosen');
      res.redirect(303, `${publicUrl}/dashboard`);
      return;
    }
    case 'checkout': {
      const { params, idempotencyKey } = decided;
      const session = await deps.stripe.checkout.sessions.create(params, { idempotencyKey });
      if (session.url === null) throw new Error(`checkout session ${session.id} has no url`);
      res.redirect(303, session.url);
    }
  }
}

/** portal serves POST /billing/portal: the customer portal for cards and cancellation. */
async function portal(deps: PortalDeps, res: Response): Promise<void> {
  const user = userOf(res);
  const tenant = await readTenantBilling(deps.kube.core, user.tenantId);
  await openCustomerPortal(deps, res, tenant?.customerId);
}

/** billingRouter serves the signed-in user's billing actions under /billing. */
export function billingRouter(deps: PortalDeps): Router {
  const router = Router();
  router.use(requireUser);
  router.post('/checkout', (req, res) => checkout(deps, req, res));
  router.post('/portal', (_req, res) => portal(deps, res));
  return router;
}
