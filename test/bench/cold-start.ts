// Cold start: `checker run --service sts --type health_check` against
// `aws sts get-caller-identity`, both against the same moto, alternating, median of runs.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureAwsCli } from './aws-cli.ts';
import { awsEnv, checkerArgv, say, startBenchMoto } from './environment.ts';
import { alternate, measure, median } from './measure.ts';

/** ColdStartReport holds the medians and the ratio the target is judged by. */
export interface ColdStartReport {
  readonly runs: number;
  readonly checkerMs: number;
  readonly awsCliMs: number;
  /** checker wall time / AWS CLI wall time; the target is at most 0.5. */
  readonly ratio: number;
}

/** coldStart measures both commands `runs` times each after one warm-up of the caches. */
export async function coldStart(runs = 7): Promise<ColdStartReport> {
  const aws = await ensureAwsCli(say);
  const moto = await startBenchMoto();
  try {
    const dir = await mkdtemp(join(tmpdir(), 'bench-cold-'));
    const env = awsEnv(moto.url, dir);
    const checker = (): ReturnType<typeof measure> =>
      measure(
        checkerArgv(
          dir,
          'run',
          '--service',
          'sts',
          '--type',
          'health_check',
          '--region',
          'us-east-1',
        ),
        env,
      );
    const cli = (): ReturnType<typeof measure> =>
      measure([...aws, 'sts', 'get-caller-identity', '--region', 'us-east-1'], env);
    // One unmeasured run of each fills the OS page cache and moto's lazy imports alike.
    await checker();
    await cli();
    const [checkerRuns, cliRuns] = await alternate(runs, checker, cli);
    const checkerMs = median(checkerRuns.map((m) => m.wallMs));
    const awsCliMs = median(cliRuns.map((m) => m.wallMs));
    return { runs, checkerMs, awsCliMs, ratio: checkerMs / awsCliMs };
  } finally {
    await moto.stop();
  }
}
