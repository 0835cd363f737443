// An endpoint that is not AWS (a captive portal, a proxy's sign-in page, a wrong
// AWS_ENDPOINT_URL) answering HTTP 200 fails every service's run as ServiceError, never
// "found 0" or an invented identity; a body AWS would send that the SDK cannot parse is
// UnparseableAnswer in every protocol. A tiny local HTTP server plays the endpoint.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerProblem } from './aws-answer.ts';
import { loadService } from './registry.ts';
import { runCheck } from './run.ts';
import { SERVICE_NAMES, type ServiceName } from './service-names.ts';
import { callLimits, DEFAULT_MAX_IN_FLIGHT } from './limits.ts';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const PORTAL = '<!DOCTYPE html><html><head><title>Sign in to the guest Wi-Fi</title></head></html>';
let answer: Answer = { status: 200, headers: {}, body: '' };
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      res.writeHead(answer.status, answer.headers).end(answer.body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  endpoint = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
});
afterAll(() => {
  server.close();
});

async function run(service: ServiceName): ReturnType<typeof runCheck> {
  return runCheck(
    {
      service,
      type: 'health_check',
      regions: ['eu-west-1'],
      tags: {},
      expect: {},
      timeoutMs: 10_000,
      concurrency: 1,
    },
    {
      module: await loadService(service),
      settings: {
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
        limits: callLimits({ maxAttempts: 1, maxInFlight: DEFAULT_MAX_IN_FLIGHT }),
        endpoint,
      },
      emit: () => undefined,
      now: () => new Date(),
    },
  );
}

const NOT_AWS: readonly (readonly [string, Answer])[] = [
  ['an HTML page', { status: 200, headers: { 'content-type': 'text/html' }, body: PORTAL }],
  [
    'an HTML page with a request id',
    {
      status: 200,
      headers: { 'content-type': 'text/html', 'x-amzn-requestid': 'r' },
      body: PORTAL,
    },
  ],
  ['no body', { status: 200, headers: { 'x-amzn-requestid': 'r' }, body: '' }],
  ['no request id', { status: 200, headers: { 'content-type': 'application/json' }, body: '{}' }],
  [
    'plain text',
    { status: 200, headers: { 'content-type': 'text/plain', 'x-amzn-requestid': 'r' }, body: 'OK' },
  ],
];

describe.each(NOT_AWS)('an endpoint answering HTTP 200 with %s', (_, reply) => {
  it.each(SERVICE_NAMES)('fails %s as ServiceError, not as AWS', async (service) => {
    answer = reply;

    const result = await run(service);

    expect(result).toMatchObject({
      outcome: 'Failed',
      reason: 'ServiceError',
      resources: 0,
      error: {
        category: 'ServiceError',
        code: 'NotAnAwsAnswer',
        httpStatus: 200,
        message: expect.stringContaining('the endpoint did not answer as AWS') as unknown,
      },
    });
    expect(result.error?.operation).toMatch(/^[a-z0-9-]+:[A-Z]\w+$/);
  });
});

// A body in the protocol's own format that the SDK cannot parse, with AWS's headers.
const BROKEN: readonly (readonly [string, Answer])[] = [
  [
    'broken JSON',
    {
      status: 200,
      headers: { 'content-type': 'application/json', 'x-amzn-requestid': 'r' },
      body: '{"Users": [',
    },
  ],
  [
    'broken XML',
    {
      status: 200,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': 'r' },
      body: '<?xml version="1.0"?><Response><Users><member>',
    },
  ],
];

describe.each(BROKEN)('an answer with %s', (_, reply) => {
  it.each(SERVICE_NAMES)('fails %s as UnparseableAnswer, never a success', async (service) => {
    answer = reply;

    const result = await run(service);

    expect(result.outcome).toBe('Failed');
    expect(result.error?.category).toBe('ServiceError');
    expect(['UnparseableAnswer', 'NotAnAwsAnswer', 'IncompleteAnswer']).toContain(
      result.error?.code,
    );
  });
});

describe('answerProblem', () => {
  const response = (headers: Record<string, string>): Parameters<typeof answerProblem>[0] => ({
    statusCode: 200,
    headers,
  });

  it('passes what moto and AWS send, including moto’s JSON labelled text/html', () => {
    const json = response({ 'content-type': 'text/html; charset=utf-8', 'x-amzn-requestid': 'r' });
    const s3 = response({ 'content-type': 'application/xml', 'x-amz-request-id': 'r' });

    expect(answerProblem(json, '{"FunctionList": []}', false)).toBeUndefined();
    expect(
      answerProblem(s3, '<?xml version="1.0"?><ListAllMyBucketsResult/>', false),
    ).toBeUndefined();
    expect(answerProblem(s3, '', true)).toBeUndefined();
  });
});
