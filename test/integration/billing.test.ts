// Billing through the portal app, signed in through moto's Cognito, provisioning on the
// real apiserver as the portal's RBAC identity, Stripe being stripe-mock behind the
// Checkout stand-in: the free plan without a card, a paid plan through Checkout, the
// customer portal's cancel / payment failure / payment, and a return through Checkout.
import type { V1Namespace } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  PLAN_LABEL,
  STRIPE_CUSTOMER_ANNOTATION,
  SUBSCRIPTION_STATUS_ANNOTATION,
} from '../../operator/plans/tenancy.ts';
import {
  startCheckoutStandIn,
  type CheckoutStandIn,
  type OpenedSession,
} from '../env/checkout-standin.ts';
import { loadFixtures, postEvent, type StripeFixtures } from '../env/stripe-events.ts';
import {
  newSubscription,
  provisionCounter,
  subscriptionEvent,
  type ProvisionCounter,
} from '../support/billing.ts';
import {
  createConfirmedUser,
  createUserPool,
  type TestUser,
  type TestUserPool,
} from '../support/cognito.ts';
import {
  installCatalog,
  PortalBrowser,
  startPortal,
  TEST_WEBHOOK_SECRET,
  type PortalResponse,
  type TestPortal,
} from '../support/portal.ts';
import { portalIdentity } from '../support/portal-identity.ts';
import { countTenantNamespaces, readTenantNamespace } from '../support/provisioning.ts';

const env = inject('testenv');

let pool: TestUserPool;
let portal: TestPortal;
let standIn: CheckoutStandIn;
let counter: ProvisionCounter;
let fixtures: StripeFixtures;

beforeAll(async () => {
  pool = await createUserPool(env.awsEndpointUrl);
  const operatorNamespace = await installCatalog(env);
  const kubeconfig = await portalIdentity(env, operatorNamespace);
  let portalUrl = '';
  standIn = await startCheckoutStandIn({
    stripeMockUrl: env.stripeApiBase,
    webhookUrl: () => `${portalUrl}/webhooks/stripe`,
    webhookSecret: TEST_WEBHOOK_SECRET,
  });
  counter = provisionCounter();
  portal = await startPortal(env, {
    pool,
    kubeconfig,
    operatorNamespace,
    makeProvisioner: counter.makeProvisioner,
    env: { STRIPE_API_URL: standIn.url },
  });
  portalUrl = portal.url;
  fixtures = await loadFixtures(env.stripeApiBase);
});

afterAll(async () => {
  await portal.close();
  await standIn.stop();
});

const namespaceOf = async (user: TestUser): Promise<V1Namespace | undefined> =>
  readTenantNamespace(env.kubeconfig, user.sub);

const planOf = async (user: TestUser): Promise<string | undefined> =>
  (await namespaceOf(user))?.metadata?.labels?.[PLAN_LABEL];

const annotationOf = async (user: TestUser, key: string): Promise<string | undefined> =>
  (await namespaceOf(user))?.metadata?.annotations?.[key];

const tenantNamespaces = async (): Promise<number> => countTenantNamespaces(env.kubeconfig);

async function signedIn(): Promise<{ user: TestUser; browser: PortalBrowser }> {
  const user = await createConfirmedUser(pool);
  const browser = new PortalBrowser(portal.url);
  expect((await browser.signIn(user.email, user.password)).status).toBe(303);
  return { user, browser };
}

/** submit loads the pricing page (for its CSRF token) and posts a form to `path`. */
async function submit(
  browser: PortalBrowser,
  path: string,
  fields: Record<string, string> = {},
): Promise<PortalResponse> {
  await browser.get('/');
  return browser.post(path, fields);
}

/** press submits a form of the stand-in's pages, as the browser would, and follows nothing. */
async function press(url: string, fields: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
    redirect: 'manual',
  });
}

function sessionAt(location: string | null): OpenedSession {
  const id = /\/pay\/(cs_\w+)$/.exec(location ?? '')?.[1];
  const session = standIn.sessions().find((s) => s.id === id);
  if (session === undefined) throw new Error(`no stand-in session at ${String(location)}`);
  return session;
}

