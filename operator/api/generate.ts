// `npm run generate`: writes the CRDs and samples from the zod schemas, the RBAC and the
// admission fence from their declarations, and removes generated files that no longer have
// a source.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { GENERATED_DIRS, generatedFiles } from './generated.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** Files with these endings in a generated directory are generated ones. */
const GENERATED_EXTENSIONS = ['.yaml', '.json'];

async function removeStale(dir: string, keep: ReadonlySet<string>): Promise<string[]> {
  const entries = await readdir(join(ROOT, dir), { withFileTypes: true }).catch(() => []);
  const stale = entries
    .filter(
      (entry) => entry.isFile() && GENERATED_EXTENSIONS.some((ext) => entry.name.endsWith(ext)),
    )
    .map((entry) => `${dir}/${entry.name}`)
    .filter((path) => !keep.has(path));
  await Promise.all(stale.map((path) => rm(join(ROOT, path))));
  return stale;
}

const files = generatedFiles();
for (const [path, content] of files) {
  await mkdir(dirname(join(ROOT, path)), { recursive: true });
  await writeFile(join(ROOT, path), content);
}
const keep = new Set(files.keys());
const removed = (await Promise.all(GENERATED_DIRS.map((dir) => removeStale(dir, keep)))).flat();
console.log(
  `generated ${files.size} files${removed.length > 0 ? `; removed stale ${removed.join(', ')}` : ''}`,
);
