// STAND-IN FOR STRIPE'S HOSTED PAGES (Checkout and the customer portal), for the test
// environment and `npm run dev` only; it never ships. Stripe's hosted pages cannot load
// here, so this small server on 127.0.0.1 plays their part, the way the pod runner plays
// a kubelet's: the portal is pointed at it as STRIPE_API_URL, and it forwards every Stripe
// API request to stripe-mock unchanged (stripe-mock validates them), except that
// - POST /v1/checkout/sessions: it remembers the session's price, tenant, customer or
//   email and return URLs, and answers with `url` = its own /pay/<session id> page;
//   a repeated Idempotency-Key gets the first answer again, as Stripe does;
// - POST /v1/billing_portal/sessions: `url` = its own /billing/<customer> page.
// Paying on /pay sends Stripe-signed events to the portal's webhook in Stripe's order
// (checkout.session.completed, customer.subscription.created `active`) and then returns
// to success_url. /billing has "Cancel subscription" (deleted, canceled), "Payment fails"
// (updated, unpaid) and "Pay again" (updated, active). Pages work without JavaScript.
import { appendFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type Stripe from 'stripe';
import type { ServerContext } from './processes.ts';
import {
  checkoutSessionObject,
  deliverEvent,
  eventOf,
  loadFixtures,
  randomId,
  subscriptionObject,
  type StandInSubscription,
  type StripeFixtures,
} from './stripe-events.ts';

/** CheckoutStandInOptions say where Stripe is (stripe-mock) and where the portal listens. */
export interface CheckoutStandInOptions {
  readonly stripeMockUrl: string;
  /** The portal's POST /webhooks/stripe; a function when the portal starts afterwards. */
  readonly webhookUrl: string | (() => string);
  readonly webhookSecret: string;
  /** With a context, each delivery is logged to `<runDir>/checkout-standin.log`. */
  readonly context?: ServerContext;
  /** The clock events are dated by (milliseconds); the real one by default. */
  readonly now?: () => number;
}

/** OpenedSession is a Checkout session the portal opened. */
export interface OpenedSession {
  readonly id: string;
  readonly priceId: string;
  readonly tenantId: string;
  readonly customerId: string | undefined;
  readonly customerEmail: string | undefined;
  readonly successUrl: string;
  readonly cancelUrl: string | undefined;
  /** The subscription paying created; undefined while unpaid. */
  paid: StandInSubscription | undefined;
}

/** CheckoutStandIn is a running stand-in. */
export interface CheckoutStandIn {
  /** Base URL: STRIPE_API_URL for the portal. */
  readonly url: string;
  /** sessions are the Checkout sessions opened so far, oldest first. */
  sessions(): readonly OpenedSession[];
  /** pay completes a session as the Pay button does and returns its subscription. */
  pay(sessionId: string): Promise<StandInSubscription>;
  /** cancel deletes a subscription (customer.subscription.deleted, canceled). */
  cancel(subscriptionId: string): Promise<void>;
  /** paymentFails marks it unpaid (customer.subscription.updated, unpaid). */
  paymentFails(subscriptionId: string): Promise<void>;
  /** payAgain marks it active again (customer.subscription.updated, active). */
  payAgain(subscriptionId: string): Promise<void>;
  stop(): Promise<void>;
}

type Json = Record<string, unknown>;

interface State {
  readonly options: CheckoutStandInOptions;
  readonly sessions: Map<string, OpenedSession>;
  readonly byIdempotencyKey: Map<string, string>;
  readonly subscriptions: Map<string, StandInSubscription>;
  readonly portalReturn: Map<string, string>;
  fixtures: Promise<StripeFixtures> | undefined;
  lastCreated: number;
  url: string;
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><p><strong>Test stand-in for Stripe's hosted pages</strong> (test environment only)</p>${body}</body></html>`;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** nextCreated dates an event: now, but strictly after the previous one, as clicks are. */
function nextCreated(state: State): number {
  const now = Math.floor((state.options.now ?? Date.now)() / 1000);
  state.lastCreated = Math.max(now, state.lastCreated + 1);
  return state.lastCreated;
}

function log(state: State, line: string): void {
  const context = state.options.context;
  if (context === undefined) return;
  appendFileSync(
    join(context.runDir, 'checkout-standin.log'),
    `${new Date().toISOString()} ${line}\n`,
  );
}

async function send(state: State, type: string, object: Json, created: number): Promise<void> {
  const fixtures = await (state.fixtures ??= loadFixtures(state.options.stripeMockUrl));
  const event = eventOf(fixtures, type, object, created);
  const { webhookUrl } = state.options;
  await deliverEvent(
    typeof webhookUrl === 'string' ? webhookUrl : webhookUrl(),
    state.options.webhookSecret,
    event,
  );
  log(state, `delivered ${event.type} ${event.id}`);
}

async function sendSubscription(
  state: State,
  type: string,
  subscription: StandInSubscription,
  status: Stripe.Subscription.Status,
): Promise<void> {
  const fixtures = await (state.fixtures ??= loadFixtures(state.options.stripeMockUrl));
  const created = nextCreated(state);
  await send(state, type, subscriptionObject(fixtures, subscription, status, created), created);
}

async function pay(state: State, sessionId: string): Promise<StandInSubscription> {
  const session = state.sessions.get(sessionId);
  if (session === undefined) throw new Error(`no checkout session ${sessionId}`);
  if (session.paid !== undefined) return session.paid;
  const created = nextCreated(state);
  const subscription: StandInSubscription = {
    id: randomId('sub'),
    customerId: session.customerId ?? randomId('cus'),
    priceId: session.priceId,
    tenantId: session.tenantId,
    created,
  };
  session.paid = subscription;
  state.subscriptions.set(subscription.id, subscription);
  const fixtures = await (state.fixtures ??= loadFixtures(state.options.stripeMockUrl));
  const completed = checkoutSessionObject(fixtures, { ...session, subscription });
  await send(state, 'checkout.session.completed', completed, created);
  await sendSubscription(state, 'customer.subscription.created', subscription, 'active');
  return subscription;
}

function subscriptionOf(state: State, id: string): StandInSubscription {
  const subscription = state.subscriptions.get(id);
  if (subscription === undefined) throw new Error(`no subscription ${id}`);
  return subscription;
}

/** rememberSession records a Checkout session from the request the portal sent. */
function rememberSession(state: State, request: URLSearchParams, answer: Json): OpenedSession {
  const id = String(answer.id);
  const session: OpenedSession = {
    id,
    priceId: request.get('line_items[0][price]') ?? '',
    tenantId:
      request.get('subscription_data[metadata][tenant]') ?? request.get('metadata[tenant]') ?? '',
    customerId: request.get('customer') ?? undefined,
    customerEmail: request.get('customer_email') ?? undefined,
    successUrl: request.get('success_url') ?? '',
    cancelUrl: request.get('cancel_url') ?? undefined,
    paid: undefined,
  };
  state.sessions.set(id, session);
  return session;
}

interface Forwarded {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** forward sends a Stripe API request to stripe-mock unchanged. */
async function forward(state: State, req: IncomingMessage, body: Buffer): Promise<Forwarded> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (['host', 'connection', 'content-length'].includes(name) || value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const init: RequestInit = { method: req.method ?? 'GET', headers };
  if (body.length > 0) init.body = new Uint8Array(body);
  const answer = await fetch(`${state.options.stripeMockUrl}${req.url ?? '/'}`, init);
  const kept: Record<string, string> = {};
  answer.headers.forEach((value, name) => {
    if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(name))
      kept[name] = value;
  });
  return { status: answer.status, headers: kept, body: await answer.text() };
}

/** rewrite points the hosted-page URLs of created sessions at the stand-in's own pages. */
function rewrite(state: State, path: string, body: Buffer, answer: Forwarded): string {
  if (answer.status !== 200) return answer.body;
  const request = new URLSearchParams(body.toString('utf8'));
  const json = JSON.parse(answer.body) as Json;
  if (path === '/v1/checkout/sessions') {
    rememberSession(state, request, json);
    json.url = `${state.url}/pay/${String(json.id)}`;
  } else {
    const customer = request.get('customer') ?? '';
    state.portalReturn.set(customer, request.get('return_url') ?? '');
    json.url = `${state.url}/billing/${encodeURIComponent(customer)}`;
  }
  return JSON.stringify(json);
}

const REWRITTEN = new Set(['/v1/checkout/sessions', '/v1/billing_portal/sessions']);

/** replayKeyOf is the key a session-creating request is replayed by, if it has one. */
function replayKeyOf(req: IncomingMessage, path: string): string | undefined {
  const key = req.headers['idempotency-key'];
  return typeof key === 'string' ? `${path} ${key}` : undefined;
}

async function proxy(state: State, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const rewritten = req.method === 'POST' && REWRITTEN.has(path);
  const replayKey = rewritten ? replayKeyOf(req, path) : undefined;
  const replay = replayKey === undefined ? undefined : state.byIdempotencyKey.get(replayKey);
  if (replay !== undefined) {
    res.writeHead(200, { 'content-type': 'application/json', 'idempotent-replayed': 'true' });
    res.end(replay);
    return;
  }
  const answer = await forward(state, req, body);
  const text = rewritten ? rewrite(state, path, body, answer) : answer.body;
  if (replayKey !== undefined && answer.status === 200) state.byIdempotencyKey.set(replayKey, text);
  res.writeHead(answer.status, answer.headers);
  res.end(text);
}

function payPage(session: OpenedSession): string {
  const who = session.customerEmail ?? session.customerId ?? '';
  return page(
    'Pay',
    `<h1>Subscribe</h1><p>Price <code>${escapeHtml(session.priceId)}</code> for ${escapeHtml(who)}</p>
<form method="post" action="/pay/${encodeURIComponent(session.id)}"><button type="submit">Pay</button></form>
${session.cancelUrl === undefined ? '' : `<p><a href="${escapeHtml(session.cancelUrl)}">Back</a></p>`}`,
  );
}

function billingPage(state: State, customer: string): string {
  const subscriptions = [...state.subscriptions.values()].filter((s) => s.customerId === customer);
  const forms = subscriptions
    .map((s) => {
      const action = (what: string, label: string): string =>
        `<form method="post" action="/billing/${encodeURIComponent(customer)}/${what}"><input type="hidden" name="subscription" value="${escapeHtml(s.id)}"><button type="submit">${label}</button></form>`;
      return `<h2>Subscription <code>${escapeHtml(s.id)}</code> (${escapeHtml(s.priceId)})</h2>
${action('cancel', 'Cancel subscription')}${action('fail', 'Payment fails')}${action('pay', 'Pay again')}`;
    })
    .join('\n');
  const back = state.portalReturn.get(customer) ?? '';
  return page(
    'Billing',
    `<h1>Billing</h1>${forms || '<p>No subscriptions.</p>'}<p><a href="${escapeHtml(back)}">Return</a></p>`,
  );
}

const BILLING_ACTIONS: Readonly<Record<string, Stripe.Subscription.Status>> = {
  cancel: 'canceled',
  fail: 'unpaid',
  pay: 'active',
};

async function billingAction(
  state: State,
  customer: string,
  action: string,
  body: Buffer,
): Promise<void> {
  const status = BILLING_ACTIONS[action];
  const id = new URLSearchParams(body.toString('utf8')).get('subscription') ?? '';
  const subscription = subscriptionOf(state, id);
  if (status === undefined || subscription.customerId !== customer)
    throw new Error(`no ${action} for ${id}`);
  const type =
    status === 'canceled' ? 'customer.subscription.deleted' : 'customer.subscription.updated';
  await sendSubscription(state, type, subscription, status);
}

function html(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(text);
}

function see(res: ServerResponse, location: string): void {
  res.writeHead(303, { location });
  res.end();
}

async function payRoute(
  state: State,
  req: IncomingMessage,
  res: ServerResponse,
  session: OpenedSession,
): Promise<void> {
  if (req.method === 'GET') {
    html(res, 200, payPage(session));
    return;
  }
  await pay(state, session.id);
  see(res, session.successUrl);
}

function pathParts(req: IncomingMessage): string[] {
  const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
  return path.split('/').map(decodeURIComponent);
}

async function pages(state: State, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const [, kind, id = '', action] = pathParts(req);
  const session = kind === 'pay' ? state.sessions.get(id) : undefined;
  if (session !== undefined) {
    await payRoute(state, req, res, session);
    return true;
  }
  if (kind !== 'billing') return false;
  if (req.method === 'GET' && action === undefined) html(res, 200, billingPage(state, id));
  else {
    await billingAction(state, id, action ?? '', await readBody(req));
    see(res, `/billing/${encodeURIComponent(id)}`);
  }
  return true;
}

async function handle(state: State, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    if ((req.url ?? '').startsWith('/v1/')) await proxy(state, req, res);
    else if (!(await pages(state, req, res)))
      html(res, 404, page('Not found', '<p>Not found.</p>'));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(state, `failed: ${message}`);
    if (!res.headersSent) html(res, 502, page('Failed', `<pre>${escapeHtml(message)}</pre>`));
    else res.end();
  }
}

/** startCheckoutStandIn starts the stand-in on a free loopback port. */
export async function startCheckoutStandIn(
  options: CheckoutStandInOptions,
): Promise<CheckoutStandIn> {
  const state: State = {
    options,
    sessions: new Map(),
    byIdempotencyKey: new Map(),
    subscriptions: new Map(),
    portalReturn: new Map(),
    fixtures: undefined,
    lastCreated: 0,
    url: '',
  };
  const server = createServer((req, res) => {
    void handle(state, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  log(state, `listening on ${state.url}, forwarding to ${options.stripeMockUrl}`);
  const update = (id: string, type: string, status: Stripe.Subscription.Status): Promise<void> =>
    sendSubscription(state, type, subscriptionOf(state, id), status);
  return {
    url: state.url,
    sessions: () => [...state.sessions.values()],
    pay: (sessionId) => pay(state, sessionId),
    cancel: (id) => update(id, 'customer.subscription.deleted', 'canceled'),
    paymentFails: (id) => update(id, 'customer.subscription.updated', 'unpaid'),
    payAgain: (id) => update(id, 'customer.subscription.updated', 'active'),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => {
          if (error === undefined) resolve();
          else reject(error);
        });
      }),
  };
}
