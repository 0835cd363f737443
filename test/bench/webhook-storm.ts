// Webhook storm: 500 Stripe deliveries for 100 tenants (five subscription events each,
// ending on different plans), every delivery sent twice, shuffled, 50 in flight, against
// the portal app (createApp, real deps, the portal's RBAC identity) and the real
// apiserver. It fails unless exactly 100 tenant namespaces exist, created by exactly 100
// namespace creates (none provisioned twice), each on the plan of its newest event, every
// event applied exactly once and every write accounted for. The floor
// is the same app's bare POST of an unsigned no-op event (a route that exists only here),
// sent the same way: throughput and p99 latency are printed as ratios to it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pLimit from 'p-limit';
import type Stripe from 'stripe';
import { PLAN_LABEL, TENANT_LABEL, tenantNamespace } from '../../operator/plans/tenancy.ts';
import { createApp, securityHeaders } from '../../portal/app.ts';
import type { PortalDeps } from '../../portal/deps.ts';
import { WEBHOOK_BODY_LIMIT, WEBHOOK_PATH } from '../../portal/billing/webhook.ts';
import { startTestEnvironment, stopTestEnvironment } from '../env/environment.ts';
import { loadFixtures, signatureFor, type StripeFixtures } from '../env/stripe-events.ts';
import { newSubscription, provisionCounter, subscriptionEvent } from '../support/billing.ts';
import { createUserPool } from '../support/cognito.ts';
import { kubeClients } from '../support/kube.ts';
import { installCatalog, startPortal, TEST_WEBHOOK_SECRET } from '../support/portal.ts';
import { portalIdentity } from '../support/portal-identity.ts';
import { say } from './environment.ts';

const TENANTS = 100;
const EVENTS_PER_TENANT = 5;
const IN_FLIGHT = 50;
const FLOOR_PATH = '/bench/no-op';

