// `npm run bench`: every benchmark, each against its own moto, printing the ratios of
// one run against the targets. Not part of the test suite: timings vary by machine.
//
//   npm run bench              # cold start, then inventory at 5,000 (3 runs) and 50,000 (2 runs)
//   npm run bench -- inventory --instances 5000 --runs 3
//   npm run bench -- cold-start
//   npm run bench -- webhook-storm
//   npm run bench -- image     # only when named: a cold build takes minutes and runs debootstrap
//   npm run bench -- node-vs-runner   # only when named: starts a real node
//   npm run bench -- scale --checks 5000 --namespaces 500 [--steady-seconds 300]
//        [--floor-concurrency 8,32,64] [--operator-env AWSCHECK_KUBE_QPS=500,AWSCHECK_WORKERS=16]
//   npm run bench -- run-results --checks 1000 --namespaces 100 [--start-seconds 60]
//        [--max-in-flight 100] [--timeout-seconds 600] [--canned-checker]
//        [--controller-manager-qps 200]   # kube-controller-manager's client QPS (kube: 20)
import { parseArgs } from 'node:util';
import type { ControllerManagerSizing } from '../env/control-plane.ts';
import { coldStart } from './cold-start.ts';
import { buildChecker } from './environment.ts';
import { CONTENDERS, inventory, type InventoryReport } from './inventory.ts';
import { imageBuild, printImage } from './image.ts';
import { formatNodeVsRunner, nodeVsRunner } from './node-vs-runner.ts';
import { parseEnvList } from './operator-process.ts';
import { formatRunResults, runResults } from './run-results.ts';
import { formatScale, scale } from './scale.ts';
import { webhookStorm, type StormReport } from './webhook-storm.ts';

const verdict = (met: boolean): string => (met ? 'target met' : 'TARGET MISSED');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    instances: { type: 'string', default: '5000,50000' },
    /** Runs per size, one number for all or one per size. */
    runs: { type: 'string', default: '3,2' },
    // scale and run-results:
    checks: { type: 'string' },
    namespaces: { type: 'string' },
    'steady-seconds': { type: 'string', default: '300' },
    'steady-resync-seconds': { type: 'string', default: '60' },
    'floor-concurrency': { type: 'string', default: '8,32,64' },
    'start-seconds': { type: 'string', default: '60' },
    'timeout-seconds': { type: 'string', default: '600' },
    'max-in-flight': { type: 'string', default: '100' },
    /** run-results: every checker run a canned success (test/env/pod-runner/canned-checker.ts). */
    'canned-checker': { type: 'boolean', default: false },
    /**
     * run-results: kube-controller-manager's --kube-api-qps (burst twice that, 20 Job syncs);
     * kube's defaults (20 QPS, 5 Job syncs) when absent. It paces Pod → Job Complete.
     */
    'controller-manager-qps': { type: 'string' },
    /** Environment for the operator under benchmark, on top of production settings. */
    'operator-env': { type: 'string', default: '' },
  },
});
const BENCHMARKS = ['cold-start', 'inventory', 'webhook-storm'];
/** Benchmarks that run only when named: each takes minutes of building. */
const ON_REQUEST = ['image', 'node-vs-runner', 'scale', 'run-results'];
const wanted = positionals.length > 0 ? positionals : BENCHMARKS;
const known = [...BENCHMARKS, ...ON_REQUEST];
const unknown = wanted.filter((name) => !known.includes(name));
if (unknown.length > 0)
  throw new Error(`unknown benchmark ${unknown.join(', ')}; choose ${known.join(', ')}`);

if (wanted.includes('cold-start') || wanted.includes('inventory')) await buildChecker();

if (wanted.includes('cold-start')) {
  const cold = await coldStart();
  console.log(
    `cold start (median of ${cold.runs}): checker ${cold.checkerMs.toFixed(0)} ms, aws sts get-caller-identity ${cold.awsCliMs.toFixed(0)} ms, ratio ${cold.ratio.toFixed(2)} (target ≤ 0.50: ${verdict(cold.ratio <= 0.5)})`,
  );
}

function controllerManagerSizing(qps: string | undefined): {
  controllerManager?: ControllerManagerSizing;
} {
  if (qps === undefined) return {};
  const value = Number(qps);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`--controller-manager-qps must be a positive whole number, not ${qps}`);
  return { controllerManager: { qps: value, burst: 2 * value, jobSyncs: 20 } };
}

