import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { makeClients } from './kube.ts';

// A server that accepts requests and never answers, as a frozen apiserver does.
let server: Server | undefined;
const seen: IncomingMessage[] = [];

async function hangingServer(): Promise<string> {
  server = createServer((request) => {
    seen.push(request);
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
      clients.objects.read({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }),
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
