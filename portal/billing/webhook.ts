// POST /webhooks/stripe. Placeholder until the billing work lands: createApp mounts it
// before any body parser. (To be replaced; see issue #9.)
import { Router } from 'express';
import type { PortalDeps } from '../deps.ts';

/** stripeWebhookRouter serves POST /webhooks/stripe. */
export function stripeWebhookRouter(deps: PortalDeps): Router {
  deps.log.debug('billing routes are not mounted yet');
  return Router();
}
