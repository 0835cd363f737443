// /healthz (the process serves), /readyz (caches synced: leading or standing by) and
// /metrics (Prometheus). Nothing else is served.
import { createServer, type Server } from 'node:http';
import type { Metrics } from './metrics.ts';

/** Probes are what the endpoints report on. */
export interface Probes {
  isReady(): boolean;
}

/** startServer listens on host:port and resolves with the server and its bound port. */
export async function startServer(
  host: string,
  port: number,
  probes: Probes,
  metrics: Metrics,
): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path === '/healthz') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    } else if (path === '/readyz') {
      const ready = probes.isReady();
      response
        .writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' })
        .end(ready ? 'ok' : 'caches not synced');
    } else if (path === '/metrics') {
      metrics.registry.metrics().then(
        (text) =>
          response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (error: unknown) => response.writeHead(500).end(String(error)),
      );
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  return { server, port: bound };
}