describe('POST /billing/checkout', () => {
  it('sends a signed-out visitor to sign in and provisions nothing', async () => {
    const browser = new PortalBrowser(portal.url);
    const [count, writes] = [await tenantNamespaces(), counter.writes()];

    await browser.get('/sign-in');
    const answer = await browser.post('/billing/checkout', { plan: 'team' });

    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe('/sign-in');
    expect([await tenantNamespaces(), counter.writes()]).toEqual([count, writes]);
  });

  it('refuses a plan that is not for sale with 400 and provisions nothing', async () => {
    const { user, browser } = await signedIn();
    const [count, writes, sessions] = [
      await tenantNamespaces(),
      counter.writes(),
      standIn.sessions().length,
    ];

    const answers = [
      await submit(browser, '/billing/checkout', { plan: 'platinum' }),
      await submit(browser, '/billing/checkout', { plan: 'suspended' }),
      await submit(browser, '/billing/checkout'),
    ];

    expect(answers.map((a) => a.status)).toEqual([400, 400, 400]);
    expect(await namespaceOf(user)).toBeUndefined();
    expect([await tenantNamespaces(), counter.writes(), standIn.sessions().length]).toEqual([
      count,
      writes,
      sessions,
    ]);
  });

  it('provisions the free plan without a card, once', async () => {
    const { user, browser } = await signedIn();
    const sessions = standIn.sessions().length;

    const chosen = await submit(browser, '/billing/checkout', { plan: 'free' });
    const writes = counter.writes();
    const resourceVersion = (await namespaceOf(user))?.metadata?.resourceVersion;
    const again = await submit(browser, '/billing/checkout', { plan: 'free' });

    expect([chosen.status, again.status]).toEqual([303, 303]);
    expect(chosen.headers.get('location')).toBe(`${portal.url}/dashboard`);
    expect(await planOf(user)).toBe('free');
    expect(
      (await namespaceOf(user))?.metadata?.annotations?.[STRIPE_CUSTOMER_ANNOTATION],
    ).toBeUndefined();
    expect(standIn.sessions().length).toBe(sessions);
    expect(counter.writes()).toBe(writes);
    expect((await namespaceOf(user))?.metadata?.resourceVersion).toBe(resourceVersion);
  });

  it('sends a tenant without a Stripe customer from the customer portal to the pricing page', async () => {
    const { browser } = await signedIn();
    const answer = await submit(browser, '/billing/portal');
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe(`${portal.url}/`);
  });
});

/** checkoutTeam opens Checkout for the team plan; a double submit reopens the same session. */
async function checkoutTeam(user: TestUser, browser: PortalBrowser): Promise<OpenedSession> {
  const checkout = await submit(browser, '/billing/checkout', { plan: 'team' });
  const doubled = await submit(browser, '/billing/checkout', { plan: 'team' });
  expect(checkout.status).toBe(303);
  expect(doubled.headers.get('location')).toBe(checkout.headers.get('location'));
  const session = sessionAt(checkout.headers.get('location'));
  expect(session).toMatchObject({
    priceId: 'price_team_monthly',
    tenantId: user.sub,
    customerEmail: user.email,
    customerId: undefined,
    successUrl: `${portal.url}/dashboard?checkout=success`,
  });
  expect(await namespaceOf(user)).toBeUndefined();
  return session;
}

/** pay presses Pay; the events provision the namespace before the browser returns. */
async function pay(session: OpenedSession): Promise<{ customer: string; subscription: string }> {
  const paid = await press(`${standIn.url}/pay/${session.id}`);
  expect(paid.status).toBe(303);
  expect(paid.headers.get('location')).toBe(`${portal.url}/dashboard?checkout=success`);
  if (session.paid === undefined) throw new Error(`session ${session.id} was not paid`);
  return { customer: session.paid.customerId, subscription: session.paid.id };
}

/** pressBillingButtons presses each button of the customer portal page, noting the namespace. */
async function pressBillingButtons(
  user: TestUser,
  billingPage: string,
  subscription: string,
): Promise<string[][]> {
  const steps: string[][] = [];
  for (const action of ['fail', 'pay', 'cancel']) {
    expect((await press(`${billingPage}/${action}`, { subscription })).status).toBe(303);
    const status = await annotationOf(user, SUBSCRIPTION_STATUS_ANNOTATION);
    steps.push([action, String(await planOf(user)), String(status)]);
  }
  return steps;
}

