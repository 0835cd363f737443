// A webhook delivery, verified: the Stripe signature over the raw bytes (with the SDK),
// the timestamp inside the tolerance window, then a JSON event of the shape Stripe sends.
// Refusals name the reason only; the header and payload (which the SDK's error carries)
// are never passed on, so nothing secret or personal reaches a log.
import type Stripe from 'stripe';
import { z } from 'zod';

/** WebhookRefusal is why a delivery was refused (each answered 400). */
export type WebhookRefusal =
  | 'missing signature'
  | 'invalid signature'
  | 'stale timestamp'
  | 'malformed JSON'
  | 'not a Stripe event';

/** VerifiedDelivery is the event of a delivery, or why it was refused. */
export type VerifiedDelivery =
  { readonly event: Stripe.Event } | { readonly refused: WebhookRefusal };

/** DeliveryCheck is what verification needs besides the delivery. */
export interface DeliveryCheck {
  readonly webhooks: Stripe.Webhooks;
  readonly secret: string;
  readonly toleranceSeconds: number;
  /** When the delivery was received, in milliseconds (the injected clock). */
  readonly receivedAtMs: number;
}

const EventEnvelope = z.looseObject({
  id: z.string().regex(/^evt_\w+$/),
  object: z.literal('event'),
  type: z.string().regex(/^[\w.]+$/),
  created: z.int().nonnegative(),
  data: z.looseObject({ object: z.looseObject({}) }),
});

/**
 * verifyDelivery checks one delivery: a signature header is required; the SDK verifies the
 * HMAC over the exact bytes and refuses timestamps older than the tolerance (a replay);
 * the body, once trusted, must parse as JSON and look like a Stripe event.
 */
export function verifyDelivery(
  body: unknown,
  signature: string | string[] | undefined,
  check: DeliveryCheck,
): VerifiedDelivery {
  if (typeof signature !== 'string' || signature === '') return { refused: 'missing signature' };
  const payload = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
  let event: unknown;
  try {
    event = check.webhooks.constructEvent(
      payload,
      signature,
      check.secret,
      check.toleranceSeconds,
      undefined,
      check.receivedAtMs,
    );
  } catch (error) {
    return { refused: refusalOf(error) };
  }
  return EventEnvelope.safeParse(event).success
    ? { event: event as Stripe.Event }
    : { refused: 'not a Stripe event' };
}

function refusalOf(error: unknown): WebhookRefusal {
  if (error instanceof SyntaxError) return 'malformed JSON';
  const message = error instanceof Error ? error.message : '';
  return message.startsWith('Timestamp outside the tolerance zone')
    ? 'stale timestamp'
    : 'invalid signature';
}
