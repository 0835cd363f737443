// The image built from the unmodified Dockerfile by buildah: its config, its files, what
// it must not hold, and the operator's own checker pod template run in it under runc as
// the kubelet would run it (uid 65532, read-only root filesystem, no capabilities).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../operator/config.ts';
import { OPERATOR_NODE_FLAGS } from '../../operator/node-flags.ts';
import {
  CHECKER_COMMAND,
  CHECKER_ENTRY,
  checkerPodTemplate,
} from '../../operator/controller/checker-pod.ts';
import { AwsCredentialRefSpec } from '../../operator/api/v1alpha1/awscredentialref.ts';
import { repoPath } from '../env/paths.ts';
import { layerEntries, readLayerFile, type LayerEntry } from '../env/image/archive.ts';
import { buildah, imageConfig, type ImageConfig } from '../env/image/buildah.ts';
import { baseRef } from '../env/image/base.ts';
import { readContext } from '../env/image/context.ts';
import { ENTRYPOINT, ENTRYPOINT_PATH } from '../env/image/entrypoint.ts';
import { CA_BUNDLE, ensureImage, ensureInStorage, type BuiltImage } from '../env/image/image.ts';
import { runInRootfs, type ContainerProcess } from '../env/image/runc.ts';

const packageJson = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as {
  version: string;
  license: string;
};

