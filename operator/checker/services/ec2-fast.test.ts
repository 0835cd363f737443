// The EC2 inventory's fast DescribeInstanceStatus reader in its place: behind the SDK's
// signing, retries and error handling, it gives the same ids over several pages as the
// SDK's full decode (which the health check keeps), and every answer it cannot read
// exactly fails the run with the category, code, request id, region and operation.
// A tiny local HTTP server plays EC2.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CheckerError } from '../errors.ts';
import type { Observed, ScanContext } from '../service.ts';
import { ec2 } from './ec2.ts';
import { callLimits, DEFAULT_MAX_IN_FLIGHT } from '../limits.ts';

interface Answer {
  readonly status: number;
  readonly body: string;
}

const XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const status = (id: string): string =>
  `<item><instanceId>${id}</instanceId><availabilityZone>eu-west-1a</availabilityZone><instanceState><code>16</code><name>running</name></instanceState><systemStatus><status>ok</status><details><item><name>reachability</name><status>passed</status></item></details></systemStatus><instanceStatus><status>ok</status><details><item><name>reachability</name><status>passed</status></item></details></instanceStatus><eventsSet><item><code>system-reboot</code><description>[Completed] done</description></item></eventsSet></item>`;
const page = (ids: readonly string[], token?: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstanceStatusResponse xmlns="${XMLNS}"><requestId>r</requestId><instanceStatusSet>${ids.map(status).join('')}</instanceStatusSet>${token === undefined ? '' : `<nextToken>${token}</nextToken>`}</DescribeInstanceStatusResponse>`;

const ids = (from: number, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `i-${String(from + i).padStart(17, '0')}`);
const THREE_PAGES: Readonly<Record<string, Answer>> = {
  '': { status: 200, body: page(ids(0, 1000), 'p2') },
  p2: { status: 200, body: page(ids(1000, 1000), 'p3') },
  p3: { status: 200, body: page(ids(2000, 7)) },
};

let pages: Readonly<Record<string, Answer>> = THREE_PAGES;
let asked: string[] = [];
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.once('end', () => {
      const token = new URLSearchParams(body).get('NextToken') ?? '';
      asked.push(token);
      const answer = pages[token] ?? { status: 500, body: 'no such page' };
      res
        .writeHead(answer.status, {
          'content-type': 'text/xml',
          'x-amzn-requestid': `req-${token}`,
        })
        .end(answer.body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  endpoint = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
});
afterAll(() => {
  server.close();
});
beforeEach(() => {
  pages = THREE_PAGES;
  asked = [];
});

function context(): ScanContext {
  return {
    region: 'eu-west-1',
    settings: {
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      limits: callLimits({ maxAttempts: 1, maxInFlight: DEFAULT_MAX_IN_FLIGHT }),
      endpoint,
    },
    signal: new AbortController().signal,
    tags: {},
  };
}

async function collect(scan: AsyncIterable<Observed>): Promise<Observed[]> {
  const found: Observed[] = [];
  for await (const observed of scan) found.push(observed);
  return found;
}

async function failure(scan: AsyncIterable<Observed>): Promise<CheckerError> {
  try {
    await collect(scan);
  } catch (error) {
    if (error instanceof CheckerError) return error;
    throw error;
  }
  throw new Error('the scan succeeded');
}

describe('the EC2 inventory reads DescribeInstanceStatus with the fast reader', () => {
  it('lists the same ids over every page as the health check’s full SDK decode', async () => {
    const listed = await collect(ec2.resourceList(context()));
    const checked = await collect(ec2.healthCheck(context()));

    expect(listed.map((o) => o.id)).toEqual(ids(0, 2007));
    expect(checked.map((o) => o.id)).toEqual(listed.map((o) => o.id));
    expect(listed.every((o) => o.health === undefined)).toBe(true);
    expect(checked.every((o) => o.health?.healthy === true)).toBe(true);
    expect(asked).toEqual(['', 'p2', 'p3', '', 'p2', 'p3']);
  });

  it('fails a truncated page with UnparseableAnswer, its request id, region and operation', async () => {
    const whole = page(ids(1000, 3));
    pages = { ...THREE_PAGES, p2: { status: 200, body: whole.slice(0, whole.length - 40) } };

    const error = await failure(ec2.resourceList(context()));

    expect(error.detail).toMatchObject({
      category: 'ServiceError',
      code: 'UnparseableAnswer',
      requestId: 'req-p2',
      region: 'eu-west-1',
      operation: 'ec2:DescribeInstanceStatus',
      httpStatus: 200,
    });
    expect(error.message).toMatch(/^the DescribeInstanceStatus answer is truncated/);
  });

  it('fails an item without instanceId with IncompleteAnswer, never counting the rest', async () => {
    const body = page(['i-1']).replace('<instanceId>i-1</instanceId>', '');
    pages = { '': { status: 200, body } };

    const error = await failure(ec2.resourceList(context()));

    expect(error.detail).toMatchObject({
      category: 'ServiceError',
      code: 'IncompleteAnswer',
      requestId: 'req-',
      region: 'eu-west-1',
      operation: 'ec2:DescribeInstanceStatus',
    });
  });

  it('leaves an error answer to the SDK: its code, request id and category', async () => {
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>aws-request-1</RequestID></Response>`;
    pages = { '': { status: 403, body } };

    const error = await failure(ec2.resourceList(context()));

    expect(error.detail).toMatchObject({
      category: 'PermissionDenied',
      code: 'UnauthorizedOperation',
      requestId: 'req-', // the SDK takes the header's, as for every EC2 call
      region: 'eu-west-1',
      operation: 'ec2:DescribeInstanceStatus',
      httpStatus: 403,
    });
  });

  it('still refuses an answer that is not AWS before reading it', async () => {
    pages = { '': { status: 200, body: '<!DOCTYPE html><html><body>Sign in</body></html>' } };

    const error = await failure(ec2.resourceList(context()));

    expect(error.detail).toMatchObject({ category: 'ServiceError', code: 'NotAnAwsAnswer' });
  });
});
