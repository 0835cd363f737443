// A fault-injecting HTTP proxy for the checker's tests: it sits in front of moto on
// 127.0.0.1 and, for the requests a rule matches, answers with an AWS error in that
// service's real wire format (EC2 query XML, query XML, JSON 1.0/1.1, REST-JSON,
// REST-XML) or holds the request back, so the SDK's own parsing and retries are exercised.
// It counts the requests it holds at once (`peakInFlight`), so a bound on the client's
// calls in flight can be seen from outside, and answers each service's own throttling
// error (THROTTLING) for the client's adaptive retry to slow down on.
// With `paging`, it also pages the listings moto answers in one page whatever the page size
// (PAGED_LISTINGS), as AWS's API pages them: the request's own limit, AWS's default and
// maximum page size, and AWS's token names in and out.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Protocol is how a service serialises its errors on the wire. */
export type Protocol = 'ec2' | 'query' | 'json-1.0' | 'json-1.1' | 'rest-json' | 'rest-xml';

/** PROTOCOLS maps SigV4 signing names (the credential scope's service) to wire protocols. */
export const PROTOCOLS: Readonly<Record<string, Protocol>> = {
  ec2: 'ec2',
  sts: 'query',
  iam: 'query',
  rds: 'query',
  elasticache: 'query',
  redshift: 'query',
  dynamodb: 'json-1.0',
  'cognito-idp': 'json-1.1',
  ecs: 'json-1.1',
  athena: 'json-1.1',
  secretsmanager: 'json-1.1',
  kinesis: 'json-1.1',
  lightsail: 'json-1.1',
  fsx: 'json-1.1',
  eks: 'rest-json',
  lambda: 'rest-json',
  elasticfilesystem: 'rest-json',
  apigateway: 'rest-json',
  s3: 'rest-xml',
  cloudfront: 'rest-xml',
};

/** ErrorFault answers with an AWS error. */
export interface ErrorFault {
  readonly status: number;
  readonly code: string;
  readonly message?: string;
}

/** Fault is an ErrorFault, or a DelayFault that holds the request before forwarding it. */
export type Fault = ErrorFault | { readonly delayMs: number };

