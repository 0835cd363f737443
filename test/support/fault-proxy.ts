// A fault-injecting HTTP proxy for the checker's tests: it sits in front of moto on
// 127.0.0.1 and, for the requests a rule matches, answers with an AWS error in that
// service's real wire format (EC2 query XML, query XML, JSON 1.0/1.1, REST-JSON,
// REST-XML) or holds the request back, so the SDK's own parsing and retries are exercised.
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

/** ErrorFault answers with an AWS error; DelayFault holds the request before forwarding it. */
export type Fault =
  | { readonly status: number; readonly code: string; readonly message?: string }
  | { readonly delayMs: number };

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
}

/** ProxiedRequest is what the proxy saw of one request and did with it. */
export interface ProxiedRequest {
  readonly service: string;
  readonly region: string;
  readonly operation: string | undefined;
  readonly method: string;
  readonly path: string;
  faulted: boolean;
  /** The client went away before the answer was complete (the SDK aborted the call). */
  aborted: boolean;
}

/** FaultProxy is a running proxy; `url` is what a client uses as its endpoint. */
export interface FaultProxy {
  readonly url: string;
  readonly requests: ProxiedRequest[];
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

function describeRequest(req: IncomingMessage, body: Buffer): ProxiedRequest {
  const scope = CREDENTIAL_SCOPE.exec(req.headers.authorization ?? '');
  return {
    service: scope?.[2] ?? 'unknown',
    region: scope?.[1] ?? 'unknown',
    operation: operationOf(req, body),
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    faulted: false,
    aborted: false,
  };
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

/** startFaultProxy starts a proxy in front of `targetUrl` (moto) on 127.0.0.1. */
export async function startFaultProxy(targetUrl: string): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  const rules: { rule: FaultRule; used: number }[] = [];
  const requests: ProxiedRequest[] = [];
  const waiters: { where: (request: ProxiedRequest) => boolean; resolve: () => void }[] = [];
  let counter = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const seen = describeRequest(req, body);
    requests.push(seen);
    res.on('close', () => {
      if (!res.writableFinished) seen.aborted = true;
    });
    const active = rules.find((r) => matches(r.rule, seen) && (r.rule.times ?? Infinity) > r.used);
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
    forward(target, req, body, res);
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
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
