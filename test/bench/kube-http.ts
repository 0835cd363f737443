// A bare HTTPS client for the apiserver with keep-alive: one pool of connections under the
// admin client certificate, as the write floor and the benchmarks' own seeding use it.
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';

/** KubeAnswer is one apiserver answer: its status and body text. */
export interface KubeAnswer {
  readonly status: number;
  readonly body: string;
}

/** KubeRequest is one request; `body` is sent as JSON unless it is a string already. */
export interface KubeRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly body?: unknown;
  readonly contentType?: string;
}

/** KubeHttp sends requests over one keep-alive pool; `close` ends its sockets. */
export interface KubeHttp {
  readonly server: string;
  send(req: KubeRequest): Promise<KubeAnswer>;
  /** sendOk sends and fails unless the answer is 2xx, returning the parsed JSON body. */
  sendOk<T = unknown>(req: KubeRequest): Promise<T>;
  /**
   * watch streams a watch (`path` with `watch=1` and a resourceVersion) on a connection of
   * its own, calling `onEvent` with each event; `onEnd` hears of its end unless stopped.
   */
  watch(path: string, onEvent: (event: WatchEvent) => void, onEnd: (error: Error) => void): Stop;
  close(): void;
}

/** WatchEvent is one line of a watch. */
export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: KubeObject;
}

/** KubeObject is the part of any object the benchmarks read without a schema. */
export interface KubeObject {
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly resourceVersion?: string;
    readonly generation?: number;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
    readonly ownerReferences?: readonly { readonly name: string; readonly kind: string }[];
  };
  readonly status?: unknown;
}

/** KubeList is a list answer. */
export interface KubeList {
  readonly metadata: { readonly resourceVersion: string };
  readonly items: KubeObject[];
}

/** Stop ends a watch. */
export type Stop = () => void;

interface KubeconfigFile {
  readonly clusters: readonly {
    readonly cluster: { readonly server: string; readonly 'certificate-authority-data': string };
  }[];
  readonly users: readonly {
    readonly user: {
      readonly 'client-certificate-data': string;
      readonly 'client-key-data': string;
    };
  }[];
}

const decode = (data: string): Buffer => Buffer.from(data, 'base64');

/**
 * kubeHttp reads a kubeconfig the test environment wrote (certificates embedded) and opens
 * a keep-alive pool of at most `maxSockets` connections to its server.
 */
export async function kubeHttp(kubeconfig: string, maxSockets: number): Promise<KubeHttp> {
  const file = JSON.parse(await readFile(kubeconfig, 'utf8')) as KubeconfigFile;
  const cluster = file.clusters[0]?.cluster;
  const user = file.users[0]?.user;
  if (cluster === undefined || user === undefined)
    throw new Error(`${kubeconfig} names no cluster or user`);
  const tls = {
    ca: decode(cluster['certificate-authority-data']),
    cert: decode(user['client-certificate-data']),
    key: decode(user['client-key-data']),
  };
  const agent = new Agent({ keepAlive: true, maxSockets, ...tls });
  const server = cluster.server;
  const send = (req: KubeRequest): Promise<KubeAnswer> =>
    new Promise((resolve, reject) => {
      const payload =
        req.body === undefined
          ? undefined
          : typeof req.body === 'string'
            ? req.body
            : JSON.stringify(req.body);
      const headers: Record<string, string | number> = { accept: 'application/json' };
      if (payload !== undefined) {
        headers['content-type'] = req.contentType ?? 'application/json';
        headers['content-length'] = Buffer.byteLength(payload);
      }
      const outgoing = request(
        `${server}${req.path}`,
        { method: req.method, agent, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(payload);
    });
  return {
    server,
    send,
    async sendOk<T>(req: KubeRequest): Promise<T> {
      const answer = await send(req);
      if (answer.status < 200 || answer.status > 299)
        throw new Error(
          `${req.method} ${req.path} answered ${answer.status}: ${answer.body.slice(0, 500)}`,
        );
      return JSON.parse(answer.body) as T;
    },
    watch: (path, onEvent, onEnd) => watchStream(`${server}${path}`, tls, { onEvent, onEnd }),
    close: () => {
      agent.destroy();
    },
  };
}

/** WatchRefused is a watch the apiserver answered with other than 200: reopening cannot mend it. */
export class WatchRefused extends Error {}

function watchStream(
  url: string,
  tls: { ca: Buffer; cert: Buffer; key: Buffer },
  handlers: { onEvent: (event: WatchEvent) => void; onEnd: (error: Error) => void },
): Stop {
  let stopped = false;
  const end = (error: Error): void => {
    if (!stopped) handlers.onEnd(error);
    stopped = true;
  };
  const outgoing = request(url, { method: 'GET', agent: false, ...tls }, (res) => {
    if (res.statusCode !== 200) {
      end(new WatchRefused(`watch ${url} answered ${String(res.statusCode)}`));
      res.resume();
      return;
    }
    let pending = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      pending += chunk;
      for (let at = pending.indexOf('\n'); at >= 0; at = pending.indexOf('\n')) {
        const line = pending.slice(0, at);
        pending = pending.slice(at + 1);
        if (line.trim() !== '') handlers.onEvent(JSON.parse(line) as WatchEvent);
      }
    });
    res.on('end', () => {
      end(new Error(`watch ${url} ended`));
    });
    res.on('error', end);
  });
  outgoing.on('error', end);
  outgoing.end();
  return () => {
    stopped = true;
    outgoing.destroy();
  };
}

/** inBatches runs `work` over `items` with at most `concurrency` in flight, in order of start. */
export async function inBatches<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}

/**
 * follow lists a collection (`path` may carry a query) and watches it from the list's
 * resourceVersion, calling `onObject` for every listed object and every event, with the
 * time it arrived. A watch the apiserver closes is reopened from the last resourceVersion
 * it delivered (bookmarks included), as an informer does: that misses nothing. An ERROR
 * event (410 Gone: the version was compacted away) would be a gap, so it goes to `onEnd`:
 * a benchmark fails rather than miss events.
 */
export async function follow(
  http: KubeHttp,
  path: string,
  onObject: (type: WatchEvent['type'], object: KubeObject, at: number) => void,
  onEnd: (error: Error) => void,
): Promise<Stop> {
  const list = await http.sendOk<KubeList>({ method: 'GET', path });
  const now = performance.now();
  for (const item of list.items) onObject('ADDED', item, now);
  const joiner = path.includes('?') ? '&' : '?';
  let resourceVersion = list.metadata.resourceVersion;
  let stopped = false;
  let stopCurrent: Stop = () => undefined;
  const open = (): void => {
    if (stopped) return;
    const rv = encodeURIComponent(resourceVersion);
    stopCurrent = http.watch(
      `${path}${joiner}watch=1&allowWatchBookmarks=true&resourceVersion=${rv}`,
      (event) => {
        if (event.type === 'ERROR') {
          stopped = true;
          stopCurrent();
          onEnd(new Error(`watch ${path}: ${JSON.stringify(event.object)}`));
          return;
        }
        resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
        if (event.type !== 'BOOKMARK') onObject(event.type, event.object, performance.now());
      },
      (error) => {
        if (stopped) return;
        if (error instanceof WatchRefused) {
          stopped = true;
          onEnd(error);
          return;
        }
        process.stderr.write(`bench: ${error.message}; reopening from ${resourceVersion}\n`);
        setTimeout(open, 200);
      },
    );
  };
  open();
  return () => {
    stopped = true;
    stopCurrent();
  };
}
