// The image built from the project's unmodified Dockerfile by Debian's buildah, cached by
// the content of its build context: an archive `ctr -n k8s.io images import` accepts,
// which the real node loads into containerd.
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Progress } from '../binaries.ts';
import { TestEnvError } from '../errors.ts';
import { buildLocked } from '../lock.ts';
import { cachePath, repoPath } from '../paths.ts';
import { requireTools } from '../prerequisites.ts';
import { baseVersion, ensureBase } from './base.ts';
import { archiveConfigDigest } from './archive.ts';
import { buildah, imageId, RUNTIME } from './buildah.ts';
import { contextKey, copyContext, readContext } from './context.ts';

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
/** CONTEXT_DIR is the copy of the build context buildah reads, inside the scratch folder. */
const CONTEXT_DIR = 'context';

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
  const cached = await planBuild();
  if (existsSync(cached.archive)) return builtImage(cached);
  requireTools(['buildah', 'debootstrap', 'runc']);
  await ensureBase(progress);
  // Building the base takes minutes: plan again, so only the copy itself can race an edit.
  const plan = await planBuild();
  await buildLocked(plan.dir, progress, `the image ${plan.ref}`, async (out) => {
    const context = join(out, CONTEXT_DIR);
    try {
      await buildImage(await snapshotContext(plan, context), join(out, ARCHIVE_FILE), {});
    } finally {
      await rm(context, { recursive: true, force: true });
    }
  });
  await pruneImages(plan.dir);
  return builtImage(plan);
}

async function builtImage(plan: BuildPlan): Promise<BuiltImage> {
  return { ref: plan.ref, archive: plan.archive, sizeBytes: (await stat(plan.archive)).size };
}

/**
 * snapshotContext copies the plan's build context to `dest` and plans the copy: the image
 * is built from the copy, so a file edited in the checkout during the build can never be
 * cached under the key of what was planned. A copy that hashes to another key means the
 * checkout changed after planning, and the build stops.
 */
export async function snapshotContext(plan: BuildPlan, dest: string): Promise<BuildPlan> {
  await copyContext(plan.root, dest);
  const snapshot = await planBuild(dest);
  if (snapshot.key !== plan.key) {
    throw new TestEnvError(
      `the checkout changed while the image was planned; run again (${plan.root}: planned ${plan.key.slice(0, 12)}, copied ${snapshot.key.slice(0, 12)})`,
    );
  }
  return snapshot;
}

/**
 * buildImage runs `buildah build` on the plan's root and writes the image as a docker-archive
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
 * ensureInStorage makes the name in buildah's storage point at the archive's image (a
 * cache warmed elsewhere has only the archive; another build may have taken the name),
 * so tests open containers from exactly what the node imports. Image ids are config digests.
 */
export async function ensureInStorage(image: BuiltImage): Promise<void> {
  const archived = await archiveConfigDigest(image.archive);
  if ((await imageId(image.ref)) === archived) return;
  await buildah(['pull', '--quiet', `docker-archive:${image.archive}`]);
  const stored = await imageId(image.ref);
  if (stored !== archived) {
    throw new TestEnvError(
      `buildah storage names ${image.ref} image ${String(stored)} after loading ${image.archive} (config ${archived}); remove the tag with \`buildah rmi ${image.ref}\` and run again`,
    );
  }
}
