// Stripe webhook events as Stripe sends them, for the test environment: built on
// stripe-mock's own fixtures (so every field Stripe's objects have is there), overlaid
// with the facts of one subscription, and delivered signed with the SDK's test header.
// Used by the Checkout stand-in, the webhook tests and the webhook-storm benchmark.
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { STRIPE_MOCK_API_KEY } from './stripe-mock.ts';

/** StandInSubscription is one subscription as the stand-in knows it. */
export interface StandInSubscription {
  readonly id: string;
  readonly customerId: string;
  readonly priceId: string;
  readonly tenantId: string;
  /** Seconds: when the subscription was created (its epoch for provisioning). */
  readonly created: number;
}

/** StripeFixtures are stripe-mock's sample objects the events are built on. */
export interface StripeFixtures {
  readonly event: Record<string, unknown>;
  readonly subscription: Record<string, unknown>;
  readonly checkoutSession: Record<string, unknown>;
}

type Json = Record<string, unknown>;

/** randomId is an id of Stripe's shape: the prefix, an underscore and 24 alphanumerics. */
export function randomId(prefix: string): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const bytes = randomBytes(24);
  return `${prefix}_${Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('')}`;
}

/** loadFixtures reads the sample objects from a stripe-mock. */
export async function loadFixtures(stripeMockUrl: string): Promise<StripeFixtures> {
  const get = async (path: string): Promise<Json> => {
    const answer = await fetch(`${stripeMockUrl}${path}`, {
      headers: { authorization: `Bearer ${STRIPE_MOCK_API_KEY}` },
    });
    if (!answer.ok) throw new Error(`stripe-mock answered ${answer.status} for GET ${path}`);
    return (await answer.json()) as Json;
  };
  const [event, subscription, checkoutSession] = await Promise.all([
    get('/v1/events/evt_fixture'),
    get('/v1/subscriptions/sub_fixture'),
    get('/v1/checkout/sessions/cs_fixture'),
  ]);
  return { event, subscription, checkoutSession };
}

const MONTH_SECONDS = 30 * 24 * 3600;

/** subscriptionObject is a whole Stripe subscription with this one's facts and status. */
export function subscriptionObject(
  fixtures: StripeFixtures,
  subscription: StandInSubscription,
  status: Stripe.Subscription.Status,
  at: number,
): Json {
  const items = fixtures.subscription.items as { data: Json[] };
  const item = items.data[0] ?? {};
  const ended = status === 'canceled' ? at : null;
  return {
    ...fixtures.subscription,
    id: subscription.id,
    customer: subscription.customerId,
    status,
    created: subscription.created,
    start_date: subscription.created,
    billing_cycle_anchor: subscription.created,
    metadata: { tenant: subscription.tenantId },
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: ended,
    ended_at: ended,
    items: {
      ...items,
      data: [
        {
          ...item,
          id: `si_${subscription.id.slice(4)}`,
          subscription: subscription.id,
          created: subscription.created,
          current_period_start: subscription.created,
          current_period_end: subscription.created + MONTH_SECONDS,
          price: { ...(item.price as Json), id: subscription.priceId },
        },
      ],
      total_count: 1,
      has_more: false,
      url: `/v1/subscription_items?subscription=${subscription.id}`,
    },
  };
}

/** CompletedSession is what a paid Checkout session says. */
export interface CompletedSession {
  readonly id: string;
  readonly subscription: StandInSubscription;
  readonly customerEmail: string | undefined;
  readonly successUrl: string;
  readonly cancelUrl: string | undefined;
}

/** checkoutSessionObject is a whole completed Checkout session. */
export function checkoutSessionObject(fixtures: StripeFixtures, session: CompletedSession): Json {
  return {
    ...fixtures.checkoutSession,
    id: session.id,
    mode: 'subscription',
    status: 'complete',
    payment_status: 'paid',
    customer: session.subscription.customerId,
    customer_email: session.customerEmail ?? null,
    subscription: session.subscription.id,
    client_reference_id: session.subscription.tenantId,
    metadata: { tenant: session.subscription.tenantId },
    success_url: session.successUrl,
    cancel_url: session.cancelUrl ?? null,
    url: null,
  };
}

/** eventOf wraps an object in a Stripe event of a type, created at `created` seconds. */
export function eventOf(
  fixtures: StripeFixtures,
  type: string,
  object: Json,
  created: number,
): Stripe.Event {
  return {
    ...fixtures.event,
    id: randomId('evt'),
    object: 'event',
    api_version: Stripe.API_VERSION,
    type,
    created,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: { object },
  } as unknown as Stripe.Event;
}

const signer = new Stripe(STRIPE_MOCK_API_KEY).webhooks;

/** signatureFor is the Stripe-Signature header of a payload, signed at `timestamp` seconds. */
export function signatureFor(payload: string, secret: string, timestamp?: number): string {
  return signer.generateTestHeaderString(
    timestamp === undefined ? { payload, secret } : { payload, secret, timestamp },
  );
}

/** Delivery is the portal's answer to one webhook delivery. */
export interface Delivery {
  readonly status: number;
  readonly body: string;
}

/** postEvent delivers one event, signed with the secret now (or at `timestamp`). */
export async function postEvent(
  webhookUrl: string,
  secret: string,
  event: Stripe.Event,
  timestamp?: number,
): Promise<Delivery> {
  const payload = JSON.stringify(event, null, 2);
  const answer = await fetch(webhookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      'stripe-signature': signatureFor(payload, secret, timestamp),
    },
    body: payload,
  });
  return { status: answer.status, body: await answer.text() };
}

/** deliverEvent delivers one event and fails unless the portal accepted it (2xx). */
export async function deliverEvent(
  webhookUrl: string,
  secret: string,
  event: Stripe.Event,
): Promise<void> {
  const answer = await postEvent(webhookUrl, secret, event);
  if (answer.status < 200 || answer.status >= 300)
    throw new Error(
      `the portal answered ${answer.status} to ${event.type} ${event.id}: ${answer.body.slice(0, 500)}`,
    );
}
