// Inventory: 5,000 EC2 instances across 4 regions, `checker run --service ec2 --type
// resource_list` (regions concurrently) against a sequential `aws ec2 describe-instances`
// loop over the same regions; also the checker's peak RSS.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { ensureAwsCli } from './aws-cli.ts';
import { awsEnv, checkerArgv, say, startBenchMoto } from './environment.ts';
import { alternate, measure, median, type Measurement } from './measure.ts';

/** INVENTORY_REGIONS share the instances equally. */
export const INVENTORY_REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2'];
const BATCH = 250;

/** InventoryReport holds the medians, the speed-up and the checker's peak memory. */
export interface InventoryReport {
  readonly instances: number;
  readonly runs: number;
  readonly checkerMs: number;
  readonly awsCliLoopMs: number;
  /** AWS CLI loop wall time / checker wall time; the target is at least 3. */
  readonly speedup: number;
  readonly checkerPeakRssMiB: number;
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

// The baseline: what a script does with the AWS CLI, one region after the other.
async function awsCliLoop(aws: readonly string[], env: NodeJS.ProcessEnv): Promise<Measurement> {
  let wallMs = 0;
  let peakRssKiB = 0;
  for (const region of INVENTORY_REGIONS) {
    const run = await measure(
      [...aws, 'ec2', 'describe-instances', '--region', region, '--output', 'json'],
      env,
    );
    wallMs += run.wallMs;
    peakRssKiB = Math.max(peakRssKiB, run.peakRssKiB);
  }
  return { wallMs, peakRssKiB };
}

/** inventory seeds `instances` instances into a fresh moto and measures both sides. */
export async function inventory(instances = 5_000, runs = 3): Promise<InventoryReport> {
  const aws = await ensureAwsCli(say);
  const moto = await startBenchMoto();
  try {
    say(`seeding ${instances} EC2 instances across ${INVENTORY_REGIONS.length} regions`);
    await seed(moto.url, instances);
    const dir = await mkdtemp(join(tmpdir(), 'bench-inventory-'));
    const env = awsEnv(moto.url, dir);
    const regionArgs = INVENTORY_REGIONS.flatMap((region) => ['--region', region]);
    const checker = (): Promise<Measurement> =>
      measure(
        checkerArgv(
          dir,
          'run',
          '--service',
          'ec2',
          '--type',
          'resource_list',
          ...regionArgs,
          '--expect-min',
          String(instances),
          '--expect-max',
          String(instances),
        ),
        env,
      );
    const [checkerRuns, cliRuns] = await alternate(runs, checker, () => awsCliLoop(aws, env));
    const checkerMs = median(checkerRuns.map((m) => m.wallMs));
    const awsCliLoopMs = median(cliRuns.map((m) => m.wallMs));
    const peak = Math.max(...checkerRuns.map((m) => m.peakRssKiB));
    return {
      instances,
      runs,
      checkerMs,
      awsCliLoopMs,
      speedup: awsCliLoopMs / checkerMs,
      checkerPeakRssMiB: peak / 1024,
    };
  } finally {
    await moto.stop();
  }
}
