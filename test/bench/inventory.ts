// Inventory: N EC2 instances across 4 regions in moto, behind the fault proxy in paging
// mode (moto answers DescribeInstances and DescribeInstanceStatus in one page whatever the
// page size; AWS pages them by 1,000). Five contenders list the same live instances:
//
// - checker: `checker run --service ec2 --type resource_list` (regions concurrently,
//   DescribeInstanceStatus with IncludeAllInstances, pages of 1,000);
// - CLI loop: `aws ec2 describe-instances`, one region after the other, four Python starts;
// - boto3 describe_instances / describe_instance_status: one Python process, a thread per
//   region, paginated by 1,000 (test/bench/boto3_inventory.py), the second the checker's call;
// - floor: the checker's DescribeInstanceStatus pages fetched by Node's fetch, signed with
//   the SDK's signature-v4, counting ids only (test/bench/floor.ts).
//
// Every contender but the CLI loop checks its count and fails the benchmark when it is wrong.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { repoPath } from '../env/paths.ts';
import { startFaultProxy } from '../support/fault-proxy.ts';
import { ensureAwsCli } from './aws-cli.ts';
import { awsEnv, checkerArgv, motoPython, say, startBenchMoto } from './environment.ts';
import { measure, median, rounds, type Measurement } from './measure.ts';

/** INVENTORY_REGIONS share the instances equally. */
export const INVENTORY_REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2'];
const BATCH = 250;
// The live states the checker lists (terminated instances are gone), for the CLI loop too.
const LIVE = [
  '--filters',
  'Name=instance-state-name,Values=pending,running,shutting-down,stopping,stopped',
];

/** CONTENDERS in the order the report prints them; the checker is first. */
export const CONTENDERS = [
  'checker',
  'aws CLI loop (describe-instances)',
  'boto3 threaded describe_instances',
  'boto3 threaded describe_instance_status',
  'floor (fetch + signature-v4, ids only)',
] as const;

/** Contender is one way of listing the instances. */
export type Contender = (typeof CONTENDERS)[number];

/** Row is one contender's median wall time and its largest peak RSS over the runs. */
export interface Row {
  readonly contender: Contender;
  readonly medianMs: number;
  readonly peakRssMiB: number;
}

/** InventoryReport holds one size's rows and the seeding time, for the record. */
export interface InventoryReport {
  readonly instances: number;
  readonly runs: number;
  readonly seedMs: number;
  readonly rows: readonly Row[];
}

async function seed(endpoint: string, instances: number): Promise<void> {
  const perRegion = instances / INVENTORY_REGIONS.length;
  await Promise.all(
    INVENTORY_REGIONS.map(async (region) => {
      const ec2 = new EC2Client({
        endpoint,
        region,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      });
      for (let made = 0; made < perRegion; made += BATCH) {
        const count = Math.min(BATCH, perRegion - made);
        await ec2.send(
          new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: count, MaxCount: count }),
        );
      }
    }),
  );
}

// The first baseline: what a script does with the AWS CLI, one region after the other.
async function awsCliLoop(aws: readonly string[], env: NodeJS.ProcessEnv): Promise<Measurement> {
  let wallMs = 0;
  let peakRssKiB = 0;
  for (const region of INVENTORY_REGIONS) {
    const run = await measure(
      [...aws, 'ec2', 'describe-instances', '--region', region, '--output', 'json', ...LIVE],
      env,
    );
    wallMs += run.wallMs;
    peakRssKiB = Math.max(peakRssKiB, run.peakRssKiB);
  }
  return { wallMs, peakRssKiB };
}

// The listings every contender asks for, as the SDK and botocore put them on the wire
// (the page size and token aside, which the proxy's snapshot key leaves out).
const LISTINGS = {
  DescribeInstanceStatus: { IncludeAllInstances: 'true' },
  DescribeInstances: {},
} as const;

function listingForm(action: keyof typeof LISTINGS): string {
  const form = new URLSearchParams({ Action: action, Version: '2016-11-15', ...LISTINGS[action] });
  form.set('Filter.1.Name', 'instance-state-name');
  LIVE[1]
    ?.split('=')[2]
    ?.split(',')
    .forEach((state, i) => {
      form.set(`Filter.1.Value.${i + 1}`, state);
    });
  return form.toString();
}

/**
 * prime has moto answer each listing once per region, into the proxy's snapshots, with
 * no client timeout: moto takes minutes for 12,500 instances on a busy machine, longer
 * than botocore's 60 s read timeout or fetch's 300 s.
 */
