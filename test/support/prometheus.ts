// A real Prometheus (Debian's package) for tests: on a free loopback port with its own
// storage, scraping the given targets every second and loading the given rule files.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { TestEnvInfo } from '../env/environment.ts';
import { freePort } from '../env/ports.ts';
import { requireTools } from '../env/prerequisites.ts';
import { startProcess, stopProcessGroup, waitUntil } from '../env/processes.ts';

/** PrometheusOptions: where to scrape (host:port, path /metrics) and which rule files to load. */
export interface PrometheusOptions {
  readonly name: string;
  readonly targets: readonly string[];
  readonly ruleFiles?: readonly string[];
}

/** Sample is one series of an instant query's result: its labels and value. */
export interface Sample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: readonly [number, string];
}

/** RuleGroup is a group as /api/v1/rules lists it. */
export interface RuleGroup {
  readonly name: string;
  readonly file: string;
  readonly rules: readonly { readonly name: string; readonly type: string; health: string }[];
}

/** RunningPrometheus is a started Prometheus and its HTTP API. */
export interface RunningPrometheus {
  readonly url: string;
  /** query evaluates an instant query now; it throws with Prometheus's error when it fails. */
  query(expr: string): Promise<Sample[]>;
  /** labelValues lists a label's values among the series that match `match`. */
  labelValues(label: string, match: string): Promise<string[]>;
  ruleGroups(): Promise<RuleGroup[]>;
  stop(): Promise<void>;
}

/** SCRAPE_INTERVAL_SECONDS is how often the test Prometheus scrapes and evaluates rules. */
export const SCRAPE_INTERVAL_SECONDS = 1;

/** SCRAPE_JOB is the job label of the scraped targets. */
export const SCRAPE_JOB = 'awscheck-operator';

// The scrape keeps the operator's own labels (honor_labels), as the chart's ServiceMonitor
// must: its `namespace` and `service` labels would otherwise become exported_namespace and
// exported_service under the target's.
function configOf(options: PrometheusOptions): object {
  const interval = `${String(SCRAPE_INTERVAL_SECONDS)}s`;
  return {
    global: { scrape_interval: interval, evaluation_interval: interval },
    rule_files: options.ruleFiles ?? [],
    scrape_configs: [
      {
        job_name: SCRAPE_JOB,
        honor_labels: true,
        static_configs: [{ targets: options.targets }],
      },
    ],
  };
}

/** startPrometheus starts Prometheus under the run directory and waits until it is ready. */
export async function startPrometheus(
  env: TestEnvInfo,
  options: PrometheusOptions,
): Promise<RunningPrometheus> {
  requireTools(['prometheus']);
  const dir = join(env.runDir, `prometheus-${options.name}`);
  await mkdir(join(dir, 'data'), { recursive: true });
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, stringify(configOf(options)));
  const port = await freePort();
  const running = startProcess({
    name: `prometheus-${options.name}`,
    command: 'prometheus',
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${String(port)}`,
      '--log.level=warn',
    ],
    logFile: join(dir, 'prometheus.log'),
    tiedToParent: true,
  });
  const url = `http://127.0.0.1:${String(port)}`;
  await waitUntil(async () => (await fetch(`${url}/-/ready`)).ok, {
    what: 'prometheus',
    timeoutMs: 30_000,
    process: running,
  });
  return {
    url,
    query: async (expr) =>
      apiData<{ result: Sample[] }>(url, '/api/v1/query', { query: expr }).then((d) => d.result),
    labelValues: (label, match) =>
      apiData<string[]>(url, `/api/v1/label/${label}/values`, { 'match[]': match }),
    ruleGroups: async () =>
      apiData<{ groups: RuleGroup[] }>(url, '/api/v1/rules', {}).then((d) => d.groups),
    stop: () => stopProcessGroup(running.pid),
  };
}

// apiData calls the HTTP API and returns its data, or throws with Prometheus's error.
async function apiData<T>(
  url: string,
  path: string,
  params: Readonly<Record<string, string>>,
): Promise<T> {
  const response = await fetch(`${url}${path}?${new URLSearchParams(params).toString()}`);
  const body = (await response.json()) as { status: string; data?: T; error?: string };
  if (body.status !== 'success' || body.data === undefined) {
    throw new Error(
      `prometheus ${path} ${JSON.stringify(params)}: ${body.error ?? response.statusText}`,
    );
  }
  return body.data;
}
