// The real node's own images, made here because no registry is reachable: the pod
// sandbox's pause program and a probe for tests of the node's enforcement, each a static
// Go program (test/env/node/go) in a one-layer OCI archive that `ctr images import` reads.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runLogged, type Progress } from '../binaries.ts';
import { buildLocked } from '../lock.ts';
import { cachePath, repoPath } from '../paths.ts';
import { requireTools } from '../prerequisites.ts';

/** LocalImage is an image archive on disk and the name it is imported under. */
export interface LocalImage {
  readonly ref: string;
  readonly archive: string;
}

/** NodeImages are the images every real node has before any pod runs. */
export interface NodeImages {
  /** The pod sandbox image (containerd's pinned `sandbox` image). */
  readonly pause: LocalImage;
  /** `/probe id|write|cat|message|alloc|sleep`, see go/probe/main.go. */
  readonly probe: LocalImage;
}

const PROGRAMS = ['pause', 'probe'] as const;
const GO_DIR = repoPath('test/env/node/go');

/**
 * ensureNodeImages builds the images once per content of their sources: the tag is a hash
 * of test/env/node/go, so an edit rebuilds them and a cache never serves a stale one.
 */
export async function ensureNodeImages(progress: Progress): Promise<NodeImages> {
  requireTools(['go']);
  const tag = sourceHash();
  const dir = cachePath('node-images', tag);
  await buildLocked(dir, progress, 'the pause and probe images', async (out) => {
    for (const program of PROGRAMS) await packImage(out, program, tag);
  });
  const image = (program: (typeof PROGRAMS)[number]): LocalImage => ({
    ref: imageRef(program, tag),
    archive: join(dir, `${program}.oci.tar`),
  });
  return { pause: image('pause'), probe: image('probe') };
}

function imageRef(program: string, tag: string): string {
  return `localhost/awscheck-testenv-${program}:${tag}`;
}

// sourceHash names the images' sources: every file of the Go module, by path and content.
function sourceHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else hash.update(path.slice(GO_DIR.length)).update(readFileSync(path));
    }
  };
  walk(GO_DIR);
  return hash.digest('hex').slice(0, 12);
}

async function packImage(out: string, program: string, tag: string): Promise<void> {
  const work = join(out, `${program}.work`);
  const rootfs = join(work, 'rootfs');
  const blobs = join(work, 'layout', 'blobs', 'sha256');
  await mkdir(rootfs, { recursive: true });
  await mkdir(blobs, { recursive: true });
  await runLogged('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', rootfs, `./${program}`], {
    cwd: GO_DIR,
    env: { ...process.env, CGO_ENABLED: '0' },
  });
  const layerFile = join(work, 'layer.tar');
  await runLogged('tar', [...REPRODUCIBLE_TAR, '-cf', layerFile, '-C', rootfs, '.']);
  const layer = await addBlob(blobs, await readFile(layerFile));
  const config = await addBlob(
    blobs,
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Entrypoint: [`/${program}`] },
        rootfs: { type: 'layers', diff_ids: [layer.digest] },
      }),
    ),
  );
  const manifest = await addBlob(
    blobs,
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
      }),
    ),
  );
  const layout = join(work, 'layout');
  await writeFile(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          // containerd names the imported image by this annotation.
          annotations: {
            'io.containerd.image.name': imageRef(program, tag),
            'org.opencontainers.image.ref.name': tag,
          },
        },
      ],
    }),
  );
  await runLogged('tar', [
    ...REPRODUCIBLE_TAR,
    '-cf',
    join(out, `${program}.oci.tar`),
    '-C',
    layout,
    '.',
  ]);
  await rm(work, { recursive: true });
}

const REPRODUCIBLE_TAR = ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0'];

interface Blob {
  readonly digest: string;
  readonly size: number;
}

async function addBlob(dir: string, content: Buffer): Promise<Blob> {
  const hex = createHash('sha256').update(content).digest('hex');
  const file = join(dir, hex);
  await writeFile(file, content);
  return { digest: `sha256:${hex}`, size: (await stat(file)).size };
}
