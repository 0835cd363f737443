// One keep-alive connection pool for every request an identity makes to the apiserver,
// watches included. client-node 2.0.1 builds a new undici Agent, so a new TLS connection
// with a client certificate, for every request (KubeConfig.applySecurityAuthentication);
// the apiserver pays a handshake per request. Here the identity's TLS material
// (kube-identity.ts) is read once into one Agent with a bounded number of connections, and
// only the credentials that can rotate (tokens) are applied per request.
import type { KubeConfig } from '@kubernetes/client-node';
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
import { identityFromKubeConfig, type KubeIdentity } from './kube-identity.ts';
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
  readonly #identity: KubeIdentity;

  /** A client-node KubeConfig is taken for the identity it holds (tools and tests). */
  constructor(source: KubeIdentity | KubeConfig, options: PoolOptions = {}) {
    const identity = isKubeConfig(source) ? identityFromKubeConfig(source) : source;
    this.server = identity.server;
    this.#identity = identity;
    this.dispatcher = makeDispatcher(identity, options.connections ?? DEFAULT_CONNECTIONS);
  }

  /**
   * credentials are the headers that authenticate one request, computed per request
   * because tokens rotate (a projected service-account token, an exec plugin's token).
   */
  async credentials(): Promise<Record<string, string>> {
    return this.#identity.credentials();
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
}

function isKubeConfig(source: KubeIdentity | KubeConfig): source is KubeConfig {
  return 'getCurrentCluster' in source;
}

// makeDispatcher builds the pool with the identity's TLS material, read once, through
// the HTTP(S) proxy the cluster names, if any.
function makeDispatcher(identity: KubeIdentity, connections: number): Dispatcher {
  if (identity.server.startsWith('http:') && identity.tls.rejectUnauthorized !== false) {
    throw new Error(
      `the apiserver ${identity.server} is plain HTTP: allowed only with insecure-skip-tls-verify`,
    );
  }
  const tls: buildConnector.BuildOptions = { ...identity.tls };
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
  const proxy = identity.proxyUrl;
  if (proxy === undefined) return new Agent({ ...pool, connect: { ...tls, ...keepAlive } });
  if (proxy.startsWith('socks')) {
    throw new Error(
      `the kubeconfig's cluster reaches the apiserver through a SOCKS proxy (${proxy}), which the operator's client does not support: use an HTTP(S) proxy-url or none`,
    );
  }
  return new ProxyAgent({ ...pool, uri: proxy, requestTls: tls, connect: keepAlive });
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
 * sendWithPolicy sends one request over the transport: it waits for a token of the rate
 * limit, and a 429 is retried after the Retry-After the apiserver asked for (with jitter),
 * at most `maxRetries` times, each retry taking a token again; after that the 429 is the
 * answer. The request's own signal (its timeout) bounds every wait.
 */
export async function sendWithPolicy(
  transport: KubeTransport,
  policy: RequestPolicy,
  url: string,
  init: FetchInit,
): Promise<Response> {
  const maxRetries = policy.maxRetries ?? DEFAULT_MAX_RETRIES;
  for (let attempt = 0; ; attempt += 1) {
    await takeToken(policy, init.signal);
    const response = await transport.fetch(url, init);
    if (response.status !== 429 || attempt >= maxRetries) return response;
    // The refused answer is read to its end so its connection goes back to the pool.
    await response.arrayBuffer();
    policy.observers?.retried();
    await waitToRetry(policy, response, init.signal);
  }
}

// takeToken waits for the rate limit, if any, and reports the wait.
async function takeToken(policy: RequestPolicy, signal: AbortSignal | undefined): Promise<void> {
  const waitedMs = (await policy.limiter?.acquire(signal)) ?? 0;
  if (waitedMs > 0) policy.observers?.waited(waitedMs / 1000);
}

// waitToRetry waits the Retry-After the apiserver asked for, with jitter.
async function waitToRetry(
  policy: RequestPolicy,
  response: Response,
  signal: AbortSignal | undefined,
): Promise<void> {
  const clock = policy.clock ?? systemClock;
  const random = policy.random ?? Math.random;
  const retryAfter = response.headers.get('retry-after') ?? undefined;
  await clock.sleep(retryAfterMs(retryAfter, random()), signal);
}
