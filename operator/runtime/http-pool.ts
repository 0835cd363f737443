// One keep-alive connection pool for every request an identity makes to the apiserver,
// watches included. client-node 2.0.1 builds a new undici Agent, so a new TLS connection
// with a client certificate, for every request (KubeConfig.applySecurityAuthentication);
// the apiserver pays a handshake per request. Here the kubeconfig's TLS material is read
// once into one Agent with a bounded number of connections, and only the credentials that
// can rotate (tokens, exec and auth-provider plugins) are applied per request.
import {
  bufferFromFileOrString,
  wrapHttpLibrary,
  ResponseContext,
  type HttpLibrary,
  type Cluster,
  type KubeConfig,
  type RequestContext,
  type SecurityAuthentication,
  type User,
} from '@kubernetes/client-node';
import {
  Agent,
  ProxyAgent,
  fetch,
  type Dispatcher,
  type Response,
  type buildConnector,
} from 'undici';
import type { Clock } from './clock.ts';
import { systemClock } from './clock.ts';
import { retryAfterMs, type TokenBucket } from './rate-limit.ts';

/**
 * DEFAULT_CONNECTIONS bounds the pool. Over HTTP/2 one connection carries everything; over
 * HTTP/1.1 (a proxy in between) each of the operator's seven watches holds one.
 */
export const DEFAULT_CONNECTIONS = 32;
/** DEFAULT_MAX_RETRIES bounds how often one request is retried after 429. */
export const DEFAULT_MAX_RETRIES = 3;
/**
 * BODY_TIMEOUT_MS is the longest a response may go silent. Ordinary requests end sooner
 * by their own timeout; a watch asks the apiserver to end it within ten minutes, and one
 * idle longer than this is a dead connection.
 */
export const BODY_TIMEOUT_MS = 11 * 60_000;

/** PoolOptions size the connection pool. */
export interface PoolOptions {
  /** At most this many connections to the apiserver; further requests queue for one. */
  readonly connections?: number;
}

/** FetchInit is what a request through the transport carries. */
export interface FetchInit {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | URLSearchParams;
  readonly signal?: AbortSignal;
}

/**
 * KubeTransport is one identity's way to the apiserver: its server URL, its connection
 * pool and its credentials. Everything made from one kubeconfig shares one transport.
 */
export class KubeTransport {
  readonly server: string;
  readonly dispatcher: Dispatcher;
  readonly #config: KubeConfig;

  constructor(config: KubeConfig, options: PoolOptions = {}) {
    const cluster = config.getCurrentCluster();
    if (!cluster)
      throw new Error('the kubeconfig names no current cluster: set its current-context');
    this.server = cluster.server.replace(/\/+$/, '');
    this.#config = config;
    this.dispatcher = makeDispatcher(config, options.connections ?? DEFAULT_CONNECTIONS);
  }

  /**
   * credentials are the headers that authenticate one request, computed per request
   * because tokens rotate (a projected service-account token, an exec plugin's token).
   */
  async credentials(): Promise<Record<string, string>> {
    const options: { headers?: Record<string, unknown>; auth?: string } = {};
    await this.#config.applyToHTTPSOptions(options);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      headers[name] = String(value);
    }
    if (options.auth !== undefined) {
      headers.Authorization = `Basic ${Buffer.from(options.auth).toString('base64')}`;
    }
    return headers;
  }

  /** fetch sends one request over the pool; `url` is absolute or a path on the server. */
  async fetch(url: string, init: FetchInit = {}): Promise<Response> {
    const target = url.startsWith('/') ? `${this.server}${url}` : url;
    return fetch(target, {
      method: init.method ?? 'GET',
      headers: { ...(await this.credentials()), ...init.headers },
      ...(init.body === undefined ? {} : { body: init.body }),
      ...(init.signal === undefined ? {} : { signal: init.signal }),
      dispatcher: this.dispatcher,
    });
  }

  /** close ends the pool's connections; requests still in flight are aborted. */
  async close(): Promise<void> {
    await this.dispatcher.destroy();
  }

  /**
   * authentication is what client-node's generated clients apply before sending: nothing,
   * because every request they send goes through `fetch` (pooledHttpLibrary), which adds
   * the credentials once. Applying them here too would read the kubeconfig's TLS files and
   * run its token plugin twice per request.
   */
  authentication(): SecurityAuthentication {
    return {
      getName: () => 'awscheck pooled kubeconfig authentication',
      applySecurityAuthentication: async () => Promise.resolve(),
    };
  }
}

