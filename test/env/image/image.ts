// The image built from the project's unmodified Dockerfile by Debian's buildah, cached by
// the content of its build context: an archive `ctr -n k8s.io images import` accepts,
// which the real node loads into containerd.
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Progress } from '../binaries.ts';
import { buildLocked } from '../lock.ts';
import { cachePath, repoPath } from '../paths.ts';
import { requireTools } from '../prerequisites.ts';
import { baseVersion, ensureBase } from './base.ts';
import { buildah, imageConfig, RUNTIME } from './buildah.ts';
import { contextKey, readContext } from './context.ts';

export const IMAGE_NAME = 'localhost/awscheck-operator';

export interface BuiltImage {
  /** e.g. localhost/awscheck-operator:<12 hex of the build context hash> */
  readonly ref: string;
  /** an archive `ctr -n k8s.io images import` accepts (docker-archive or oci-archive), in the cache */
  readonly archive: string;
  readonly sizeBytes: number;
}

/** CA_BUNDLE is the host's CA bundle, the build's only way through the TLS-intercepting proxy. */
export const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
/** CA_SECRET_ID is the build secret the Dockerfile's `npm ci` steps mount (never a layer). */
export const CA_SECRET_ID = 'ca-certificates';

/** ARCHIVE_FILE is the docker-archive inside an image's cache folder. */
const ARCHIVE_FILE = 'image.tar';

/** ImageBuildOptions are the knobs of a build; the benchmark uses them, tests take the defaults. */
export interface ImageBuildOptions {
  /** Reuse buildah's layers of earlier builds (default true); false for a cold build. */
  readonly layers?: boolean;
  /** Extra environment for buildah, e.g. a TMPDIR holding an empty npm cache mount. */
  readonly env?: NodeJS.ProcessEnv;
}

/** BuildPlan is what one build context yields: its cache key, image name and archive. */
export interface BuildPlan {
  /** The checkout (or a copy of its build context) buildah builds. */
  readonly root: string;
  readonly key: string;
  readonly ref: string;
  readonly dir: string;
  readonly archive: string;
  readonly buildArgs: Readonly<Record<string, string>>;
}

/** planBuild hashes the build context as buildah will see it; no buildah work. */
export async function planBuild(root: string = repoPath()): Promise<BuildPlan> {
  const [files, dockerfile, packageJson] = await Promise.all([
    readContext(root),
    readFile(join(root, 'Dockerfile'), 'utf8'),
    readFile(join(root, 'package.json'), 'utf8'),
  ]);
  const { version } = JSON.parse(packageJson) as { version: string };
  const buildArgs = { VERSION: version };
  const key = contextKey(files, dockerfile, { base: baseVersion(), ...buildArgs });
  const dir = cachePath('image', key.slice(0, 12));
  return {
    root,
    key,
    ref: `${IMAGE_NAME}:${key.slice(0, 12)}`,
    dir,
    archive: join(dir, ARCHIVE_FILE),
    buildArgs,
  };
}

/** ensureImage builds the image from the Dockerfile unless the cache holds this build context's. */
export async function ensureImage(progress: Progress): Promise<BuiltImage> {
  const plan = await planBuild();
  if (!existsSync(plan.archive)) {
    requireTools(['buildah', 'debootstrap', 'runc']);
    await ensureBase(progress);
    await buildLocked(plan.dir, progress, `the image ${plan.ref}`, (out) =>
      buildImage(plan, join(out, ARCHIVE_FILE), {}),
    );
    await pruneImages(plan.dir);
  }
  return { ref: plan.ref, archive: plan.archive, sizeBytes: (await stat(plan.archive)).size };
}

/**
 * buildImage runs `buildah build` on the checkout and writes the image as a docker-archive
 * named `plan.ref` to `archive`. The host's CA bundle reaches `npm ci` as a build secret.
 */
export async function buildImage(
  plan: BuildPlan,
  archive: string,
  options: ImageBuildOptions,
): Promise<void> {
  const args = [
    'build',
    '--runtime',
    RUNTIME,
    '--pull=never',
    '--network',
    'host',
    `--layers=${String(options.layers ?? true)}`,
    '--secret',
    `id=${CA_SECRET_ID},src=${CA_BUNDLE}`,
    ...Object.entries(plan.buildArgs).flatMap(([name, value]) => [
      '--build-arg',
      `${name}=${value}`,
    ]),
    '--file',
    join(plan.root, 'Dockerfile'),
    '--tag',
    plan.ref,
    plan.root,
  ];
  await buildah(args, { env: options.env });
  await buildah(['push', '--quiet', plan.ref, `docker-archive:${archive}:${plan.ref}`]);
}

/** KEEP_IMAGES is how many archives (the newest) the cache keeps; each is ~500 MB. */
const KEEP_IMAGES = 3;

// pruneImages removes all but the newest archives and their tags in buildah's storage:
// every edit of the context makes a new one, and old ones are never asked for again.
async function pruneImages(current: string): Promise<void> {
  const root = dirname(current);
  const dirs = await Promise.all(
    (await readdir(root, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory() && /^[0-9a-f]{12}$/.test(entry.name))
      .map(async (entry) => ({
        name: entry.name,
        mtimeMs: (await stat(join(root, entry.name))).mtimeMs,
      })),
  );
  const old = dirs
    .filter((dir) => join(root, dir.name) !== current)
    .sort((a, b) => b.mtimeMs - a.mtimeMs)
    .slice(KEEP_IMAGES - 1);
  for (const dir of old) {
    await rm(join(root, dir.name), { recursive: true, force: true });
    await buildah(['rmi', `${IMAGE_NAME}:${dir.name}`]).catch(() => undefined);
  }
}

/**
 * ensureInStorage makes buildah's storage hold the image (a cache warmed elsewhere has
 * only the archive), so tests can open containers from it.
 */
export async function ensureInStorage(image: BuiltImage): Promise<void> {
  if ((await imageConfig(image.ref)) !== undefined) return;
  await buildah(['pull', '--quiet', `docker-archive:${image.archive}`]);
}
