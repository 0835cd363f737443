// The stand-in for Stripe's hosted pages (test/env/checkout-standin.ts): the real Stripe
// SDK talks to it as to Stripe, stripe-mock still validates every request, and paying,
// cancelling and failing payments send correctly signed events a portal can apply.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { defaultCatalog } from '../../operator/plans/catalog.ts';
import { stateFromSubscriptionEvent } from '../../portal/billing/subscription-state.ts';
import { createStripeClient } from '../../portal/billing/stripe.ts';
import { startCheckoutStandIn, type CheckoutStandIn } from '../env/checkout-standin.ts';

const env = inject('testenv');
const secret = 'whsec_standintest';
const catalog = defaultCatalog();

interface Receiver {
  readonly url: string;
  readonly events: Stripe.Event[];
  answer: number;
  close(): Promise<void>;
}

/** receiver is a webhook endpoint that verifies each delivery as the portal does. */
async function receiver(): Promise<Receiver> {
  const verifier = new Stripe('sk_test_receiver').webhooks;
  const state = { events: [] as Stripe.Event[], answer: 200 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const header = req.headers['stripe-signature'] ?? '';
      state.events.push(verifier.constructEvent(Buffer.concat(chunks), header, secret, 300));
      res.writeHead(state.answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`,
    events: state.events,
    get answer(): number {
      return state.answer;
    },
    set answer(status: number) {
      state.answer = status;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

let hook: Receiver;
let standIn: CheckoutStandIn;
let stripe: Stripe;

beforeAll(async () => {
  hook = await receiver();
  standIn = await startCheckoutStandIn({
    stripeMockUrl: env.stripeApiBase,
    webhookUrl: () => hook.url,
    webhookSecret: secret,
  });
  stripe = createStripeClient({
    secretKey: env.stripeApiKey,
    webhookSecret: secret,
    apiUrl: standIn.url,
    toleranceSeconds: 300,
  });
});

afterAll(async () => {
  await standIn.stop();
  await hook.close();
});

type Who = { customer_email: string } | { customer: string };

const openSession = (
  tenant: string,
  who: Who = { customer_email: 'ada@example.com' },
  mode: Stripe.Checkout.SessionCreateParams.Mode = 'subscription',
): Promise<Stripe.Checkout.Session> =>
  stripe.checkout.sessions.create({
    mode,
    line_items: [{ price: 'price_team_monthly', quantity: 1 }],
    client_reference_id: tenant,
    metadata: { tenant },
    subscription_data: { metadata: { tenant } },
    ...who,
    success_url: 'http://portal.test/dashboard?checkout=success',
    cancel_url: 'http://portal.test/',
  });

const since = (count: number): Stripe.Event[] => hook.events.slice(count);

describe('checkout stand-in', () => {
  it('forwards other API requests to stripe-mock unchanged', async () => {
    const customer = await stripe.customers.create({ email: 'ada@example.com' });
    expect(customer.object).toBe('customer');
    await expect(
      stripe.customers.create({
        email: 'ada@example.com',
        bogus: 1,
      } as Stripe.CustomerCreateParams),
    ).rejects.toThrow(/additional properties/);
  });

  it('answers a Checkout session with its own pay page, and remembers what was sold', async () => {
    const session = await openSession('tenant-a');

    expect(session.url).toBe(`${standIn.url}/pay/${session.id}`);
    expect(standIn.sessions().find((s) => s.id === session.id)).toMatchObject({
      priceId: 'price_team_monthly',
      tenantId: 'tenant-a',
      customerEmail: 'ada@example.com',
      customerId: undefined,
      successUrl: 'http://portal.test/dashboard?checkout=success',
    });
    const page = await fetch(session.url ?? '');
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<form method="post" action="\/pay\/cs_\w+"><button/);
  });

  it('lets stripe-mock refuse an invalid Checkout request', async () => {
    await expect(openSession('tenant-a', undefined, 'sideways')).rejects.toThrow(/mode/);
  });

  it('answers a repeated idempotency key with the first session', async () => {
    const first = await openSession('tenant-b');
    const again = await stripe.checkout.sessions.create(
      {
        mode: 'subscription',
        line_items: [{ price: 'price_team_monthly', quantity: 1 }],
        success_url: 'http://x/',
      },
      { idempotencyKey: 'same-key' },
    );
    const replayed = await stripe.checkout.sessions.create(
      {
        mode: 'subscription',
        line_items: [{ price: 'price_team_monthly', quantity: 1 }],
        success_url: 'http://x/',
      },
      { idempotencyKey: 'same-key' },
    );
    expect(replayed.id).toBe(again.id);
    expect(again.id).not.toBe(first.id);
  });

  it('pays: signed checkout.session.completed then customer.subscription.created, then success_url', async () => {
    const before = hook.events.length;
    const session = await openSession('tenant-pay');

    const paid = await fetch(session.url ?? '', { method: 'POST', redirect: 'manual' });

    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe('http://portal.test/dashboard?checkout=success');
    const events = since(before);
    expect(events.map((e) => e.type)).toEqual([
      'checkout.session.completed',
      'customer.subscription.created',
    ]);
    const [completed, created] = events as [Stripe.Event, Stripe.Event];
    const subscription = created.data.object as Stripe.Subscription;
    expect(subscription).toMatchObject({
      object: 'subscription',
      status: 'active',
      metadata: { tenant: 'tenant-pay' },
      customer: expect.stringMatching(/^cus_/) as string,
    });
    expect(subscription.items.data.map((item) => item.price.id)).toEqual(['price_team_monthly']);
    expect((completed.data.object as Stripe.Checkout.Session).subscription).toBe(subscription.id);
    expect(completed.id).not.toBe(created.id);
    expect(created.created).toBeGreaterThan(completed.created);
    expect(Math.abs(created.created - Date.now() / 1000)).toBeLessThan(60);
    expect(stateFromSubscriptionEvent(created, catalog)).toMatchObject({
      tenantId: 'tenant-pay',
      plan: 'team',
      billing: {
        customerId: subscription.customer,
        subscriptionId: subscription.id,
        status: 'active',
      },
    });

    const again = await fetch(session.url ?? '', { method: 'POST', redirect: 'manual' });
    expect(again.status).toBe(303);
    expect(since(before)).toHaveLength(2);
  });

  it('sells to the existing customer a returning tenant names', async () => {
    const before = hook.events.length;
    const session = await openSession('tenant-back', {
      customer: 'cus_returning',
      customer_email: undefined,
    });
    const subscription = await standIn.pay(session.id);

    expect(subscription.customerId).toBe('cus_returning');
    expect((since(before)[1]?.data.object as Stripe.Subscription).customer).toBe('cus_returning');
  });

  it('serves the customer portal page with its three buttons, each sending its event', async () => {
    const session = await openSession('tenant-portal');
    const subscription = await standIn.pay(session.id);
    const portal = await stripe.billingPortal.sessions.create({
      customer: subscription.customerId,
      return_url: 'http://portal.test/dashboard',
    });
    expect(portal.url).toBe(`${standIn.url}/billing/${subscription.customerId}`);
    const page = await (await fetch(portal.url)).text();
    expect(page).toContain('Cancel subscription');
    expect(page).toContain('Payment fails');
    expect(page).toContain('Pay again');
    expect(page).toContain('href="http://portal.test/dashboard"');

    const plans: string[] = [];
    for (const [action, type, status] of [
      ['fail', 'customer.subscription.updated', 'unpaid'],
      ['pay', 'customer.subscription.updated', 'active'],
      ['cancel', 'customer.subscription.deleted', 'canceled'],
    ] as const) {
      const before = hook.events.length;
      const pressed = await fetch(`${portal.url}/${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ subscription: subscription.id }),
        redirect: 'manual',
      });
      expect(pressed.status).toBe(303);
      const [event, ...rest] = since(before);
      expect(rest).toEqual([]);
      expect(event?.type).toBe(type);
      expect((event?.data.object as Stripe.Subscription).status).toBe(status);
      const state = stateFromSubscriptionEvent(event as Stripe.Event, catalog);
      plans.push('plan' in state ? state.plan : state.ignored);
    }
    expect(plans).toEqual(['suspended', 'team', 'suspended']);
  });

  it('fails the Pay button loudly when the portal refuses the events', async () => {
    const session = await openSession('tenant-refused');
    hook.answer = 500;
    try {
      const paid = await fetch(session.url ?? '', { method: 'POST', redirect: 'manual' });
      expect(paid.status).toBe(502);
      expect(await paid.text()).toContain('answered 500 to checkout.session.completed');
    } finally {
      hook.answer = 200;
    }
  });
});
