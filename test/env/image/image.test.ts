import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planBuild, snapshotContext } from './image.ts';

// checkout writes a small build context: an allow-list .dockerignore, a Dockerfile,
// package.json (the VERSION build argument) and one source file.
async function checkout(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'image-checkout-'));
  const files: Record<string, string> = {
    '.dockerignore': '*\n!package.json\n!src\n',
    Dockerfile: 'FROM scratch\nCOPY . /app\n',
    'package.json': '{"version":"1.2.3"}',
    'src/main.ts': 'console.log(1);\n',
  };
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

describe('snapshotContext', () => {
  it('plans the copy under the same key, name and cache folder, rooted at the copy', async () => {
    const root = await checkout();
    const plan = await planBuild(root);
    const dest = join(await mkdtemp(join(tmpdir(), 'image-scratch-')), 'context');

    const snapshot = await snapshotContext(plan, dest);

    expect(snapshot).toEqual({ ...plan, root: dest });
  });

  it.each([
    ['a file edited', 'src/main.ts', 'console.log(2);\n'],
    ['a file added', 'src/new.ts', 'export {};\n'],
    ['the Dockerfile edited', 'Dockerfile', 'FROM scratch\n'],
  ])('refuses a checkout changed after planning: %s', async (_change, path, content) => {
    const root = await checkout();
    const plan = await planBuild(root);
    await writeFile(join(root, path), content);
    const dest = join(await mkdtemp(join(tmpdir(), 'image-scratch-')), 'context');

    await expect(snapshotContext(plan, dest)).rejects.toThrow(
      'the checkout changed while the image was planned; run again',
    );
  });
});
