import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { isStatus, makeClients } from './kube.ts';
import { Metrics } from './metrics.ts';
import type { Clock } from './runtime/clock.ts';
import { manualClock } from './runtime/testing.ts';

// A server that accepts requests and never answers, as a frozen apiserver does.
let server: Server | undefined;
const seen: IncomingMessage[] = [];

async function hangingServer(): Promise<string> {
  return answeringServer(() => undefined);
}

// answeringServer answers every request with what `answer` gives, or never when undefined.
async function answeringServer(
  answer: (
    request: IncomingMessage,
  ) => { status: number; headers?: Record<string, string> } | undefined,
): Promise<string> {
  server = createServer((request, response) => {
    seen.push(request);
    const reply = answer(request);
    if (reply === undefined) return;
    response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    response.end(JSON.stringify({ kind: 'Status', items: [], metadata: {}, code: reply.status }));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
}

function kubeConfigFor(url: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'c', server: url, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return config;
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
  seen.length = 0;
});

describe('makeClients', () => {
  it('gives up on every request after the request timeout', async () => {
    const clients = makeClients(kubeConfigFor(await hangingServer()), { requestTimeoutMs: 200 });
    const calls = [
      clients.coordination.readNamespacedLease({ name: 'l', namespace: 'n' }),
      clients.core.listNamespace(),
      clients.batch.listJobForAllNamespaces(),
      clients.custom.listClusterCustomObject({ group: 'g', version: 'v', plural: 'p' }),
      clients.batch.readNamespacedJob({ name: 'j', namespace: 'n' }),
    ];
    const started = Date.now();

    const results = await Promise.allSettled(calls);

    expect(results.map((result) => result.status)).toEqual([
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
    ]);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(seen).toHaveLength(5);
  });

  it('sends the kubeconfig credentials and our user agent', async () => {
    const clients = makeClients(kubeConfigFor(await hangingServer()), { requestTimeoutMs: 200 });

    await clients.core.listNamespace().catch(() => undefined);

    expect(seen[0]?.headers.authorization).toBe('Bearer t');
    expect(seen[0]?.headers['user-agent']).toBe('awscheck-operator');
  });
});

// instantClock sleeps not at all and remembers every wait it was asked for.
function instantClock(): { clock: Clock; slept: number[] } {
  const slept: number[] = [];
  return {
    slept,
    clock: {
      now: () => new Date(),
      sleep: async (ms) => {
        slept.push(ms);
        return Promise.resolve();
      },
    },
  };
}

async function counterValue(counter: Metrics['kubeRetries']): Promise<number> {
  return (await counter.get()).values[0]?.value ?? 0;
}

describe('makeClients under 429 and the rate limit', () => {
  it('retries a 429 after its Retry-After with jitter, at most maxRetries times, then fails', async () => {
    const url = await answeringServer(() => ({ status: 429, headers: { 'retry-after': '2' } }));
    const { clock, slept } = instantClock();
    const metrics = new Metrics();
    const clients = makeClients(kubeConfigFor(url), { clock, metrics, maxRetries: 2 });

    const error: unknown = await clients.core.listNamespace().catch((e: unknown) => e);

    expect(isStatus(error, 429)).toBe(true);
    expect(seen).toHaveLength(3);
    expect(slept).toHaveLength(2);
    for (const ms of slept) {
      expect(ms).toBeGreaterThanOrEqual(2_000);
      expect(ms).toBeLessThanOrEqual(3_000);
    }
    expect(await counterValue(metrics.kubeRetries)).toBe(2);
  });

  it('answers with the first answer that is not 429', async () => {
    let refused = 0;
    const url = await answeringServer(() => (refused++ < 1 ? { status: 429 } : { status: 200 }));
    const { clock, slept } = instantClock();
    const clients = makeClients(kubeConfigFor(url), { clock });

    await clients.core.listNamespace();

    expect(seen).toHaveLength(2);
    expect(slept).toHaveLength(1);
    expect(slept[0]).toBeGreaterThanOrEqual(1_000);
  });

  it('holds requests to the rate limit, counts the wait, and lets the Lease through at once', async () => {
    const url = await answeringServer(() => ({ status: 200 }));
    const { clock, advance } = manualClock();
    const metrics = new Metrics();
    const clients = makeClients(kubeConfigFor(url), {
      clock,
      metrics,
      rateLimit: { qps: 1, burst: 1 },
    });
    await clients.core.listNamespace();

    const held = clients.core.listNamespace();
    await clients.coordination.readNamespacedLease({ name: 'l', namespace: 'n' });

    expect(seen.map((request) => request.url)).toEqual([
      '/api/v1/namespaces',
      '/apis/coordination.k8s.io/v1/namespaces/n/leases/l',
    ]);
    await advance(1_000);
    await held;
    expect(seen).toHaveLength(3);
    expect(await counterValue(metrics.kubeRequestWait)).toBe(1);
  });
});