// How each wire protocol's services answer a throttled call, as their API references
// document it: EC2's RequestLimitExceeded (503), the query services' Throttling (400),
// the JSON services' ThrottlingException (400), the REST-JSON services'
// TooManyRequestsException (429), S3's SlowDown (503).
const PROTOCOL_THROTTLING: Readonly<Record<Protocol, ErrorFault>> = {
  ec2: { status: 503, code: 'RequestLimitExceeded', message: 'Request limit exceeded.' },
  query: { status: 400, code: 'Throttling', message: 'Rate exceeded' },
  'json-1.0': { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' },
  'json-1.1': { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' },
  'rest-json': { status: 429, code: 'TooManyRequestsException', message: 'Rate exceeded' },
  'rest-xml': { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' },
};

// Services whose throttling answer differs from their protocol's.
const SERVICE_THROTTLING: Readonly<Record<string, ErrorFault>> = {
  'cognito-idp': { status: 400, code: 'TooManyRequestsException', message: 'Rate exceeded' },
  cloudfront: { status: 400, code: 'Throttling', message: 'Rate exceeded' },
};

/** throttlingFault is the throttling error `service` (a signing name) answers with. */
export function throttlingFault(service: string): ErrorFault {
  const protocol = PROTOCOLS[service];
  if (!protocol) throw new Error(`fault proxy: no wire protocol known for ${service}`);
  return SERVICE_THROTTLING[service] ?? PROTOCOL_THROTTLING[protocol];
}

/** FaultRule picks requests by signing service, region and operation, and faults them. */
export interface FaultRule {
  readonly service: string;
  readonly region?: string;
  /** The operation (X-Amz-Target suffix or query Action); REST requests have none. */
  readonly operation?: string;
  readonly fault: Fault;
  /** How many requests to fault before the rule stops matching; unlimited when absent. */
  readonly times?: number;
  /** Answer only once this settles, e.g. once another request has arrived (see `seen`). */
  readonly after?: () => Promise<void>;
  /**
   * Fault only the requests this accepts when they arrive, e.g. those beyond a request
   * rate (a token bucket, as AWS throttles); the others pass the rule by.
   */
  readonly when?: (request: ProxiedRequest) => boolean;
}

/** ProxiedRequest is what the proxy saw of one request and did with it. */
export interface ProxiedRequest {
  readonly service: string;
  readonly region: string;
  readonly operation: string | undefined;
  readonly method: string;
  readonly path: string;
  faulted: boolean;
  /** The retry mode the SDK reports in its user agent (feature E standard, F adaptive). */
  readonly retryMode: 'standard' | 'adaptive' | undefined;
  /** Requests the proxy held at once when this one arrived, itself included. */
  inFlightOnArrival: number;
  /** The client went away before the answer was complete (the SDK aborted the call). */
  aborted: boolean;
  /** Which page of a listing the proxy served itself (1-based), in paging mode. */
  page?: number;
  /** The first page came from a snapshot of moto's answer, not from moto. */
  fromSnapshot?: boolean;
}

/** FaultProxy is a running proxy; `url` is what a client uses as its endpoint. */
export interface FaultProxy {
  readonly url: string;
  readonly requests: ProxiedRequest[];
  /**
   * The most requests held at once since the start or the last clear: a request is held
   * from its arrival until the proxy starts to answer it.
   */
  readonly peakInFlight: number;
  inject(rule: FaultRule): void;
  /** seen settles when a request matching `where` has arrived (or already had). */
  seen(where: (request: ProxiedRequest) => boolean): Promise<void>;
  clear(): void;
  close(): Promise<void>;
}

const CREDENTIAL_SCOPE = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

interface WireError {
  readonly headers: Record<string, string>;
  readonly body: string;
}

const JSON_NAMESPACES: Readonly<Record<string, string>> = {
  dynamodb: 'com.amazonaws.dynamodb.v20120810',
  'cognito-idp': 'com.amazonaws.cognitoidentityprovider',
};

/** errorOnWire renders an error the way `protocol` puts it on the wire. */
export function errorOnWire(
  protocol: Protocol,
  service: string,
  fault: { status: number; code: string; message: string },
  requestId: string,
): WireError {
  const { code, message } = fault;
  const xml = { 'content-type': 'text/xml', 'x-amzn-requestid': requestId };
  switch (protocol) {
    case 'ec2':
      return {
        headers: xml,
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
      };
    case 'query': {
      const type = fault.status >= 500 ? 'Receiver' : 'Sender';
      return {
        headers: xml,
        body: `<ErrorResponse><Error><Type>${type}</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    }
    case 'json-1.0':
    case 'json-1.1': {
      const namespace = JSON_NAMESPACES[service] ?? `com.amazonaws.${service}`;
      return {
        headers: { 'content-type': `application/x-amz-${protocol}`, 'x-amzn-requestid': requestId },
        body: JSON.stringify({ __type: `${namespace}#${code}`, message }),
      };
    }
    case 'rest-json':
      return {
        headers: {
          'content-type': 'application/json',
          'x-amzn-requestid': requestId,
          'x-amzn-errortype': `${code}:http://internal.amazon.com/coral/com.amazonaws.${service}/`,
        },
        body: JSON.stringify({ message }),
      };
    case 'rest-xml':
      return {
        headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message><RequestId>${requestId}</RequestId><HostId>fault-proxy</HostId></Error>`,
      };
  }
}

function operationOf(req: IncomingMessage, body: Buffer): string | undefined {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return target.slice(target.lastIndexOf('.') + 1);
  const form = new URLSearchParams(body.toString('utf8'));
  const query = new URL(req.url ?? '/', 'http://x').searchParams;
  return form.get('Action') ?? query.get('Action') ?? undefined;
}

// The SDK's user agent lists its features as `m/A,B,…`; E is standard retry, F adaptive.
const UA_FEATURES = /(?:^|\s)m\/([\w,+-]+)/;

function retryModeOf(req: IncomingMessage): ProxiedRequest['retryMode'] {
  const agent = `${req.headers['user-agent'] ?? ''} ${String(req.headers['x-amz-user-agent'] ?? '')}`;
  const features = (UA_FEATURES.exec(agent)?.[1] ?? '').split(',');
  if (features.includes('F')) return 'adaptive';
  if (features.includes('E')) return 'standard';
  return undefined;
}

function describeRequest(req: IncomingMessage, body: Buffer): ProxiedRequest {
  const scope = CREDENTIAL_SCOPE.exec(req.headers.authorization ?? '');
  const service = scope?.[2] ?? 'unknown';
  return {
    service,
    region: scope?.[1] ?? 'unknown',
    operation: operationOf(req, body) ?? restListing(service, req)?.operation,
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    faulted: false,
    retryMode: retryModeOf(req),
    inFlightOnArrival: 0,
    aborted: false,
  };
}

/**
 * InFlight counts the requests the proxy holds. A request stops counting when the proxy
 * starts its answer (every answer starts with writeHead) or the client goes away, so a
 * client that sends its next call only after an answer began is never counted twice.
 */
class InFlight {
  current = 0;
  peak = 0;

  hold(res: ServerResponse): number {
    this.current += 1;
    this.peak = Math.max(this.peak, this.current);
    let held = true;
    const release = (): void => {
      if (!held) return;
      held = false;
      this.current -= 1;
    };
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
    res.writeHead = (...args: unknown[]) => {
      release();
      return writeHead(...args);
    };
    res.on('close', release);
    return this.current;
  }
}

function matches(rule: FaultRule, seen: ProxiedRequest): boolean {
  if (rule.service !== seen.service) return false;
  if (rule.region !== undefined && rule.region !== seen.region) return false;
  return rule.operation === undefined || rule.operation === seen.operation;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function forward(target: URL, req: IncomingMessage, body: Buffer, res: ServerResponse): void {
  const upstream = request(
    {
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', (error) => {
    res.destroy(error);
  });
  res.on('close', () => upstream.destroy());
  upstream.end(body);
}

function answerError(
  seen: ProxiedRequest,
  fault: { status: number; code: string; message?: string },
  requestId: string,
  res: ServerResponse,
): void {
  seen.faulted = true;
  const protocol = PROTOCOLS[seen.service];
  if (!protocol) throw new Error(`fault proxy: no wire protocol known for ${seen.service}`);
  const message = fault.message ?? `injected ${fault.code}`;
  const wire = errorOnWire(protocol, seen.service, { ...fault, message }, requestId);
  res.writeHead(fault.status, wire.headers).end(wire.body);
}

// ---- Paging as AWS pages, for the listings moto answers in one page ----

/** Where a listing's request carries its page size and token. */
type ParamPlace = 'form' | 'json' | 'query';

interface XmlList {
  readonly kind: 'xml';
  /** The element holding the items, and each item's element. */
  readonly list: string;
  readonly item: string;
  /** The element the next page's token goes in, a sibling of the list. */
  readonly token: string;
  /** How much of the page size an item uses (DescribeInstances pages instances, not reservations). */
  readonly weigh?: (item: string) => number;
  /** The element that says more pages follow (IAM's IsTruncated), set to match the token. */
  readonly truncated?: string;
}

interface JsonList {
  readonly kind: 'json';
  readonly list: string;
  readonly token: string;
  /** Members derived from the page's items (Kinesis answers names and summaries side by side). */
  readonly also?: (items: readonly unknown[], more: boolean) => Record<string, unknown>;
}

/** PagedListing is one AWS listing the proxy pages itself, in AWS's own request and answer shape. */
export interface PagedListing {
  /** The signing name and the operation (REST listings are named by `rest`). */
  readonly service: string;
  readonly operation: string;
  readonly rest?: { readonly method: string; readonly path: RegExp };
  readonly place: ParamPlace;
  /** The request's page size and token parameters, as on the wire. */
  readonly limit: string;
  readonly token: string;
  /** AWS's page size when the request names none, and the largest it serves. */
  readonly defaultPage: number;
  readonly maxPage: number;
  readonly answer: XmlList | JsonList;
}

const ec2Listing = (operation: string, list: string): PagedListing => ({
  service: 'ec2',
  operation,
  place: 'form',
  limit: 'MaxResults',
  token: 'NextToken',
  // EC2 answers everything when MaxResults is absent, and at most 1,000 per page.
  defaultPage: Infinity,
  maxPage: 1000,
  answer: { kind: 'xml', list, item: 'item', token: 'nextToken' },
});

const jsonListing = (
  service: string,
  operation: string,
  names: { limit: string; token: string; list: string },
  pages: { defaultPage: number; maxPage: number },
): PagedListing => ({
  service,
  operation,
  place: 'json',
  limit: names.limit,
  token: names.token,
  ...pages,
  answer: { kind: 'json', list: names.list, token: names.token },
});

const streamNames = (items: readonly unknown[], more: boolean): Record<string, unknown> => ({
  StreamNames: items.map((item) =>
    typeof item === 'object' && item !== null && 'StreamName' in item ? item.StreamName : null,
  ),
  HasMoreStreams: more,
});

/**
 * PAGED_LISTINGS are the listings moto 5 answers in one page whatever the page size, with
 * the page sizes and token names of AWS's API reference for each operation.
 */
export const PAGED_LISTINGS: readonly PagedListing[] = [
  ec2Listing('DescribeInstanceStatus', 'instanceStatusSet'),
  {
    ...ec2Listing('DescribeInstances', 'reservationSet'),
    answer: {
      kind: 'xml',
      list: 'reservationSet',
      item: 'item',
      token: 'nextToken',
      weigh: (reservation) => reservation.split('<instanceId>').length - 1,
    },
  },
  ec2Listing('DescribeVpcs', 'vpcSet'),
  ec2Listing('DescribeNatGateways', 'natGatewaySet'),
  {
    service: 'redshift',
    operation: 'DescribeClusters',
    place: 'form',
    limit: 'MaxRecords',
    token: 'Marker',
    defaultPage: 100,
    maxPage: 100,
    answer: { kind: 'xml', list: 'Clusters', item: 'Cluster', token: 'Marker' },
  },
  {
    service: 's3',
    operation: 'ListBuckets',
    rest: { method: 'GET', path: /^\/$/ },
    place: 'query',
    limit: 'max-buckets',
    token: 'continuation-token',
    defaultPage: 10_000,
    maxPage: 10_000,
    answer: { kind: 'xml', list: 'Buckets', item: 'Bucket', token: 'ContinuationToken' },
  },
  {
    service: 'lambda',
    operation: 'ListFunctions',
    rest: { method: 'GET', path: /^\/2015-03-31\/functions\/?$/ },
    place: 'query',
    limit: 'MaxItems',
    token: 'Marker',
    // ListFunctions returns at most 50 functions per call.
    defaultPage: 50,
    maxPage: 50,
    answer: { kind: 'json', list: 'Functions', token: 'NextMarker' },
  },
  {
    service: 'apigateway',
    operation: 'GetRestApis',
    rest: { method: 'GET', path: /^\/restapis\/?$/ },
    place: 'query',
    limit: 'limit',
    token: 'position',
    defaultPage: 25,
    maxPage: 500,
    answer: { kind: 'json', list: 'item', token: 'position' },
  },
  {
    service: 'iam',
    operation: 'ListUsers',
    place: 'form',
    limit: 'MaxItems',
    token: 'Marker',
    defaultPage: 100,
    maxPage: 1000,
    answer: {
      kind: 'xml',
      list: 'Users',
      item: 'member',
      token: 'Marker',
      truncated: 'IsTruncated',
    },
  },
  jsonListing(
    'athena',
    'ListWorkGroups',
    { limit: 'MaxResults', token: 'NextToken', list: 'WorkGroups' },
    { defaultPage: 50, maxPage: 50 },
  ),
  jsonListing(
    'ecs',
    'ListClusters',
    { limit: 'maxResults', token: 'nextToken', list: 'clusterArns' },
    { defaultPage: 100, maxPage: 100 },
  ),
  jsonListing(
    'ecs',
    'ListServices',
    { limit: 'maxResults', token: 'nextToken', list: 'serviceArns' },
    { defaultPage: 10, maxPage: 100 },
  ),
  {
    ...jsonListing(
      'kinesis',
      'ListStreams',
      { limit: 'Limit', token: 'NextToken', list: 'StreamSummaries' },
      { defaultPage: 100, maxPage: 10_000 },
    ),
    answer: { kind: 'json', list: 'StreamSummaries', token: 'NextToken', also: streamNames },
  },
];

function restListing(service: string, req: IncomingMessage): PagedListing | undefined {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  return PAGED_LISTINGS.find(
    (l) =>
      l.service === service &&
      l.rest !== undefined &&
      l.rest.method === req.method &&
      l.rest.path.test(path),
  );
}

function pagedListing(seen: ProxiedRequest): PagedListing | undefined {
  return PAGED_LISTINGS.find((l) => l.service === seen.service && l.operation === seen.operation);
}

interface PageParams {
  readonly limit: number | undefined;
  readonly token: string | undefined;
}

function jsonObject(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text || '{}');
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`fault proxy: expected a JSON object, got ${text.slice(0, 200)}`);
  return value as Record<string, unknown>;
}

function paramsOf(listing: PagedListing, req: IncomingMessage, body: Buffer): PageParams {
  const text = body.toString('utf8');
  let get: (name: string) => unknown;
  if (listing.place === 'json') {
    const json = jsonObject(text);
    get = (name) => json[name];
  } else {
    const params =
      listing.place === 'form'
        ? new URLSearchParams(text)
        : new URL(req.url ?? '/', 'http://x').searchParams;
    get = (name) => params.get(name) ?? undefined;
  }
  const limit = get(listing.limit);
  const token = get(listing.token);
  return {
    limit: limit === undefined || limit === null ? undefined : Number(limit),
    token: typeof token === 'string' && token !== '' ? token : undefined,
  };
}

/** Split is one full answer cut into items, and how to render a page of them. */
interface Split {
  readonly count: number;
  weight(index: number): number;
  render(from: number, to: number, token: string | undefined): string;
}

/** topLevelItems cuts the content of a list element into its items, nested same-named elements kept inside. */
function topLevelItems(xml: string, tag: string): string[] {
  const pattern = new RegExp(`<(/?)${tag}(?:\\s[^>]*)?(/?)>`, 'g');
  const items: string[] = [];
  let depth = 0;
  let from = 0;
  for (const match of xml.matchAll(pattern)) {
    const end = match.index + match[0].length;
    if (match[2] === '/') {
      if (depth === 0) items.push(match[0]);
    } else if (match[1] === '/') {
      depth -= 1;
      if (depth === 0) items.push(xml.slice(from, end));
    } else {
      if (depth === 0) from = match.index;
      depth += 1;
    }
  }
  return items;
}

function refuseOwnToken(listing: PagedListing, answer: string): void {
  const token = listing.answer.token;
  if (new RegExp(`<${token}>[^<]|"${token}"\\s*:\\s*"`).test(answer))
    throw new Error(
      `fault proxy: moto paged ${listing.service}:${listing.operation} itself; take it out of PAGED_LISTINGS`,
    );
}

function splitXml(text: string, spec: XmlList): Split {
  const open = `<${spec.list}>`;
  const close = `</${spec.list}>`;
  const start = text.indexOf(open);
  // An empty list (<Buckets/>) or none at all: one page, as moto wrote it.
  if (start < 0) return { count: 0, weight: () => 1, render: () => text };
  const end = text.indexOf(close, start);
  const items = topLevelItems(text.slice(start + open.length, end), spec.item);
  const head = text.slice(0, start + open.length);
  const tail = text.slice(end + close.length);
  const truncated = spec.truncated;
  const mark = (rest: string, more: boolean): string =>
    truncated === undefined
      ? rest
      : rest.replace(
          new RegExp(`<${truncated}>\\w+</${truncated}>`),
          `<${truncated}>${String(more)}</${truncated}>`,
        );
  return {
    count: items.length,
    weight: (index) => spec.weigh?.(items[index] ?? '') ?? 1,
    render: (from, to, token) =>
      `${head}${items.slice(from, to).join('')}${close}${token === undefined ? '' : `<${spec.token}>${token}</${spec.token}>`}${mark(tail, token !== undefined)}`,
  };
}

function splitJson(text: string, spec: JsonList): Split {
  const answer = jsonObject(text);
  const list = answer[spec.list];
  const items: unknown[] = Array.isArray(list) ? list : [];
  return {
    count: items.length,
    weight: () => 1,
    render: (from, to, token) => {
      const page = items.slice(from, to);
      return JSON.stringify({
        ...answer,
        [spec.list]: page,
        ...spec.also?.(page, token !== undefined),
        ...(token !== undefined && { [spec.token]: token }),
      });
    },
  };
}

interface Upstream {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

function fetchUpstream(target: URL, req: IncomingMessage, body: Buffer): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        readBody(answer).then((content) => {
          resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: content });
        }, reject);
      },
    );
    upstream.on('error', reject);
    upstream.end(body);
  });
}

