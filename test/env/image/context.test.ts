import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  contextKey,
  copyContext,
  isExcluded,
  parseDockerignore,
  readContext,
  type ContextFile,
} from './context.ts';

describe('isExcluded', () => {
  const allowList = parseDockerignore(
    [
      '# comment',
      '*',
      '!package.json',
      '!operator',
      '**/*.test.ts',
      '',
      '!operator/keep.test.ts',
    ].join('\n'),
  );
  it.each([
    ['package.json', false],
    ['package-lock.json', true],
    ['node_modules/x/index.js', true],
    ['.git/HEAD', true],
    ['operator/main.ts', false],
    ['operator/checker/cli.ts', false],
    ['operator/checker/cli.test.ts', true],
    ['operator/keep.test.ts', false],
    ['portal/main.ts', true],
  ])('allow-list: %s excluded=%s', (path, excluded) => {
    expect(isExcluded(path, allowList)).toBe(excluded);
  });

  it.each([
    ['*.md', 'README.md', true],
    ['*.md', 'docs/README.md', false],
    ['**/*.md', 'docs/deep/README.md', true],
    ['**/*.md', 'README.md', true],
    ['docs/**', 'docs/a/b', true],
    ['docs/**', 'docsx/a', false],
    ['/dist', 'dist/main.js', true],
    ['./dist/', 'dist/main.js', true],
    ['a?c', 'abc', true],
    ['a?c', 'a/c', false],
    ['[ab].txt', 'b.txt', true],
    ['[^ab].txt', 'c.txt', true],
    ['[^ab].txt', 'a.txt', false],
    ['file.ts', 'file_ts', false],
    ['node_modules', 'node_modules/a/b/c.js', true],
  ])('pattern %s on %s: excluded=%s', (pattern, path, excluded) => {
    expect(isExcluded(path, parseDockerignore(pattern))).toBe(excluded);
  });

  it('lets the last matching line decide', () => {
    const patterns = parseDockerignore('docs\n!docs/keep.md\ndocs/keep.md');
    expect(isExcluded('docs/keep.md', patterns)).toBe(true);
    expect(isExcluded('docs/keep.md', patterns.slice(0, 2))).toBe(false);
  });
});

describe('readContext', () => {
  it('lists what the .dockerignore keeps, sorted, with modes and link targets', async () => {
    const root = await mkdtemp(join(tmpdir(), 'context-'));
    const files: Record<string, string> = {
      '.dockerignore': '*\n!src\n!package.json\nsrc/**/*.test.ts\n',
      'package.json': '{}',
      'src/b.ts': 'b',
      'src/a/run.sh': 'echo',
      'src/a/run.test.ts': 'test',
      'node_modules/x/index.js': 'x',
      'secret.env': 'TOKEN=1',
    };
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), content);
    }
    await chmod(join(root, 'src/a/run.sh'), 0o755);
    await symlink('b.ts', join(root, 'src/link.ts'));

    const context = await readContext(root);

    expect(context.map((file) => file.path)).toEqual([
      'package.json',
      'src/a/run.sh',
      'src/b.ts',
      'src/link.ts',
    ]);
    expect(context.find((file) => file.path === 'src/a/run.sh')?.mode).toBe(0o755);
    const link = context.find((file) => file.path === 'src/link.ts');
    const target = context.find((file) => file.path === 'src/b.ts');
    expect(link?.digest).not.toBe(target?.digest);
  });
});

describe('contextKey', () => {
  const files: ContextFile[] = [
    { path: 'a.ts', mode: 0o644, digest: 'd1' },
    { path: 'b.ts', mode: 0o644, digest: 'd2' },
  ];
  const key = contextKey(files, 'FROM node:24-slim', { base: 'v1', VERSION: '0.1.0' });

  it('is stable for the same inputs, whatever the order of the inputs record', () => {
    expect(contextKey(files, 'FROM node:24-slim', { VERSION: '0.1.0', base: 'v1' })).toBe(key);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    [
      'a file content',
      [{ ...files[0], digest: 'other' }, files[1]],
      'FROM node:24-slim',
      { base: 'v1', VERSION: '0.1.0' },
    ],
    [
      'a file mode',
      [{ ...files[0], mode: 0o755 }, files[1]],
      'FROM node:24-slim',
      { base: 'v1', VERSION: '0.1.0' },
    ],
    [
      'a file name',
      [{ ...files[0], path: 'c.ts' }, files[1]],
      'FROM node:24-slim',
      { base: 'v1', VERSION: '0.1.0' },
    ],
    ['a file removed', [files[0]], 'FROM node:24-slim', { base: 'v1', VERSION: '0.1.0' }],
    ['the Dockerfile', files, 'FROM node:24', { base: 'v1', VERSION: '0.1.0' }],
    ['the base version', files, 'FROM node:24-slim', { base: 'v2', VERSION: '0.1.0' }],
    ['a build argument', files, 'FROM node:24-slim', { base: 'v1', VERSION: '0.2.0' }],
  ] as const)('changes with %s', (_change, changedFiles, dockerfile, inputs) => {
    expect(contextKey(changedFiles as ContextFile[], dockerfile, inputs)).not.toBe(key);
  });
});

describe('copyContext', () => {
  it('copies the context, the Dockerfile and .dockerignore, with modes and links, nothing else', async () => {
    const root = await mkdtemp(join(tmpdir(), 'context-root-'));
    const files: Record<string, string> = {
      '.dockerignore': '*\n!src\n!package.json\nsrc/**/*.test.ts\n',
      Dockerfile: 'FROM scratch\n',
      'package.json': '{}',
      'src/a/run.sh': 'echo',
      'src/a/run.test.ts': 'test',
      'src/b.ts': 'b',
      'secret.env': 'TOKEN=1',
    };
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), content);
    }
    await chmod(join(root, 'src/a/run.sh'), 0o755);
    await symlink('b.ts', join(root, 'src/link.ts'));
    const dest = await mkdtemp(join(tmpdir(), 'context-copy-'));

    await copyContext(root, dest);

    expect(await readContext(dest)).toEqual(await readContext(root));
    expect(await readFile(join(dest, 'Dockerfile'), 'utf8')).toBe(files.Dockerfile);
    expect(await readFile(join(dest, '.dockerignore'), 'utf8')).toBe(files['.dockerignore']);
    expect(await readlink(join(dest, 'src/link.ts'))).toBe('b.ts');
    expect(existsSync(join(dest, 'secret.env'))).toBe(false);
    expect(existsSync(join(dest, 'src/a/run.test.ts'))).toBe(false);
  });
});
