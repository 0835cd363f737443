// One region pattern for the CRD and the checker, held to AWS's current region list and
// to the SDK's own partition table; a region no partition lists is InvalidConfiguration
// before any call; global services follow the partition of the credentials' region.
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Region } from '../api/v1alpha1/common.ts';
import { main } from './main.ts';
import { globalRegionFor, regionPartition } from './regions.ts';
import { REGION_PATTERN } from './result-limits.ts';

// AWS's public regions (https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html),
// the China and GovCloud partitions, and the European Sovereign Cloud.
const AWS_REGIONS = [
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-central-1',
  'ca-west-1',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'cn-north-1',
  'cn-northwest-1',
  'us-gov-east-1',
  'us-gov-west-1',
  'eusc-de-east-1',
];

// Every region the SDK's partition table lists by name (what regions.ts decides from).
async function sdkRegions(): Promise<string[]> {
  const require = createRequire(import.meta.url);
  const core = dirname(require.resolve('@aws-sdk/core/package.json'));
  const table = await readFile(
    join(core, 'dist-es/submodules/client/util-endpoints/lib/aws/partitions.js'),
    'utf8',
  );
  const names = [...table.matchAll(/"([a-z0-9-]+)": \{\s*"description"/g)].map((m) => m[1] ?? '');
  return names.filter((name) => !name.endsWith('-global'));
}

describe('the region pattern', () => {
  it.each(AWS_REGIONS)(
    '%s: the CRD and the checker accept it, and a partition lists it',
    (region) => {
      expect(Region.safeParse(region).success).toBe(true);
      expect(REGION_PATTERN.test(region)).toBe(true);
      expect(regionPartition(region)).toBeDefined();
    },
  );

  it('matches every region the SDK’s partition table lists', async () => {
    const listed = await sdkRegions();

    expect(listed.length).toBeGreaterThan(40);
    expect(listed).toContain('eusc-de-east-1');
    expect(listed.filter((region) => !REGION_PATTERN.test(region))).toEqual([]);
    expect(listed.filter((region) => !Region.safeParse(region).success)).toEqual([]);
  });

  it.each(['Mars', 'us_east_1', 'US-EAST-1', 'useast1', 'us-east-100'])('refuses %s', (region) => {
    expect(Region.safeParse(region).success).toBe(false);
    expect(REGION_PATTERN.test(region)).toBe(false);
  });
});

describe('partitions', () => {
  it.each([
    ['us-east-1', 'aws', 'us-east-1'],
    ['eu-central-2', 'aws', 'us-east-1'],
    ['cn-north-1', 'aws-cn', 'cn-northwest-1'],
    ['us-gov-east-1', 'aws-us-gov', 'us-gov-west-1'],
    ['eusc-de-east-1', 'aws-eusc', 'eusc-de-east-1'],
  ])('%s is in %s, whose global services are called in %s', (region, name, global) => {
    expect(regionPartition(region)).toEqual({ name, globalRegion: global });
    expect(globalRegionFor(region)).toBe(global);
  });

  it.each(['eu-centrl-1', 'us-east-9', 'xx-north-1'])('%s is listed by no partition', (region) => {
    expect(REGION_PATTERN.test(region)).toBe(true);
    expect(regionPartition(region)).toBeUndefined();
  });
});

// A local endpoint that records the SigV4 scope of every request and answers as IAM would.
let server: Server;
let scopes: string[];
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    const scope = /Credential=[^/]+\/\d+\/([^/]+)\/([^/]+)\//.exec(req.headers.authorization ?? '');
    scopes.push(`${scope?.[2] ?? '?'}@${scope?.[1] ?? '?'}`);
    res
      .writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': 'r-1' })
      .end(
        '<ListUsersResponse><ListUsersResult><Users/><IsTruncated>false</IsTruncated></ListUsersResult></ListUsersResponse>',
      );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  // The SDK reads its endpoint from the process environment, as in a Pod.
  vi.stubEnv('AWS_ENDPOINT_URL', endpoint());
});
afterAll(() => {
  vi.unstubAllEnvs();
  server.close();
});
beforeEach(() => {
  scopes = [];
});

const endpoint = (): string => `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;

const io = (): Parameters<typeof main>[1] & { out: string[] } => {
  const out: string[] = [];
  return {
    out,
    env: {
      AWS_ACCESS_KEY_ID: 'a',
      AWS_SECRET_ACCESS_KEY: 'b',
    },
    stdout: (line) => out.push(line),
    stderr: () => undefined,
    now: () => new Date(),
  };
};

describe('checker run and regions', () => {
  it('refuses eu-centrl-1 as InvalidConfiguration before any call', async () => {
    const streams = io();
    const argv = ['run', '--service', 'ec2', '--type', 'resource_list', '--region', 'eu-centrl-1'];

    expect(await main(argv, streams)).toBe(2);
    expect(scopes).toEqual([]);
    expect(streams.out.at(-1)).toMatch(/eu-centrl-1 is not a region any AWS partition lists/);
  });

  it('refuses a region of another partition than the credentials’ region', async () => {
    const streams = io();
    const argv = ['run', '--service', 'ec2', '--type', 'resource_list', '--region', 'cn-north-1'];

    expect(await main([...argv, '--sts-region', 'us-east-1'], streams)).toBe(2);
    expect(scopes).toEqual([]);
    expect(streams.out.at(-1)).toMatch(/partition aws-cn.*us-east-1 is in aws/);
  });

  it.each([
    ['us-west-2', 'us-east-1'],
    ['cn-north-1', 'cn-northwest-1'],
    ['us-gov-east-1', 'us-gov-west-1'],
  ])('calls IAM for credentials of %s in its partition’s %s', async (stsRegion, global) => {
    const argv = ['run', '--service', 'iam', '--type', 'resource_list', '--region', stsRegion];

    expect(await main([...argv, '--sts-region', stsRegion], io())).toBe(0);
    expect(scopes).toEqual([`iam@${global}`]);
  });
});