// snapshotKey names a listing request apart from its page size and token.
function snapshotKey(
  listing: PagedListing,
  seen: ProxiedRequest,
  exchange: { req: IncomingMessage; body: Buffer },
): string {
  const url = new URL(exchange.req.url ?? '/', 'http://x');
  const text = exchange.body.toString('utf8');
  const params: [string, string][] =
    listing.place === 'json'
      ? Object.entries(jsonObject(text)).map(([k, v]) => [k, JSON.stringify(v)])
      : [...(listing.place === 'form' ? new URLSearchParams(text) : url.searchParams)];
  const kept = params
    .filter(([name]) => name !== listing.limit && name !== listing.token)
    .sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([seen.service, seen.region, listing.operation, url.pathname, kept]);
}

interface Cursor {
  readonly split: Split;
  readonly offset: number;
  readonly page: number;
  readonly headers: IncomingMessage['headers'];
}

/** Pager keeps the rest of each listing under its token until the client asks for it. */
class Pager {
  private readonly cursors = new Map<string, Cursor>();
  private readonly target: URL;
  /** With `snapshot`, the first full answer to each listing, reused for every later one. */
  private readonly snapshots: Map<string, Cursor> | undefined;

  private readonly cap: number;

  constructor(target: URL, options: FaultProxyOptions) {
    this.target = target;
    this.snapshots = options.snapshot === true ? new Map() : undefined;
    this.cap = options.pageSizeCap ?? Infinity;
  }