const lockfile = JSON.parse(readFileSync(repoPath('package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean; devOptional?: boolean; optional?: boolean }>;
};

/** Files read at run time beside the compiled code, besides every entrypoint. */
const RUNTIME_FILES = [
  CHECKER_ENTRY,
  '/app/dist/operator/main.js',
  '/app/dist/portal/main.js',
  '/app/dist/operator/plans/catalog.yaml',
  '/app/dist/operator/checker/iam-policy.json',
  '/app/package.json',
];

let image: BuiltImage;
let config: ImageConfig;
let container: string | undefined;
let rootfs: string;
let layers: LayerEntry[];

// The first run builds the node:24-slim stand-in and the image (minutes); later runs
// find the archive in the cache.
beforeAll(async () => {
  image = await ensureImage((line) => {
    console.error(`image: ${line}`);
  });
  await ensureInStorage(image);
  config = (await imageConfig(image.ref)) ?? {};
  container = (await buildah(['from', '--pull=never', image.ref])).trim();
  rootfs = (await buildah(['mount', container])).trim();
  layers = await layerEntries(image.archive);
}, 900_000);

afterAll(async () => {
  if (container === undefined) return;
  await buildah(['umount', container]);
  await buildah(['rm', container]);
});

const inImage = (path: string): string => join(rootfs, path);

/** checkerPod is the pod the operator makes for a run with a credential Secret. */
function checkerPod(): { spec: V1PodSpec; container: V1Container } {
  const operatorConfig = loadConfig({
    AWSCHECK_CHECKER_IMAGE: image.ref,
    AWSCHECK_NAMESPACE: 'awscheck-system',
  });
  const credential = {
    refName: 'keys',
    spec: AwsCredentialRefSpec.parse({ region: 'us-east-1', secretRef: { name: 'keys' } }),
    externalId: 'x',
  };
  const template = checkerPodTemplate(operatorConfig, ['--help'], credential, { labels: {} });
  const spec = template.spec;
  const first = spec?.containers[0];
  if (spec === undefined || first === undefined)
    throw new Error('the checker pod has no container');
  return { spec, container: first };
}

/**
 * asPod runs argv with the image's environment and working directory as the checker pod's
 * user, chosen as the kubelet chooses it: the container's securityContext, else the pod's,
 * else the image's numeric User.
 */
function asPod(argv: readonly string[], readOnlyRoot = true): ContainerProcess {
  const { spec, container: checker } = checkerPod();
  const fromImage = imageUser(config);
  const runAs = (field: 'runAsUser' | 'runAsGroup'): number | undefined =>
    checker.securityContext?.[field] ?? spec.securityContext?.[field];
  return {
    argv,
    env: config.Env ?? [],
    cwd: config.WorkingDir ?? '/',
    uid: runAs('runAsUser') ?? fromImage.uid,
    gid: runAs('runAsGroup') ?? fromImage.gid,
    readOnlyRoot,
  };
}

/** imageUser reads the image config's `uid:gid`; a name would need the image's /etc/passwd. */
function imageUser(imageConfig: ImageConfig): { uid: number; gid: number } {
  const match = /^(\d+):(\d+)$/.exec(imageConfig.User ?? '');
  if (match?.[1] === undefined || match[2] === undefined)
    throw new Error(`the image's User is ${String(imageConfig.User)}, not numeric uid:gid`);
  return { uid: Number(match[1]), gid: Number(match[2]) };
}

describe('image config', () => {
  it('is named by its build context and archived for `ctr images import`', () => {
    expect(image.ref).toMatch(/^localhost\/awscheck-operator:[0-9a-f]{12}$/);
    expect(existsSync(image.archive)).toBe(true);
    expect(image.sizeBytes).toBeGreaterThan(0);
  });

  it('runs as the non-root numeric user 65532 in /app, the operator by default', () => {
    expect(config.User).toBe('65532:65532');
    expect(config.WorkingDir).toBe('/app');
    expect(config.Cmd).toEqual(['node', ...OPERATOR_NODE_FLAGS, 'dist/operator/main.js']);
    expect(config.Env).toContain('NODE_ENV=production');
  });

  // The base (the official node image and its stand-in) runs everything through
  // docker-entrypoint.sh; the Dockerfile drops it, so CMD and a pod's command run as written.
  it('has no entrypoint, though its base has the official one', async () => {
    const base = await imageConfig(baseRef());
    expect(base?.Entrypoint).toEqual([...ENTRYPOINT]);
    expect(base?.Cmd).toEqual(['node']);
    expect(config.Entrypoint ?? []).toEqual([]);
  });

  it('carries the OCI labels', () => {
    expect(config.Labels).toMatchObject({
      'org.opencontainers.image.title': 'awscheck-operator',
      'org.opencontainers.image.licenses': packageJson.license,
      'org.opencontainers.image.version': packageJson.version,
    });
    expect(config.Labels?.['org.opencontainers.image.description']).toMatch(/operator/);
  });
});

describe('image files', () => {
  it.each(RUNTIME_FILES)('holds %s', (path) => {
    expect(existsSync(inImage(path))).toBe(true);
  });

  it('holds its base’s entrypoint script, executable, beside node', () => {
    expect(statSync(inImage(ENTRYPOINT_PATH)).mode & 0o111).toBe(0o111);
  });

  it('holds node at /usr/local/bin/node, on the PATH the image sets', () => {
    expect(existsSync(inImage('/usr/local/bin/node'))).toBe(true);
    const path = config.Env?.find((line) => line.startsWith('PATH='));
    expect(path?.split(/[=:]/)).toContain('/usr/local/bin');
  });

  // The lockfile marks each installed package dev-only or not: a package a production
  // dependency needs (e.g. @types/node for @kubernetes/client-node) ships, a dev-only one never.
  it('holds every production package of the lockfile and no dev-only one', () => {
    const present = (path: string): boolean => existsSync(inImage(`/app/${path}`));
    const packages = Object.entries(lockfile.packages).filter(([path]) => path !== '');
    const production = packages.filter(
      ([, entry]) => !entry.dev && !entry.devOptional && !entry.optional,
    );
    const devOnly = packages.filter(([, entry]) => entry.dev === true);
    expect(production.map(([path]) => path).filter((path) => !present(path))).toEqual([]);
    expect(devOnly.map(([path]) => path).filter(present)).toEqual([]);
    expect(present('node_modules/typescript')).toBe(false);
    expect(present('node_modules/vitest')).toBe(false);
  });

  it('holds no source, tests or build-only files', () => {
    expect(existsSync(inImage('/app/operator'))).toBe(false);
    expect(existsSync(inImage('/app/portal'))).toBe(false);
    expect(existsSync(inImage('/app/tsconfig.json'))).toBe(false);
    expect(layers.filter((entry) => /^app\/dist\/.*\.test\.js$/.test(entry.path))).toEqual([]);
  });
});

describe('image layers', () => {
  it('hold the build secret (the host CA bundle) in no layer, nor npm’s cache', async () => {
    // The listing covers every layer, the base's too (which holds node).
    expect(layers.map((entry) => entry.path)).toContain('usr/local/bin/node');
    const bundle = readFileSync(CA_BUNDLE);
    const digest = (content: Buffer): string => createHash('sha256').update(content).digest('hex');
    const sameSize = layers.filter((entry) => entry.size === bundle.length);
    const copies: string[] = [];
    for (const entry of sameSize) {
      if (digest(await readLayerFile(image.archive, entry)) === digest(bundle))
        copies.push(entry.path);
    }
    expect(copies).toEqual([]);
    expect(layers.filter((entry) => /^(run\/secrets|root\/\.npm)\//.test(entry.path))).toEqual([]);
  });
});

describe('the operator’s checker pod in the image, under runc', () => {
  it('names a command the image holds', () => {
    const { container: checker } = checkerPod();
    expect(checker.image).toBe(image.ref);
    expect(checker.command).toEqual([...CHECKER_COMMAND]);
    const [program, ...rest] = checker.command ?? [];
    expect(program).toBe('node');
    for (const arg of rest.filter((value) => value.startsWith('/'))) {
      expect(existsSync(inImage(arg)), `${arg} in the image`).toBe(true);
    }
  });

  it('runs `checker --help` as uid 65532 on a read-only root filesystem', async () => {
    const { container: checker } = checkerPod();
    expect(checker.securityContext?.readOnlyRootFilesystem).toBe(true);
    const argv = [...(checker.command ?? []), ...(checker.args ?? [])];
    const result = await runInRootfs(rootfs, asPod(argv));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: checker run --service/);
    expect(result.stdout).toMatch(/^ {2}ec2$/m);
  });

  it('gives the process uid 65532 and a root filesystem it cannot write', async () => {
    const script =
      "const fs = require('node:fs'); let code = 'written';" +
      "try { fs.writeFileSync('/app/probe', 'x'); } catch (e) { code = e.code; }" +
      'console.log(process.getuid(), process.getgid(), code)';
    const result = await runInRootfs(rootfs, asPod(['node', '-e', script]));
    expect(result.stdout.trim()).toBe('65532 65532 EROFS');
  });

  // A module missing from the production dependencies fails at import, before any code
  // runs; each entrypoint getting as far as its configuration proves the graph loads.
  it.each([
    ['operator', ['node', 'dist/operator/main.js'], 'invalid operator configuration'],
    ['portal', ['node', 'dist/portal/main.js'], 'invalid portal configuration'],
  ])('loads the %s with production dependencies only', async (_name, argv, message) => {
    const result = await runInRootfs(rootfs, asPod(argv));
    expect(result.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (module|package)/);
    expect(result.stderr).toContain(message);
    expect(result.code).toBe(1);
  });
});

describe('the cache key', () => {
  it('hashes exactly the files buildah sends as the build context', async () => {
    const probe = await mkdtemp(join(tmpdir(), 'context-probe-'));
    const ref = `localhost/awscheck-context-probe:${process.pid}`;
    await writeFile(join(probe, 'Dockerfile'), 'FROM scratch\nCOPY . /context\n');
    let probeContainer: string | undefined;
    try {
      await buildah([
        'build',
        '--pull=never',
        '--file',
        join(probe, 'Dockerfile'),
        '--tag',
        ref,
        repoPath(),
      ]);
      probeContainer = (await buildah(['from', '--pull=never', ref])).trim();
      const mounted = (await buildah(['mount', probeContainer])).trim();
      // The copy holds no .dockerignore (the allow-list leaves it out), so all of it is read.
      const sent = await readContext(join(mounted, 'context'));
      expect(sent).toEqual(await readContext(repoPath()));
    } finally {
      if (probeContainer !== undefined) await buildah(['rm', probeContainer]);
      await buildah(['rmi', ref]).catch(() => undefined);
      await rm(probe, { recursive: true, force: true });
    }
  });
});
