// Reading a docker-archive without loading it anywhere: its manifest and, per layer, the
// files the layer adds, so a test can prove what is and is not in any layer.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const MAX_BUFFER = 512 * 1024 * 1024;

/** LayerEntry is one file a layer holds. */
export interface LayerEntry {
  readonly layer: string;
  /** The entry's name in the layer tar. */
  readonly name: string;
  /** Path inside the image, without a leading `./` or `/`. */
  readonly path: string;
  readonly size: number;
}

/** ArchiveManifest is the one image entry of a docker-archive's manifest.json. */
interface ArchiveManifest {
  /** The config file's name: <sha256 hex of the config>.json. */
  readonly Config: string;
  readonly Layers: string[];
}

async function archiveManifest(archive: string): Promise<ArchiveManifest> {
  const { stdout } = await run('tar', ['-xOf', archive, 'manifest.json'], {
    maxBuffer: MAX_BUFFER,
  });
  const [manifest] = JSON.parse(stdout) as ArchiveManifest[];
  if (manifest === undefined) throw new Error(`${archive} has an empty manifest.json`);
  return manifest;
}

/** archiveLayers lists the layer files of a docker-archive in their order. */
export async function archiveLayers(archive: string): Promise<string[]> {
  return (await archiveManifest(archive)).Layers;
}

/** archiveConfigDigest is the sha256 (hex) of a docker-archive's image config: its image id. */
export async function archiveConfigDigest(archive: string): Promise<string> {
  const { Config } = await archiveManifest(archive);
  const match = /^(?:blobs\/sha256\/|sha256:)?([0-9a-f]{64})(?:\.json)?$/.exec(Config);
  if (match?.[1] === undefined)
    throw new Error(`${archive} names its config ${Config}, not <sha256 hex>.json`);
  return match[1];
}

/** layerEntries lists every regular file of every layer of a docker-archive. */
export async function layerEntries(archive: string): Promise<LayerEntry[]> {
  const entries: LayerEntry[] = [];
  for (const layer of await archiveLayers(archive)) {
    const { stdout } = await run(
      'sh',
      ['-c', 'tar -xOf "$1" "$2" | tar --numeric-owner -tvf -', 'list', archive, layer],
      { maxBuffer: MAX_BUFFER },
    );
    for (const line of stdout.split('\n')) {
      // -rw-r--r-- 0/0  219597 2026-11-26 06:37 ./etc/ssl/certs/ca-certificates.crt
      const match = /^-\S+\s+\S+\s+(\d+)\s+\S+\s+\S+\s+(.+)$/.exec(line);
      if (match?.[1] === undefined || match[2] === undefined) continue;
      const name = match[2];
      entries.push({ layer, name, path: name.replace(/^\.?\//, ''), size: Number(match[1]) });
    }
  }
  return entries;
}

/** readLayerFile returns one file of one layer of a docker-archive. */
export async function readLayerFile(archive: string, entry: LayerEntry): Promise<Buffer> {
  const { stdout } = await run(
    'sh',
    ['-c', 'tar -xOf "$1" "$2" | tar -xOf - "$3"', 'read', archive, entry.layer, entry.name],
    { maxBuffer: MAX_BUFFER, encoding: 'buffer' },
  );
  return stdout;
}