// makeDispatcher builds the pool with the kubeconfig's TLS material, read once, through
// the HTTP(S) proxy the cluster names, if any.
function makeDispatcher(config: KubeConfig, connections: number): Dispatcher {
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig names no current cluster: set its current-context');
  if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify) {
    throw new Error(
      `the apiserver ${cluster.server} is plain HTTP: allowed only with insecure-skip-tls-verify`,
    );
  }
  const tls = tlsOptions(cluster, config.getCurrentUser());
  // HTTP/2 when the apiserver offers it (it does): every request and watch is a stream on
  // one connection, as client-go's are; `connections` bounds HTTP/1.1 connections otherwise.
  const pool = {
    allowH2: true,
    connections,
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 60_000,
    bodyTimeout: BODY_TIMEOUT_MS,
  };
  // TCP keep-alive probes after 30 s idle, as client-go: cloud load balancers drop at 60 s.
  const keepAlive = { keepAlive: true, keepAliveInitialDelay: 30_000 };
  const proxy = cluster.proxyUrl;
  if (proxy === undefined) return new Agent({ ...pool, connect: { ...tls, ...keepAlive } });
  if (proxy.startsWith('socks')) {
    throw new Error(
      `the kubeconfig's cluster reaches the apiserver through a SOCKS proxy (${proxy}), which the operator's client does not support: use an HTTP(S) proxy-url or none`,
    );
  }
  return new ProxyAgent({ ...pool, uri: proxy, requestTls: tls, connect: keepAlive });
}

// tlsOptions is the kubeconfig's TLS material for its current cluster and user.
function tlsOptions(cluster: Cluster, user: User | null): buildConnector.BuildOptions {
  const tls: buildConnector.BuildOptions = {};
  const ca = bufferFromFileOrString(cluster.caFile, cluster.caData);
  if (ca) tls.ca = ca;
  if (user) Object.assign(tls, clientCertificate(user));
  if (cluster.skipTLSVerify) tls.rejectUnauthorized = false;
  if (cluster.tlsServerName !== undefined) tls.servername = cluster.tlsServerName;
  return tls;
}

// clientCertificate is the user's client certificate and key, where it has them.
function clientCertificate(user: User): { cert?: Buffer; key?: Buffer } {
  const cert = bufferFromFileOrString(user.certFile, user.certData);
  const key = bufferFromFileOrString(user.keyFile, user.keyData);
  return { ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

/** RequestObservers hear what the policy did to requests. */
export interface RequestObservers {
  /** waited is told the seconds a request waited for the client-side rate limit. */
  waited(seconds: number): void;
  /** retried is told each time a request is sent again after 429. */
  retried(): void;
}

/** RequestPolicy is what a request goes through before and after it is sent. */
export interface RequestPolicy {
  /** The client-side rate limit; absent: requests are sent at once. */
  readonly limiter?: TokenBucket | undefined;
  readonly maxRetries?: number;
  readonly observers?: RequestObservers | undefined;
  readonly clock?: Clock;
  /** random draws the jitter of the wait after 429, in [0, 1). */
  readonly random?: () => number;
}

/**
 * pooledHttpLibrary sends client-node's requests over the transport: each waits for a
 * token of the rate limit, and a 429 is retried after the Retry-After the apiserver asked
 * for (with jitter), at most `maxRetries` times, each retry taking a token again; after
 * that the 429 is the answer. The request's own signal (its timeout) bounds every wait.
 */
export function pooledHttpLibrary(transport: KubeTransport, policy: RequestPolicy): HttpLibrary {
  const clock = policy.clock ?? systemClock;
  const random = policy.random ?? Math.random;
  const maxRetries = policy.maxRetries ?? DEFAULT_MAX_RETRIES;
  const send = async (request: RequestContext): Promise<ResponseContext> => {
    const signal = request.getSignal();
    const init = requestInit(request);
    for (let attempt = 0; ; attempt += 1) {
      const waitedMs = (await policy.limiter?.acquire(signal)) ?? 0;
      if (waitedMs > 0) policy.observers?.waited(waitedMs / 1000);
      const response = await transport.fetch(request.getUrl(), init);
      if (response.status !== 429 || attempt >= maxRetries) return responseContext(response);
      // The refused answer is read to its end so its connection goes back to the pool.
      await response.arrayBuffer();
      policy.observers?.retried();
      const retryAfter = response.headers.get('retry-after') ?? undefined;
      await clock.sleep(retryAfterMs(retryAfter, random()), signal);
    }
  };
  return wrapHttpLibrary({ send });
}

// requestInit is client-node's request as the transport sends it; its clients send JSON text.
function requestInit(request: RequestContext): FetchInit {
  const body = request.getBody();
  const signal = request.getSignal();
  if (body !== undefined && typeof body !== 'string' && !(body instanceof URLSearchParams)) {
    throw new Error(`multipart request bodies are not supported (${request.getUrl()})`);
  }
  return {
    method: request.getHttpMethod(),
    headers: request.getHeaders(),
    ...(body === undefined ? {} : { body }),
    ...(signal === undefined ? {} : { signal }),
  };
}

// responseContext is client-node's view of a fetch answer, as its own fetch library builds it.
function responseContext(response: Response): ResponseContext {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return new ResponseContext(response.status, headers, {
    text: () => response.text(),
    binary: async () => Buffer.from(await response.arrayBuffer()),
    stream: () => response.body as ReadableStream<Uint8Array> | null,
  });
}
