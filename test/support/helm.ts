// Real helm for the chart's tests: helm itself (test/env ensureHelm, built once by `go
// install` at the pinned version), rendering the chart into objects, and the real
// prometheus-operator CRDs the chart's optional monitoring objects need in an apiserver.
import { execFile } from 'node:child_process';
import { copyFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { ensureHelm } from '../env/binaries.ts';
import { buildLocked } from '../env/lock.ts';
import { cachePath, repoPath } from '../env/paths.ts';
import { requireTools } from '../env/prerequisites.ts';
import { versions } from '../env/versions.ts';

const run = promisify(execFile);

/** CHART is the chart's directory. */
export const CHART = repoPath('charts/awscheck-operator');

/** ALL_ON_VALUES turns every option of the chart on. */
export const ALL_ON_VALUES = repoPath('charts/awscheck-operator/ci/all-on-values.yaml');

/** SHARDS_VALUES renders the operator as three shards of one release. */
export const SHARDS_VALUES = repoPath('charts/awscheck-operator/ci/shards-values.yaml');

const progress = (line: string): void => {
  console.error(`helm: ${line}`);
};

let binary: Promise<string> | undefined;

/** helmBinary is the path of the pinned helm, installed on first use. */
export function helmBinary(): Promise<string> {
  binary ??= ensureHelm(progress);
  return binary;
}

/** HelmResult is what a helm command printed. */
export interface HelmResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** helm runs the pinned helm and throws, with what it printed, when it fails. */
export async function helm(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<HelmResult> {
  const path = await helmBinary();
  try {
    return await run(path, [...args], {
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    throw new Error(`helm ${args.join(' ')} failed:\n${stderrOf(error)}`, { cause: error });
  }
}

function stderrOf(error: unknown): string {
  if (error instanceof Error && 'stderr' in error) return String(error.stderr).trim();
  return String(error);
}

/** helmRefusal runs a helm command that must fail and returns what it printed on stderr. */
export async function helmRefusal(args: readonly string[]): Promise<string> {
  const path = await helmBinary();
  try {
    await run(path, [...args], { maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    return stderrOf(error);
  }
  throw new Error(`helm ${args.join(' ')} succeeded; it should have refused`);
}

/** RenderOptions choose one render of the chart. */
export interface RenderOptions {
  readonly namespace: string;
  readonly release?: string;
  readonly valuesFiles?: readonly string[];
  /** --set-string pairs, key (dotted) → value. */
  readonly set?: Readonly<Record<string, string>>;
  /** --set pairs, typed by helm (numbers, booleans). */
  readonly setTyped?: Readonly<Record<string, string>>;
  readonly includeCrds?: boolean;
}

/** templateArgs are the arguments of `helm template` for a render. */
export function templateArgs(options: RenderOptions): string[] {
  return [
    'template',
    options.release ?? 'awscheck',
    CHART,
    '--namespace',
    options.namespace,
    ...(options.includeCrds === true ? ['--include-crds'] : []),
    ...(options.valuesFiles ?? []).flatMap((file) => ['--values', file]),
    ...Object.entries(options.set ?? {}).flatMap(([key, value]) => [
      '--set-string',
      `${key}=${value}`,
    ]),
    ...Object.entries(options.setTyped ?? {}).flatMap(([key, value]) => [
      '--set',
      `${key}=${value}`,
    ]),
  ];
}

/** KubeObject is a rendered object as plain data. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string } & Readonly<
    Record<string, unknown>
  >;
  readonly [field: string]: unknown;
}

/** RenderedObject is one object and the template file it came from. */
export interface RenderedObject {
  /** The template, relative to the chart, e.g. `templates/generated/operator-rbac.yaml`. */
  readonly source: string;
  readonly object: KubeObject;
}

/** parseRendered splits helm's output into objects, each with its `# Source:` template. */
export function parseRendered(text: string): RenderedObject[] {
  return text.split(/^---$/m).flatMap((chunk) => {
    const object = parse(chunk) as KubeObject | null;
    if (object === null) return [];
    const source = /^# Source: [^/]+\/(.+)$/m.exec(chunk)?.[1];
    if (source === undefined) {
      throw new Error(`rendered ${object.kind} ${object.metadata.name} has no # Source`);
    }
    return [{ source, object }];
  });
}

/** renderChart renders the chart with `helm template` and parses it. */
export async function renderChart(
  options: RenderOptions,
): Promise<{ text: string; objects: RenderedObject[] }> {
  const { stdout } = await helm(templateArgs(options));
  return { text: stdout, objects: parseRendered(stdout) };
}

/** PROMETHEUS_OPERATOR_VERSION pins the prometheus-operator whose CRDs the chart's monitoring objects need. */
export const PROMETHEUS_OPERATOR_VERSION = versions.prometheusOperator;

const PROMETHEUS_OPERATOR_MODULE = 'github.com/prometheus-operator/prometheus-operator';

/**
 * prometheusOperatorCrds are the real monitoring.coreos.com CRD files of the pinned
 * prometheus-operator, taken once from its module in the Go module proxy and cached by
 * version; resolves with their paths.
 */
export async function prometheusOperatorCrds(): Promise<string[]> {
  requireTools(['go']);
  const dir = cachePath('prometheus-operator-crds', PROMETHEUS_OPERATOR_VERSION);
  await buildLocked(
    dir,
    progress,
    `prometheus-operator ${PROMETHEUS_OPERATOR_VERSION} CRDs`,
    async (out) => {
      const { stdout } = await run(
        'go',
        [
          'mod',
          'download',
          '-json',
          `${PROMETHEUS_OPERATOR_MODULE}@${PROMETHEUS_OPERATOR_VERSION}`,
        ],
        {
          maxBuffer: 16 * 1024 * 1024,
        },
      );
      const { Dir: moduleDir } = JSON.parse(stdout) as { Dir: string };
      const crdDir = join(moduleDir, 'example', 'prometheus-operator-crd');
      const files = (await readdir(crdDir)).filter((name) => name.endsWith('.yaml'));
      if (files.length === 0) throw new Error(`${crdDir} holds no CRDs`);
      await Promise.all(files.map((name) => copyFile(join(crdDir, name), join(out, name))));
    },
  );
  return (await readdir(dir))
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => join(dir, name));
}

/** kubectlApply runs `kubectl apply --server-side` with extra arguments and returns its output. */
export async function kubectlApply(
  kubectl: string,
  kubeconfig: string,
  args: readonly string[],
  input?: string,
): Promise<HelmResult> {
  const all = [
    '--kubeconfig',
    kubeconfig,
    'apply',
    '--server-side',
    '--field-manager',
    'awscheck-chart-tests',
    ...args,
  ];
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      kubectl,
      all,
      { maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`kubectl ${all.join(' ')} failed:\n${stderr.trim()}`, { cause: error }));
        else resolvePromise({ stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}