function printInventory(report: InventoryReport): void {
  const checker = report.rows[0];
  if (checker?.contender !== CONTENDERS[0]) throw new Error('the checker row comes first');
  console.log(
    `\ninventory of ${report.instances} EC2 instances in 4 regions, paged as AWS pages (median of ${report.runs}; seeding took ${(report.seedMs / 1000).toFixed(0)} s)`,
  );
  console.log('| contender | median ms | checker / contender | peak RSS MiB |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const row of report.rows) {
    const ratio = checker.medianMs / row.medianMs;
    console.log(
      `| ${row.contender} | ${row.medianMs.toFixed(0)} | ${ratio.toFixed(2)} | ${row.peakRssMiB.toFixed(1)} |`,
    );
  }
  const byName = new Map(report.rows.map((row) => [row.contender, row.medianMs]));
  const sameCall =
    checker.medianMs / (byName.get('boto3 threaded describe_instance_status') ?? NaN);
  const floor = checker.medianMs / (byName.get('floor (fetch + signature-v4, ids only)') ?? NaN);
  console.log(
    `checker / boto3 threaded describe_instance_status ${sameCall.toFixed(2)} (target ≤ 0.70: ${verdict(sameCall <= 0.7)}); checker / floor ${floor.toFixed(2)} (target ≤ 1.50: ${verdict(floor <= 1.5)}); checker peak RSS ${checker.peakRssMiB.toFixed(1)} MiB`,
  );
}

if (wanted.includes('inventory')) {
  const sizes = values.instances.split(',').map(Number);
  const runs = values.runs.split(',').map(Number);
  for (const [i, instances] of sizes.entries()) {
    const times = runs[Math.min(i, runs.length - 1)] ?? 3;
    printInventory(await inventory(instances, times, i === 0 ? 'all' : 'snapshots'));
  }
}

function printStorm(report: StormReport): void {
  const { storm, floor } = report;
  console.log(
    `\nwebhook storm: ${report.deliveries} deliveries for 100 tenants, each sent twice (${report.posts} POSTs), shuffled, 50 in flight`,
  );
  console.log(
    `${report.namespaces} tenant namespaces, each on its final plan; ${report.deliveries} events applied once each (${report.applied} applied, ${report.stale} stale, ${report.unchanged} unchanged), ${report.posts - report.deliveries} duplicates answered without provisioning; ${report.writes} apiserver writes, all accounted for`,
  );
  console.log('| route | POSTs | seconds | per second | p50 ms | p99 ms |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const [name, rate] of [
    ['signed webhook storm', storm],
    ['floor: unsigned no-op POST', floor],
  ] as const) {
    console.log(
      `| ${name} | ${rate.requests} | ${rate.seconds.toFixed(2)} | ${rate.perSecond.toFixed(0)} | ${rate.p50Ms.toFixed(1)} | ${rate.p99Ms.toFixed(1)} |`,
    );
  }
  console.log(
    `storm / floor: throughput ${(storm.perSecond / floor.perSecond).toFixed(3)}, p99 latency ${(storm.p99Ms / floor.p99Ms).toFixed(1)}×`,
  );
}

if (wanted.includes('webhook-storm')) printStorm(await webhookStorm());
if (wanted.includes('image')) await printImage(await imageBuild());
if (wanted.includes('node-vs-runner')) console.log(formatNodeVsRunner(await nodeVsRunner(5)));

if (wanted.includes('scale')) {
  const report = await scale({
    checks: Number(values.checks ?? 5000),
    namespaces: Number(values.namespaces ?? 500),
    steadySeconds: Number(values['steady-seconds']),
    steadyResyncSeconds: Number(values['steady-resync-seconds']),
    floorConcurrencies: values['floor-concurrency'].split(',').map(Number),
    operatorEnv: parseEnvList(values['operator-env']),
  });
  console.log(formatScale(report));
}

if (wanted.includes('run-results')) {
  const report = await runResults({
    checks: Number(values.checks ?? 1000),
    namespaces: Number(values.namespaces ?? 100),
    startSeconds: Number(values['start-seconds']),
    timeoutSeconds: Number(values['timeout-seconds']),
    maxInFlight: Number(values['max-in-flight']),
    cannedChecker: values['canned-checker'],
    ...controllerManagerSizing(values['controller-manager-qps']),
    operatorEnv: parseEnvList(values['operator-env']),
  });
  console.log(formatRunResults(report));
}