  /** serve answers one page: the first from moto's full answer, the next from the cursor its token names. */
  async serve(
    listing: PagedListing,
    seen: ProxiedRequest,
    exchange: { req: IncomingMessage; body: Buffer; res: ServerResponse },
  ): Promise<void> {
    const { req, body, res } = exchange;
    const params = paramsOf(listing, req, body);
    const asked = Math.min(params.limit ?? listing.defaultPage, listing.maxPage);
    const size = Math.max(1, Math.min(asked, this.cap));
    let cursor: Cursor | undefined;
    if (params.token === undefined) {
      const first = await this.first(listing, seen, { req, body });
      if ('status' in first) {
        res.writeHead(first.status, first.headers).end(first.body);
        return;
      }
      cursor = first;
    } else {
      cursor = this.cursors.get(params.token);
      this.cursors.delete(params.token);
    }
    if (!cursor) {
      answerError(
        seen,
        { status: 400, code: 'InvalidNextToken', message: 'unknown token' },
        'paging',
        res,
      );
      return;
    }
    this.answer(cursor, size, seen, res);
  }

  // first is the cursor at a listing's start: moto's full answer, split into items.
  private async first(
    listing: PagedListing,
    seen: ProxiedRequest,
    exchange: { req: IncomingMessage; body: Buffer },
  ): Promise<Cursor | Upstream> {
    const key = this.snapshots && snapshotKey(listing, seen, exchange);
    const kept = key === undefined ? undefined : this.snapshots?.get(key);
    seen.fromSnapshot = kept !== undefined;
    if (kept) return kept;
    const upstream = await fetchUpstream(this.target, exchange.req, exchange.body);
    if (upstream.status !== 200) return upstream;
    const split = this.split(listing, upstream.body);
    const cursor = { split, offset: 0, page: 1, headers: upstream.headers };
    if (key !== undefined) this.snapshots?.set(key, cursor);
    return cursor;
  }

