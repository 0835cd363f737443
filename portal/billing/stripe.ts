// The portal's Stripe client, built from config.stripe alone. STRIPE_API_URL points it at
// stripe-mock or the test environment's Checkout stand-in; unset, it talks to
// api.stripe.com. Every call is bounded: a few retries (with the SDK's idempotency keys
// on retried POSTs) and a timeout well below a browser's patience.
import Stripe from 'stripe';
import type { PortalConfig } from '../config.ts';

/** STRIPE_MAX_RETRIES bounds the SDK's own retries of network errors, 409s and 5xx. */
export const STRIPE_MAX_RETRIES = 2;

/** STRIPE_TIMEOUT_MS bounds one request to Stripe. */
export const STRIPE_TIMEOUT_MS = 10_000;

/** StripeAddress is where the SDK sends requests: host, port and protocol of a base URL. */
export interface StripeAddress {
  readonly host: string;
  readonly port: number;
  readonly protocol: 'http' | 'https';
}

/**
 * stripeAddress splits a Stripe API base URL into the SDK's host, port and protocol. A
 * path other than `/` is refused: the SDK cannot send requests under a prefix.
 */
export function stripeAddress(apiUrl: string): StripeAddress {
  const url = new URL(apiUrl);
  if (url.pathname !== '/' || url.search !== '')
    throw new Error(
      `STRIPE_API_URL must be an origin without a path, got ${url.origin}${url.pathname}`,
    );
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  const port = url.port === '' ? (protocol === 'http' ? 80 : 443) : Number(url.port);
  return { host: url.hostname, port, protocol };
}

/** createStripeClient is the portal's Stripe client for its configuration. */
export function createStripeClient(config: PortalConfig['stripe']): Stripe {
  const address = config.apiUrl === undefined ? {} : stripeAddress(config.apiUrl);
  return new Stripe(config.secretKey, {
    ...address,
    maxNetworkRetries: STRIPE_MAX_RETRIES,
    timeout: STRIPE_TIMEOUT_MS,
    telemetry: false,
    appInfo: { name: 'awscheck-portal' },
  });
}
