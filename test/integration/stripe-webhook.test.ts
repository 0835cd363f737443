// POST /webhooks/stripe on the portal app, against the real apiserver (the portal as its
// generated RBAC identity) and stripe-mock's event shapes. Every attack asserts the status
// code and that nothing changed: no namespace created, the resourceVersion kept, no write.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { V1Namespace } from '@kubernetes/client-node';
import { pino } from 'pino';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  PLAN_LABEL,
  SUBSCRIPTION_STATUS_ANNOTATION,
  TENANT_LABEL,
  tenantNamespace,
} from '../../operator/plans/tenancy.ts';
import { createApp } from '../../portal/app.ts';
import {
  loadFixtures,
  postEvent,
  signatureFor,
  type Delivery,
  type StripeFixtures,
} from '../env/stripe-events.ts';
import {
  newSubscription,
  provisionCounter,
  subscriptionEvent,
  type ProvisionCounter,
} from '../support/billing.ts';
import { createUserPool } from '../support/cognito.ts';
import {
  installCatalog,
  startPortal,
  TEST_WEBHOOK_SECRET,
  type TestPortal,
} from '../support/portal.ts';
import { portalIdentity } from '../support/portal-identity.ts';
import { countTenantNamespaces, readTenantNamespace } from '../support/provisioning.ts';

const env = inject('testenv');
const TEAM = 'price_team_monthly';
const BUSINESS = 'price_business_monthly';

let portal: TestPortal;
let counter: ProvisionCounter;
let fixtures: StripeFixtures;
let webhookUrl: string;

beforeAll(async () => {
  const pool = await createUserPool(env.awsEndpointUrl);
  const operatorNamespace = await installCatalog(env);
  const kubeconfig = await portalIdentity(env, operatorNamespace);
  counter = provisionCounter();
  portal = await startPortal(env, {
    pool,
    kubeconfig,
    operatorNamespace,
    makeProvisioner: counter.makeProvisioner,
  });
  webhookUrl = `${portal.url}/webhooks/stripe`;
  fixtures = await loadFixtures(env.stripeApiBase);
});

afterAll(async () => {
  await portal.close();
});

const nowSeconds = (): number => Math.floor(portal.clock.now().getTime() / 1000);

const namespaceOf = async (tenant: string): Promise<V1Namespace | undefined> =>
  readTenantNamespace(env.kubeconfig, tenant);

const tenantNamespaces = async (): Promise<number> => countTenantNamespaces(env.kubeconfig);

const deliver = (event: Stripe.Event, timestamp?: number): Promise<Delivery> =>
  postEvent(webhookUrl, TEST_WEBHOOK_SECRET, event, timestamp);

/** signedRaw posts raw bytes signed with `secret` (the portal's by default). */
async function signedRaw(payload: string, secret = TEST_WEBHOOK_SECRET): Promise<Delivery> {
  const answer = await fetch(webhookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'stripe-signature': signatureFor(payload, secret),
    },
    body: payload,
  });
  return { status: answer.status, body: await answer.text() };
}

/** untouched captures what an attack must leave alone, to compare afterwards. */
async function untouched(tenant: string): Promise<() => Promise<void>> {
  const [count, before, writes] = [
    await tenantNamespaces(),
    await namespaceOf(tenant),
    counter.writes(),
  ];
  return async () => {
    expect(await tenantNamespaces()).toBe(count);
    expect((await namespaceOf(tenant))?.metadata?.resourceVersion).toBe(
      before?.metadata?.resourceVersion,
    );
    expect(counter.writes()).toBe(writes);
  };
}

function paidTeam(tenant: string, created = nowSeconds()): Stripe.Event {
  const subscription = newSubscription(tenant, TEAM, created - 60);
  return subscriptionEvent(fixtures, subscription, {
    type: 'customer.subscription.created',
    status: 'active',
    created,
  });
}

