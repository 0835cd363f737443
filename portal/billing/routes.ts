// POST /billing/checkout and POST /billing/portal. Placeholder until the billing work
// lands. (To be replaced; see issue #9.)
import { Router } from 'express';
import type { PortalDeps } from '../deps.ts';

/** billingRouter serves the signed-in user's billing actions under /billing. */
export function billingRouter(deps: PortalDeps): Router {
  deps.log.debug('billing routes are not mounted yet');
  return Router();
}