async function prime(proxyUrl: string): Promise<void> {
  const url = new URL(proxyUrl);
  const one = (region: string, action: keyof typeof LISTINGS): Promise<void> =>
    new Promise((resolve, reject) => {
      const body = listingForm(action);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: '/',
          headers: {
            'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
            'content-length': Buffer.byteLength(body),
            // moto and the proxy read the region and service from the credential scope.
            authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${region}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
          },
        },
        (answer) => {
          answer.resume();
          answer.once('end', () => {
            if (answer.statusCode === 200) resolve();
            else reject(new Error(`priming ${action} in ${region}: ${String(answer.statusCode)}`));
          });
        },
      );
      req.once('error', reject);
      req.end(body);
    });
  for (const action of ['DescribeInstanceStatus', 'DescribeInstances'] as const)
    await Promise.all(INVENTORY_REGIONS.map((region) => one(region, action)));
}

type Runner = () => Promise<Measurement>;

function runners(
  instances: number,
  env: NodeJS.ProcessEnv,
  tools: { aws: readonly string[]; python: string; dir: string },
): Record<Contender, Runner> {
  const expected = String(instances);
  const regionArgs = INVENTORY_REGIONS.flatMap((region) => ['--region', region]);
  const boto3 = (call: string): Runner => {
    const script = repoPath('test/bench/boto3_inventory.py');
    return () => measure([tools.python, script, call, expected, ...INVENTORY_REGIONS], env);
  };
  const checker = checkerArgv(tools.dir, 'run', '--service', 'ec2', '--type', 'resource_list');
  return {
    checker: () =>
      measure([...checker, ...regionArgs, '--expect-min', expected, '--expect-max', expected], env),
    'aws CLI loop (describe-instances)': () => awsCliLoop(tools.aws, env),
    'boto3 threaded describe_instances': boto3('describe_instances'),
    'boto3 threaded describe_instance_status': boto3('describe_instance_status'),
    'floor (fetch + signature-v4, ids only)': () =>
      measure(
        [process.execPath, repoPath('test/bench/floor.ts'), expected, ...INVENTORY_REGIONS],
        env,
      ),
  };
}

/**
 * inventory seeds `instances` instances into a fresh moto and measures every contender
 * `runs` times, in turns. The proxy answers each listing from moto's first full answer
 * (snapshot), so the timed runs measure the clients and the paging, not moto's serialiser:
 * `prime` fills the snapshots, the timed runs are checked never to reach moto, and with
 * `warmUp` 'all' every contender runs once first, to fill the OS page cache and Python's
 * bytecode cache.
 */
export async function inventory(
  instances: number,
  runs: number,
  warmUp: 'all' | 'snapshots',
): Promise<InventoryReport> {
  const aws = await ensureAwsCli(say);
  const moto = await startBenchMoto();
  const proxy = await startFaultProxy(moto.url, { paging: true, snapshot: true });
  try {
    say(`seeding ${instances} EC2 instances across ${INVENTORY_REGIONS.length} regions`);
    const seeding = performance.now();
    await seed(moto.url, instances);
    const seedMs = performance.now() - seeding;
    const dir = await mkdtemp(join(tmpdir(), 'bench-inventory-'));
    const env = awsEnv(proxy.url, dir);
    const run = runners(instances, env, { aws, python: await motoPython(), dir });
    const all = CONTENDERS.map((contender) => run[contender]);
    say('priming the proxy: moto answers each listing once');
    const priming = performance.now();
    await prime(proxy.url);
    say(`primed in ${((performance.now() - priming) / 1000).toFixed(0)} s`);
    if (warmUp === 'all') await rounds(1, all);
    proxy.clear();
    say(`measuring ${CONTENDERS.length} contenders at ${instances} instances, ${runs} runs each`);
    const measured = await rounds(runs, all);
    const toMoto = proxy.requests.filter((r) => r.page === 1 && r.fromSnapshot !== true);
    if (toMoto.length > 0)
      throw new Error(`${toMoto.length} timed listings reached moto: the snapshot keys differ`);
    const rows = CONTENDERS.map((contender, i) => {
      const samples = measured[i] ?? [];
      return {
        contender,
        medianMs: median(samples.map((m) => m.wallMs)),
        peakRssMiB: Math.max(...samples.map((m) => m.peakRssKiB)) / 1024,
      };
    });
    return { instances, runs, seedMs, rows };
  } finally {
    await proxy.close();
    await moto.stop();
  }
}