  private split(listing: PagedListing, body: Buffer): Split {
    const text = body.toString('utf8');
    refuseOwnToken(listing, text);
    return listing.answer.kind === 'xml'
      ? splitXml(text, listing.answer)
      : splitJson(text, listing.answer);
  }

  private answer(cursor: Cursor, size: number, seen: ProxiedRequest, res: ServerResponse): void {
    const { split, offset } = cursor;
    let end = offset;
    let used = 0;
    while (end < split.count && (end === offset || used + split.weight(end) <= size)) {
      used += split.weight(end);
      end += 1;
    }
    let token: string | undefined;
    if (end < split.count) {
      token = randomUUID();
      this.cursors.set(token, { ...cursor, offset: end, page: cursor.page + 1 });
    }
    seen.page = cursor.page;
    const text = split.render(offset, end, token);
    const headers = { ...cursor.headers, 'content-length': String(Buffer.byteLength(text)) };
    delete headers['transfer-encoding'];
    res.writeHead(200, headers).end(text);
  }
}

// passOn forwards a request no fault took to moto, or pages it when it is a paged listing.
async function passOn(
  pager: Pager | undefined,
  seen: ProxiedRequest,
  exchange: { target: URL; req: IncomingMessage; body: Buffer; res: ServerResponse },
): Promise<void> {
  const { target, req, body, res } = exchange;
  const listing = pager && pagedListing(seen);
  if (pager && listing) await pager.serve(listing, seen, { req, body, res });
  else forward(target, req, body, res);
}