describe('POST /webhooks/stripe', () => {
  it('provisions the tenant a signed subscription event names, on its plan', async () => {
    const tenant = randomUUID();
    const writes = counter.writes();

    const answer = await deliver(paidTeam(tenant));

    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ received: true, duplicate: false });
    const namespace = await namespaceOf(tenant);
    expect(namespace?.metadata?.labels).toMatchObject({
      [TENANT_LABEL]: tenant,
      [PLAN_LABEL]: 'team',
    });
    expect(counter.writes()).toBeGreaterThan(writes);
  });

  it('refuses a forged signature with 400 and changes nothing', async () => {
    const tenant = randomUUID();
    const check = await untouched(tenant);

    const answer = await signedRaw(JSON.stringify(paidTeam(tenant)), 'whsec_forger');

    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ error: 'invalid signature' });
    await check();
  });

  it('refuses a delivery without a signature, or with a body changed after signing', async () => {
    const tenant = randomUUID();
    const check = await untouched(tenant);
    const payload = JSON.stringify(paidTeam(tenant));
    const unsigned = await fetch(webhookUrl, { method: 'POST', body: payload });
    const tampered = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'stripe-signature': signatureFor(payload, TEST_WEBHOOK_SECRET) },
      body: payload.replace(TEAM, BUSINESS),
    });

    expect([unsigned.status, tampered.status]).toEqual([400, 400]);
    await check();
  });

  it('refuses a replay signed outside the tolerance window with 400 and changes nothing', async () => {
    const tenant = randomUUID();
    const first = paidTeam(tenant);
    expect((await deliver(first)).status).toBe(200);
    const check = await untouched(tenant);
    const stale = nowSeconds() - portal.deps.config.stripe.toleranceSeconds - 1;
    const upgrade = subscriptionEvent(fixtures, newSubscription(tenant, BUSINESS, nowSeconds()), {
      type: 'customer.subscription.created',
      status: 'active',
      created: nowSeconds(),
    });

    const replayed = await deliver(first, stale);
    const staleUpgrade = await deliver(upgrade, stale);

    expect([replayed.status, staleUpgrade.status]).toEqual([400, 400]);
    expect(JSON.parse(staleUpgrade.body)).toEqual({ error: 'stale timestamp' });
    expect((await namespaceOf(tenant))?.metadata?.labels?.[PLAN_LABEL]).toBe('team');
    await check();
  });

  it('refuses a correctly signed body that is not JSON with 400 and changes nothing', async () => {
    const tenant = randomUUID();
    const check = await untouched(tenant);

    const answer = await signedRaw(JSON.stringify(paidTeam(tenant)).slice(0, 200));

    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ error: 'malformed JSON' });
    await check();
  });

  it('refuses a body over the size bound with 413 and changes nothing', async () => {
    const tenant = randomUUID();
    const check = await untouched(tenant);
    const event = paidTeam(tenant);
    (event.data.object as unknown as Record<string, unknown>).padding = 'x'.repeat(300_000);

    expect((await deliver(event)).status).toBe(413);
    await check();
  });

  it('acknowledges an unknown event type with 200 and changes nothing', async () => {
    const tenant = randomUUID();
    const check = await untouched(tenant);
    const created = paidTeam(tenant);
    const unknown = { ...created, type: 'invoice.paid' } as Stripe.Event;
    const future = { ...created, id: `${created.id}x`, type: 'customer.subscription.teleported' };

    const answers = [await deliver(unknown), await deliver(future as unknown as Stripe.Event)];

    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    await check();
  });

  it('applies a duplicated event once, sequential or concurrent', async () => {
    const tenant = randomUUID();
    const event = paidTeam(tenant);
    const writes = counter.writes();
    const first = await deliver(event);
    const applied = counter.writes() - writes;
    const check = await untouched(tenant);

    const again = [
      await deliver(event),
      ...(await Promise.all([1, 2, 3, 4, 5].map(() => deliver(event)))),
    ];

    expect(first.status).toBe(200);
    expect(applied).toBeGreaterThan(0);
    expect(again.map((a) => [a.status, JSON.parse(a.body) as unknown])).toEqual(
      again.map(() => [200, { received: true, duplicate: true }]),
    );
    await check();
  });

  it('lets concurrent first deliveries of one event share one provisioning', async () => {
    const tenant = randomUUID();
    const event = paidTeam(tenant);
    const outcomes = counter.outcomes.length;

    const answers = await Promise.all([1, 2, 3, 4, 5, 6].map(() => deliver(event)));

    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const duplicates = answers.filter(
      (a) => (JSON.parse(a.body) as { duplicate: boolean }).duplicate,
    );
    expect(duplicates).toHaveLength(5);
    expect(
      counter.outcomes.slice(outcomes).filter((o) => o.namespace === tenantNamespace(tenant)),
    ).toHaveLength(1);
  });

  it('ends reordered events on the newest state, writing only for the newer ones', async () => {
    const tenant = randomUUID();
    const t = nowSeconds() - 100;
    const subscription = newSubscription(tenant, TEAM, t);
    const upgraded = { ...subscription, priceId: BUSINESS };
    const events = [
      subscriptionEvent(fixtures, subscription, {
        type: 'customer.subscription.created',
        status: 'active',
        created: t + 1,
      }),
      subscriptionEvent(fixtures, upgraded, {
        type: 'customer.subscription.updated',
        status: 'active',
        created: t + 2,
      }),
      subscriptionEvent(fixtures, upgraded, {
        type: 'customer.subscription.updated',
        status: 'unpaid',
        created: t + 3,
      }),
      subscriptionEvent(fixtures, upgraded, {
        type: 'customer.subscription.updated',
        status: 'active',
        created: t + 4,
      }),
    ];
    const outcomes = counter.outcomes.length;
    const writes = counter.writes();

    const answers = [];
    for (const index of [2, 0, 3, 1]) answers.push(await deliver(events[index] as Stripe.Event));

    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    const results = counter.outcomes.slice(outcomes);
    expect(results.map((o) => o.result)).toEqual(['applied', 'stale', 'applied', 'stale']);
    expect(results.map((o) => o.writes > 0)).toEqual([true, false, true, false]);
    expect(counter.writes() - writes).toBe(results.reduce((sum, o) => sum + o.writes, 0));
    const namespace = await namespaceOf(tenant);
    expect(namespace?.metadata?.labels?.[PLAN_LABEL]).toBe('business');
    expect(namespace?.metadata?.annotations?.[SUBSCRIPTION_STATUS_ANNOTATION]).toBe('active');
  });

  it('answers 5xx when provisioning fails, and applies Stripe’s retry of the same event', async () => {
    const tenant = randomUUID();
    const event = paidTeam(tenant);
    counter.failWrites(1);

    const failed = await deliver(event);
    const retried = await deliver(event);

    expect(failed.status).toBe(503);
    expect(retried.status).toBe(200);
    expect(JSON.parse(retried.body)).toEqual({ received: true, duplicate: false });
    expect((await namespaceOf(tenant))?.metadata?.labels?.[PLAN_LABEL]).toBe('team');
  });

  it('logs the event id and outcome, never the signature, the payload or the customer', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done): void {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const app = createApp({ ...portal.deps, log: pino({ level: 'debug' }, sink) });
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`;
    try {
      const tenant = randomUUID();
      const event = paidTeam(tenant);
      const subscription = event.data.object as Stripe.Subscription;
      const payload = JSON.stringify(event);
      const signature = signatureFor(payload, TEST_WEBHOOK_SECRET);
      const send = (body: string, header: string): Promise<globalThis.Response> =>
        fetch(url, { method: 'POST', headers: { 'stripe-signature': header }, body });

      const statuses = [
        (await send(payload, signatureFor(payload, 'whsec_forger'))).status,
        (
          await send(
            payload.slice(0, 100),
            signatureFor(payload.slice(0, 100), TEST_WEBHOOK_SECRET),
          )
        ).status,
        (await send(payload, signature)).status,
        (await send(payload, signature)).status,
      ];

      expect(statuses).toEqual([400, 400, 200, 200]);
      const log = lines.join('');
      expect(log).toContain(event.id);
      expect(log).toContain(tenantNamespace(tenant));
      for (const secret of [
        signature,
        TEST_WEBHOOK_SECRET,
        tenant,
        subscription.customer as string,
        subscription.id,
      ])
        expect(log).not.toContain(secret);
    } finally {
      server.close();
    }
  });
});
