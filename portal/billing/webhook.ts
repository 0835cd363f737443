// POST /webhooks/stripe: Stripe's deliveries, verified on the raw body (this route only;
// createApp mounts the router before any body parser), applied once per event id, and
// answered so that Stripe retries exactly what failed: 400 for what no retry can fix
// (forged, replayed, malformed), 5xx when provisioning failed, 200 for everything applied,
// ignored or already applied. Logs carry the event id and type and the outcome (for a
// failure, its code and the cause's name and message, as errorLogFields keeps them), never
// the payload, the signature or anything about the person.
import express, { Router, type Request, type Response } from 'express';
import type Stripe from 'stripe';
import type { PortalDeps } from '../deps.ts';
import { errorLogFields, toPortalError } from '../errors.ts';
import type { ProvisionOutcome } from '../provisioning/tenant-state.ts';
import { createEventLedger, type EventLedger } from './event-ledger.ts';
import { stateFromSubscriptionEvent, SUBSCRIPTION_EVENTS } from './subscription-state.ts';
import { verifyDelivery } from './verify-delivery.ts';

/** WEBHOOK_PATH is where Stripe delivers events. */
export const WEBHOOK_PATH = '/webhooks/stripe';

/** WEBHOOK_BODY_LIMIT bounds a delivery; Stripe's events are far smaller. */
export const WEBHOOK_BODY_LIMIT = '256kb';

/** Applied is what one event did. */
type Applied =
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'provisioned'; readonly outcome: ProvisionOutcome };

const HANDLED: ReadonlySet<string> = new Set(SUBSCRIPTION_EVENTS);

/**
 * applyEvent turns a subscription event into the tenant state it asks for and provisions
 * it; every other event type is acknowledged without a read or a write.
 */
async function applyEvent(deps: PortalDeps, event: Stripe.Event): Promise<Applied> {
  if (!HANDLED.has(event.type))
    return { kind: 'ignored', reason: `event type ${event.type} is not handled` };
  const state = stateFromSubscriptionEvent(event, await deps.catalog.current());
  if ('ignored' in state) return { kind: 'ignored', reason: state.ignored };
  return { kind: 'provisioned', outcome: await deps.provisioner.provision(state) };
}

function logApplied(deps: PortalDeps, event: Stripe.Event, applied: Applied): void {
  const about = { eventId: event.id, eventType: event.type };
  if (applied.kind === 'ignored') {
    deps.log.info({ ...about, reason: applied.reason }, 'stripe event acknowledged, nothing to do');
    return;
  }
  const { namespace, result, writes } = applied.outcome;
  deps.log.info({ ...about, namespace, result, writes }, 'stripe event provisioned');
}

/** receiveDelivery handles one delivery. */
async function receiveDelivery(
  deps: PortalDeps,
  ledger: EventLedger,
  req: Request,
  res: Response,
): Promise<void> {
  const verified = verifyDelivery(req.body, req.headers['stripe-signature'], {
    webhooks: deps.stripe.webhooks,
    secret: deps.config.stripe.webhookSecret,
    toleranceSeconds: deps.config.stripe.toleranceSeconds,
    receivedAtMs: deps.now().getTime(),
  });
  if ('refused' in verified) {
    deps.log.warn({ reason: verified.refused }, 'stripe webhook refused');
    res.status(400).json({ error: verified.refused });
    return;
  }
  const { event } = verified;
  try {
    const result = await ledger.once(event.id, () => applyEvent(deps, event));
    if (result.duplicate) deps.log.debug({ eventId: event.id }, 'stripe event already applied');
    else logApplied(deps, event, result.value);
    res.status(200).json({ received: true, duplicate: result.duplicate });
  } catch (error) {
    const failure = toPortalError(error);
    const status = failure.status >= 500 ? failure.status : 500;
    deps.log.error(
      { eventId: event.id, eventType: event.type, ...errorLogFields(failure) },
      'stripe event not applied; Stripe will retry',
    );
    res.status(status).json({ error: 'not applied', code: failure.code });
  }
}

/** stripeWebhookRouter serves POST /webhooks/stripe, with its own raw body parser. */
export function stripeWebhookRouter(deps: PortalDeps): Router {
  const ledger = createEventLedger();
  const router = Router();
  router.post(
    WEBHOOK_PATH,
    express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT }),
    (req, res) => receiveDelivery(deps, ledger, req, res),
  );
  return router;
}