/** FaultProxyOptions turn on the proxy's paging of PAGED_LISTINGS. */
export interface FaultProxyOptions {
  /** Page PAGED_LISTINGS as AWS does (moto answers them in one page whatever the page size). */
  readonly paging?: boolean;
  /**
   * With paging, answer a listing asked again (apart from its page size and token) from
   * moto's first full answer to it. For benchmarks over a moto that no longer changes:
   * moto needs about 1.5 ms per EC2 instance to serialise an answer, so without this a
   * 50,000-instance inventory times moto's serialiser, not the client.
   */
  readonly snapshot?: boolean;
  /**
   * With paging, answer at most this many items a page, whatever the request asks: AWS
   * may return fewer items than asked with a token, and clients must follow it. Tests
   * reach a second page with a handful of resources this way.
   */
  readonly pageSizeCap?: number;
}

/** startFaultProxy starts a proxy in front of `targetUrl` (moto) on 127.0.0.1. */
export async function startFaultProxy(
  targetUrl: string,
  options: FaultProxyOptions = {},
): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  const pager = options.paging === true ? new Pager(target, options) : undefined;
  const rules: { rule: FaultRule; used: number }[] = [];
  const requests: ProxiedRequest[] = [];
  const waiters: { where: (request: ProxiedRequest) => boolean; resolve: () => void }[] = [];
  let counter = 0;
  let inFlight = new InFlight();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const holding = inFlight.hold(res);
    const body = await readBody(req);
    const seen = describeRequest(req, body);
    seen.inFlightOnArrival = holding;
    requests.push(seen);
    res.on('close', () => {
      if (!res.writableFinished) seen.aborted = true;
    });
    const active = rules.find(
      (r) =>
        matches(r.rule, seen) &&
        (r.rule.times ?? Infinity) > r.used &&
        (r.rule.when?.(seen) ?? true),
    );
    for (const waiter of waiters.filter((w) => w.where(seen))) waiter.resolve();
    if (active) active.used += 1;
    await active?.rule.after?.();
    const fault = active?.rule.fault;
    if (fault && 'delayMs' in fault) {
      await sleep(fault.delayMs);
      if (res.destroyed) return;
    } else if (fault) {
      counter += 1;
      answerError(seen, fault, `fault-${counter}`, res);
      return;
    }
    await passOn(pager, seen, { target, req, body, res });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(599).end(String(error));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get peakInFlight() {
      return inFlight.peak;
    },
    inject: (rule) => {
      rules.unshift({ rule, used: 0 });
    },
    seen: (where) =>
      requests.some(where)
        ? Promise.resolve()
        : new Promise((resolve) => {
            waiters.push({ where, resolve });
          }),
    clear: () => {
      counter = 0;
      rules.length = 0;
      waiters.length = 0;
      requests.length = 0;
      inFlight = new InFlight();
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
