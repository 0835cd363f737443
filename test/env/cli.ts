// testenv: start, inspect and stop the local test environment from a shell.
//   npm run testenv -- up       start it in the background and print its exports
//   npm run testenv -- up --node   the same, with the real node (kubelet, containerd)
//   npm run testenv -- env      print `export` lines for the running environment
//   npm run testenv -- status   show each server and whether it runs (exit 1 if any is down)
//   npm run testenv -- down     stop every server and remove the run directory
import { readFileSync } from 'node:fs';
import { readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  readTestEnvInfo,
  shellExports,
  startTestEnvironment,
  stopTestEnvironment,
  type TestEnvInfo,
} from './environment.ts';
import { TestEnvError } from './errors.ts';
import { ensureImage } from './image/image.ts';
import { cachePath } from './paths.ts';
import { isAlive } from './processes.ts';

// The last run `up` started, for `env`, `status` and `down` when AWSCHECK_TESTENV is unset.
const CURRENT = cachePath('testenv-current');

const commands: Record<string, (flags: readonly string[]) => Promise<number>> = {
  up,
  down,
  status,
  env,
};

async function up(flags: readonly string[]): Promise<number> {
  const unknown = flags.filter((flag) => flag !== '--node');
  if (unknown.length > 0) throw new TestEnvError(`up takes only --node, not ${unknown.join(' ')}`);
  await refuseIfRunning();
  const started = Date.now();
  const info = await startTestEnvironment({
    tiedToParent: false,
    progress: say,
    ...(flags.includes('--node') && { node: { productImage: ensureImage } }),
  });
  await mkdir(dirname(CURRENT), { recursive: true });
  await writeFile(CURRENT, info.runDir);
  say(
    `test environment up in ${((Date.now() - started) / 1000).toFixed(1)} s; run directory ${info.runDir}`,
  );
  say('use it from a shell with: eval "$(npm run -s testenv -- env)"');
  console.log(shellExports(info));
  return 0;
}

// refuseIfRunning: `up` would orphan the running environment's pointer, so it stops first.
async function refuseIfRunning(): Promise<void> {
  const runDir = await readCurrent();
  if (runDir === undefined) return;
  const running = await readTestEnvInfo(runDir).then(
    (info) => info.processes.some((p) => isAlive(p.pid)),
    () => false,
  );
  if (running) {
    throw new TestEnvError(
      `a test environment is already running in ${runDir}: stop it with \`npm run testenv -- down\``,
    );
  }
}

async function down(): Promise<number> {
  const info = await currentInfo();
  await stopTestEnvironment(info);
  if ((await readCurrent()) === info.runDir) await rm(CURRENT, { force: true });
  say(`stopped the test environment in ${info.runDir}`);
  return 0;
}

async function status(): Promise<number> {
  const info = await currentInfo();
  const rows = [...info.processes, ...(info.node?.processes ?? [])].map((p) => ({
    ...p,
    alive: isAlive(p.pid),
    memory: memoryOf(p.pid),
  }));
  for (const row of rows) {
    const state = row.alive ? 'running' : 'STOPPED';
    console.log(
      `${row.name.padEnd(24)} pid ${String(row.pid).padEnd(8)} ${state}  rss ${mib(row.memory.rssKib)} peak ${mib(row.memory.peakKib)}  ${row.logFile}`,
    );
  }
  const total = (key: keyof Memory): string =>
    mib(rows.reduce((sum, row) => sum + row.memory[key], 0));
  console.log(
    `${'total'.padEnd(24)} ${' '.repeat(21)} rss ${total('rssKib')} peak ${total('peakKib')}`,
  );
  console.log(
    `kube-apiserver ${info.apiServerUrl}\nmoto           ${info.awsEndpointUrl}\nstripe-mock    ${info.stripeApiBase}`,
  );
  return rows.every((row) => row.alive) ? 0 : 1;
}

interface Memory {
  rssKib: number;
  peakKib: number;
}

// memoryOf reads resident and peak resident memory (VmRSS, VmHWM) from /proc.
function memoryOf(pid: number): Memory {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssKib: field('VmRSS'), peakKib: field('VmHWM') };
  } catch {
    return { rssKib: 0, peakKib: 0 };
  }
}

function mib(kib: number): string {
  return `${(kib / 1024).toFixed(0).padStart(4)} MiB`;
}

async function env(): Promise<number> {
  console.log(shellExports(await currentInfo()));
  return 0;
}

async function currentInfo(): Promise<TestEnvInfo> {
  const runDir = process.env.AWSCHECK_TESTENV ?? (await readCurrent());
  if (runDir === undefined)
    throw new TestEnvError(
      'no test environment is running: start one with `npm run testenv -- up`',
    );
  return readTestEnvInfo(runDir);
}

async function readCurrent(): Promise<string | undefined> {
  try {
    return (await readFile(CURRENT, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

function say(line: string): void {
  console.error(`testenv: ${line}`);
}

async function main(argv: readonly string[]): Promise<number> {
  const name = argv[0] ?? '';
  const command = commands[name];
  if (command === undefined) {
    console.error(`usage: npm run testenv -- ${Object.keys(commands).join('|')}`);
    return 2;
  }
  return command(argv.slice(1));
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  say(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
