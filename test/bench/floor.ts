// The floor of an EC2 inventory: the checker's own DescribeInstanceStatus pages (same
// parameters, same page size, signed with the SDK's signature-v4 package), fetched by
// Node's fetch one region per concurrent loop, counting <instanceId> and nothing else.
//
//   node test/bench/floor.ts EXPECTED REGION...   (endpoint and keys from the environment)
//
// It exits 1 when the count differs from EXPECTED.
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

const LIVE_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];

// Sha256 is the HashConstructor signature-v4 asks for, on node:crypto.
class Sha256 {
  private readonly hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest());
  }
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

const endpoint = new URL(process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1');
const credentials = {
  accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '',
  secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '',
};

function formOf(token: string | undefined): string {
  const form = new URLSearchParams({
    Action: 'DescribeInstanceStatus',
    Version: '2016-11-15',
    IncludeAllInstances: 'true',
    'Filter.1.Name': 'instance-state-name',
    MaxResults: '1000',
  });
  LIVE_STATES.forEach((state, i) => {
    form.set(`Filter.1.Value.${i + 1}`, state);
  });
  if (token !== undefined) form.set('NextToken', token);
  return form.toString();
}

function countIds(xml: string): number {
  let count = 0;
  for (let at = xml.indexOf('<instanceId>'); at >= 0; at = xml.indexOf('<instanceId>', at + 1))
    count += 1;
  return count;
}

function nextToken(xml: string): string | undefined {
  const match = /<nextToken>([^<]+)<\/nextToken>/.exec(xml);
  return match?.[1];
}

async function page(signer: SignatureV4, token: string | undefined): Promise<string> {
  const body = formOf(token);
  const signed = await signer.sign({
    method: 'POST',
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    port: Number(endpoint.port),
    path: '/',
    query: {},
    headers: {
      host: endpoint.host,
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    },
    body,
  });
  const answer = await fetch(endpoint, { method: 'POST', headers: signed.headers, body });
  const text = await answer.text();
  if (!answer.ok) throw new Error(`DescribeInstanceStatus answered ${answer.status}: ${text}`);
  return text;
}

async function countRegion(region: string): Promise<number> {
  const signer = new SignatureV4({ service: 'ec2', region, credentials, sha256: Sha256 });
  let count = 0;
  let token: string | undefined;
  do {
    const xml = await page(signer, token);
    count += countIds(xml);
    token = nextToken(xml);
  } while (token !== undefined);
  return count;
}

const [expected, ...regions] = process.argv.slice(2);
const counts = await Promise.all(regions.map(countRegion));
const total = counts.reduce((a, b) => a + b, 0);
console.log(total);
if (total !== Number(expected)) {
  console.error(`counted ${total} instances, expected ${String(expected)}`);
  process.exitCode = 1;
}