describe('the free plan beside a subscription', () => {
  it('sends an unpaid tenant to the customer portal, and keeps the customer when a canceled one chooses free', async () => {
    const { user, browser } = await signedIn();
    const { customer, subscription } = await pay(await checkoutTeam(user, browser));
    const billingPage = `${standIn.url}/billing/${customer}`;
    expect((await press(`${billingPage}/fail`, { subscription })).status).toBe(303);

    const unpaidChoosesFree = await submit(browser, '/billing/checkout', { plan: 'free' });

    expect(unpaidChoosesFree.headers.get('location')).toBe(billingPage);
    expect(await planOf(user)).toBe('suspended');

    expect((await press(`${billingPage}/cancel`, { subscription })).status).toBe(303);
    const canceledChoosesFree = await submit(browser, '/billing/checkout', { plan: 'free' });
    const manage = await submit(browser, '/billing/portal');

    expect(canceledChoosesFree.headers.get('location')).toBe(`${portal.url}/dashboard`);
    expect(await planOf(user)).toBe('free');
    expect(await annotationOf(user, STRIPE_CUSTOMER_ANNOTATION)).toBe(customer);
    expect(await annotationOf(user, SUBSCRIPTION_STATUS_ANNOTATION)).toBe('canceled');
    expect(manage.headers.get('location')).toBe(billingPage);
  });

  it('lets a paid subscription whose webhook comes late win over the free plan chosen meanwhile', async () => {
    const { user, browser } = await signedIn();
    const now = Math.floor(portal.clock.now().getTime() / 1000);
    const paid = newSubscription(user.sub, 'price_team_monthly', now - 60);
    const late = subscriptionEvent(fixtures, paid, {
      type: 'customer.subscription.created',
      status: 'active',
      created: now - 59,
    });

    await submit(browser, '/billing/checkout', { plan: 'free' });
    expect(await planOf(user)).toBe('free');
    const delivered = await postEvent(`${portal.url}/webhooks/stripe`, TEST_WEBHOOK_SECRET, late);

    expect(delivered.status).toBe(200);
    expect(await planOf(user)).toBe('team');
    expect(await annotationOf(user, STRIPE_CUSTOMER_ANNOTATION)).toBe(paid.customerId);
  });
});

describe('a paid plan through Checkout and the customer portal', () => {
  it('pays, loses and regains payment, cancels and comes back, its namespace following', async () => {
    const { user, browser } = await signedIn();

    const { customer, subscription } = await pay(await checkoutTeam(user, browser));
    expect(await planOf(user)).toBe('team');
    expect(await annotationOf(user, STRIPE_CUSTOMER_ANNOTATION)).toBe(customer);

    // A paying tenant choosing again is sent to the customer portal, as is "Manage billing".
    const billingPage = `${standIn.url}/billing/${customer}`;
    const again = await submit(browser, '/billing/checkout', { plan: 'business' });
    const manage = await submit(browser, '/billing/portal');
    expect([again.status, manage.status]).toEqual([303, 303]);
    expect([again.headers.get('location'), manage.headers.get('location')]).toEqual([
      billingPage,
      billingPage,
    ]);

    expect(await pressBillingButtons(user, billingPage, subscription)).toEqual([
      ['fail', 'suspended', 'unpaid'],
      ['pay', 'team', 'active'],
      ['cancel', 'suspended', 'canceled'],
    ]);

    // Back through Checkout, as the same Stripe customer.
    const back = await submit(browser, '/billing/checkout', { plan: 'business' });
    const returning = sessionAt(back.headers.get('location'));
    expect(returning).toMatchObject({
      customerId: customer,
      customerEmail: undefined,
      tenantId: user.sub,
    });
    await pay(returning);
    expect(await planOf(user)).toBe('business');
    expect(await annotationOf(user, STRIPE_CUSTOMER_ANNOTATION)).toBe(customer);
  });
});