/** Rate is one series of POSTs: how many, how long, and the latency percentiles. */
export interface Rate {
  readonly requests: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** StormReport is one run of the benchmark. */
export interface StormReport {
  readonly deliveries: number;
  readonly posts: number;
  readonly namespaces: number;
  /** Namespace creates: exactly one per tenant, none provisioned twice. */
  readonly creates: number;
  readonly applied: number;
  readonly stale: number;
  readonly unchanged: number;
  readonly writes: number;
  readonly storm: Rate;
  readonly floor: Rate;
}

interface Post {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** tenantEvents are one tenant's five events and the plan the newest asks for. */
function tenantEvents(
  fixtures: StripeFixtures,
  tenant: string,
  index: number,
  t: number,
): { events: Stripe.Event[]; plan: string } {
  const team = newSubscription(tenant, 'price_team_monthly', t);
  const business = { ...team, priceId: 'price_business_monthly' };
  const updated = 'customer.subscription.updated';
  const finals = [
    { sub: team, type: updated, status: 'active', plan: 'team' },
    { sub: business, type: updated, status: 'active', plan: 'business' },
    { sub: business, type: 'customer.subscription.deleted', status: 'canceled', plan: 'suspended' },
  ] as const;
  const final = finals[index % finals.length] ?? finals[0];
  const steps = [
    { sub: team, type: 'customer.subscription.created', status: 'active' },
    { sub: business, type: updated, status: 'active' },
    { sub: business, type: updated, status: 'unpaid' },
    { sub: team, type: updated, status: 'active' },
    final,
  ] as const;
  const events = steps.map((step, i) =>
    subscriptionEvent(fixtures, step.sub, {
      type: step.type,
      status: step.status,
      created: t + 1 + i,
    }),
  );
  return { events, plan: final.plan };
}

function signedPost(event: Stripe.Event): Post {
  const body = JSON.stringify(event);
  return {
    path: WEBHOOK_PATH,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'stripe-signature': signatureFor(body, TEST_WEBHOOK_SECRET),
    },
    body,
  };
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** fire sends the posts, IN_FLIGHT at a time, and fails on any non-2xx answer. */
async function fire(
  url: string,
  posts: readonly Post[],
): Promise<{ rate: Rate; bodies: string[] }> {
  const limit = pLimit(IN_FLIGHT);
  const latencies: number[] = [];
  const started = performance.now();
  const bodies = await Promise.all(
    posts.map((post) =>
      limit(async () => {
        const sent = performance.now();
        const answer = await fetch(`${url}${post.path}`, {
          method: 'POST',
          headers: post.headers,
          body: post.body,
        });
        const text = await answer.text();
        latencies.push(performance.now() - sent);
        if (!answer.ok) throw new Error(`${post.path} answered ${answer.status}: ${text}`);
        return text;
      }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const rate = {
    requests: posts.length,
    seconds,
    perSecond: posts.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
  return { rate, bodies };
}

/**
 * benchServer serves the portal app behind the floor route, which exists only here: the
 * portal's own security headers and the webhook's raw body parser and bound, then it
 * parses the JSON and acknowledges, with no signature check and nothing applied.
 */
async function benchServer(deps: PortalDeps): Promise<{ url: string; close: () => Promise<void> }> {
  const outer = express();
  outer.post(
    FLOOR_PATH,
    securityHeaders(deps.config),
    express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT }),
    (req, res) => {
      const event = JSON.parse((req.body as Buffer).toString('utf8')) as { id: string };
      res.status(200).json({ received: true, id: event.id });
    },
  );
  outer.use(createApp(deps));
  const server: Server = createServer(outer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** webhookStorm runs the benchmark in an environment of its own. */
export async function webhookStorm(): Promise<StormReport> {
  const env = await startTestEnvironment({ tiedToParent: true, progress: say });
  try {
    const pool = await createUserPool(env.awsEndpointUrl);
    const operatorNamespace = await installCatalog(env);
    const kubeconfig = await portalIdentity(env, operatorNamespace);
    const counter = provisionCounter();
    const portal = await startPortal(env, {
      pool,
      kubeconfig,
      operatorNamespace,
      makeProvisioner: counter.makeProvisioner,
      // The production default (tests read the catalog afresh on every use).
      env: { PORTAL_CATALOG_CACHE_SECONDS: '10' },
    });
    const server = await benchServer(portal.deps);
    try {
      const fixtures = await loadFixtures(env.stripeApiBase);
      const t = Math.floor(Date.now() / 1000) - 600;
      const expected = new Map<string, string>();
      const events: Stripe.Event[] = [];
      for (let i = 0; i < TENANTS; i += 1) {
        const tenant = `storm-tenant-${String(i).padStart(3, '0')}`;
        const made = tenantEvents(fixtures, tenant, i, t);
        expected.set(tenant, made.plan);
        events.push(...made.events);
      }
      const stormPosts = shuffle(events.flatMap((e) => [signedPost(e), signedPost(e)]));
      const noOp = (i: number): Post => ({
        path: FLOOR_PATH,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({
          id: `evt_noop${i}`,
          object: 'event',
          type: 'bench.no_op',
          data: { object: {} },
        }),
      });
      // Warm-up: connections, JIT, the catalog read, on both routes, nothing provisioned.
      await fire(
        server.url,
        Array.from({ length: 200 }, (_, i) => noOp(i)),
      );
      const ignored = events
        .slice(0, 50)
        .map((e) => signedPost({ ...e, id: `${e.id}w`, type: 'invoice.paid' } as Stripe.Event));
      await fire(server.url, ignored);
      const floor = await fire(
        server.url,
        stormPosts.map((_, i) => noOp(i)),
      );
      const before = { writes: counter.writes(), creates: counter.creates() };
      const storm = await fire(server.url, stormPosts);
      const duplicates = storm.bodies.filter(
        (b) => (JSON.parse(b) as { duplicate: boolean }).duplicate,
      ).length;
      if (duplicates !== events.length)
        throw new Error(
          `${storm.bodies.length - duplicates} deliveries were applied, expected ${events.length}`,
        );
      const report = await verify(env.kubeconfig, expected, counter, before);
      return {
        ...report,
        deliveries: events.length,
        posts: stormPosts.length,
        storm: storm.rate,
        floor: floor.rate,
      };
    } finally {
      await server.close();
      await portal.close();
    }
  } finally {
    await stopTestEnvironment(env);
  }
}

/** verify checks the cluster and the write accounting, and fails on any difference. */
async function verify(
  kubeconfig: string,
  expected: ReadonlyMap<string, string>,
  counter: ReturnType<typeof provisionCounter>,
  before: { readonly writes: number; readonly creates: number },
): Promise<
  Pick<StormReport, 'namespaces' | 'creates' | 'applied' | 'stale' | 'unchanged' | 'writes'>
> {
  const namespaces = (
    await kubeClients(kubeconfig).core.listNamespace({ labelSelector: TENANT_LABEL })
  ).items;
  const plans = new Map(
    namespaces.map((n) => [n.metadata?.name, n.metadata?.labels?.[PLAN_LABEL]]),
  );
  const wrong = [...expected].filter(
    ([tenant, plan]) => plans.get(tenantNamespace(tenant)) !== plan,
  );
  if (namespaces.length !== expected.size || wrong.length > 0)
    throw new Error(
      `${namespaces.length} tenant namespaces, ${wrong.length} not on their final plan: ${JSON.stringify(wrong.slice(0, 5))}`,
    );
  const outcomes = counter.outcomes;
  const writes = counter.writes() - before.writes;
  const creates = counter.creates() - before.creates;
  if (creates !== expected.size)
    throw new Error(
      `${creates} namespace creates for ${expected.size} tenants: some provisioned twice or never`,
    );
  const reported = outcomes.reduce((sum, o) => sum + o.writes, 0);
  if (outcomes.length !== expected.size * EVENTS_PER_TENANT || reported !== writes)
    throw new Error(
      `${outcomes.length} provisionings reporting ${reported} writes; ${writes} writes were sent`,
    );
  const count = (result: string): number => outcomes.filter((o) => o.result === result).length;
  return {
    namespaces: namespaces.length,
    creates,
    applied: count('applied'),
    stale: count('stale'),
    unchanged: count('unchanged'),
    writes,
  };
}
