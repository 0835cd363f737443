// A plain TCP proxy on 127.0.0.1 in front of the apiserver: it counts the connections a
// client opens (TLS passes through untouched, so the apiserver's certificate still fits)
// and can cut every open one, as a network or a load balancer does.
import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

/** TcpProxy is a running proxy; `url` replaces the apiserver's in a kubeconfig. */
export interface TcpProxy {
  readonly url: string;
  /** Connections accepted since start. */
  accepted(): number;
  /** Connections open now. */
  open(): number;
  /** cut destroys every open connection, both sides. */
  cut(): void;
  close(): Promise<void>;
}

/** startTcpProxy forwards 127.0.0.1:<free port> to the apiserver at `target` (https://host:port). */
export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let accepted = 0;
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  };
  const server: Server = createServer((client) => {
    accepted += 1;
    const upstream = createConnection({ host: hostname, port: Number(port) });
    track(client);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port: local } = server.address() as AddressInfo;
  const cut = (): void => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    url: `https://127.0.0.1:${local}`,
    accepted: () => accepted,
    // Each proxied connection is two sockets, the client's and the upstream one.
    open: () => sockets.size / 2,
    cut,
    close: async () => {
      cut();
      server.close();
      await once(server, 'close');
    },
  };
}

/** throughProxy loads a kubeconfig and points its current cluster at the proxy. */
export function throughProxy(kubeconfigPath: string, proxy: TcpProxy): KubeConfig {
  const original = new KubeConfig();
  original.loadFromFile(kubeconfigPath);
  const current = original.getCurrentCluster();
  if (!current) throw new Error(`${kubeconfigPath} names no current cluster`);
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: original.clusters.map((cluster) =>
      cluster.name === current.name ? { ...cluster, server: proxy.url } : cluster,
    ),
    users: original.users,
    contexts: original.contexts,
    currentContext: original.currentContext,
  });
  return config;
}
