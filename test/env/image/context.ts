// The build context as buildah sees it: the checkout minus what `.dockerignore` excludes,
// matched the way buildah (containers/storage fileutils, moby's patternmatcher) matches:
// a path is excluded when the last pattern that matches it or one of its parent folders
// is not a `!` exception. Its hash is the image's cache key.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, lstat, mkdir, readFile, readdir, readlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** IgnorePattern is one `.dockerignore` line, compiled. */
export interface IgnorePattern {
  readonly source: string;
  /** A `!` line: a match re-includes the path. */
  readonly exception: boolean;
  readonly regexp: RegExp;
  /** The pattern up to its first wildcard, to tell which folders it can reach into. */
  readonly literalPrefix: string;
}

/** parseDockerignore compiles a `.dockerignore`: `#` comments and blank lines are skipped. */
export function parseDockerignore(text: string): IgnorePattern[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const exception = line.startsWith('!');
      const pattern = cleanPattern(exception ? line.slice(1).trim() : line);
      return {
        source: line,
        exception,
        regexp: compile(pattern),
        literalPrefix: pattern.split(/[*?[\\]/)[0] ?? '',
      };
    });
}

// cleanPattern keeps what Go's filepath.Clean keeps, without a leading slash.
function cleanPattern(pattern: string): string {
  const parts: string[] = [];
  for (const part of pattern.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

// compile turns a pattern into an anchored expression: `*` and `?` stay within one path
// segment, `**` spans any number of segments (also none), `**` at the end matches all.
function compile(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length;) {
    const [part, next] = token(pattern, i);
    source += part;
    i = next;
  }
  return new RegExp(`^${source}$`);
}

// token translates the pattern's token at `i`, returning its expression and the next index.
function token(pattern: string, i: number): [string, number] {
  const ch = pattern.charAt(i);
  if (pattern.startsWith('**', i)) {
    const next = pattern[i + 2] === '/' ? i + 3 : i + 2;
    return [next >= pattern.length ? '.*' : '(.*/)?', next];
  }
  if (ch === '*') return ['[^/]*', i + 1];
  if (ch === '?') return ['[^/]', i + 1];
  if (ch === '[') {
    const end = pattern.indexOf(']', i + 1);
    if (end === -1) throw new Error(`.dockerignore pattern ${pattern} has an unclosed [`);
    return [`[${pattern.slice(i + 1, end)}]`, end + 1];
  }
  if (ch === '\\' && i + 1 < pattern.length) return [escapeChar(pattern.charAt(i + 1)), i + 2];
  return [escapeChar(ch), i + 1];
}

function escapeChar(ch: string): string {
  return /[.+^${}()|[\]\\]/.test(ch) ? `\\${ch}` : ch;
}

/** isExcluded says whether `.dockerignore` keeps a path (relative, `/`-separated) out of the context. */
export function isExcluded(path: string, patterns: readonly IgnorePattern[]): boolean {
  const segments = path.split('/');
  const parents = segments.slice(0, -1).map((_, i) => segments.slice(0, i + 1).join('/'));
  let excluded = false;
  for (const pattern of patterns) {
    // Only a pattern that could change the verdict is evaluated, as buildah does.
    if (pattern.exception !== excluded) continue;
    const matches =
      pattern.regexp.test(path) || parents.some((parent) => pattern.regexp.test(parent));
    if (matches) excluded = !pattern.exception;
  }
  return excluded;
}

// mayReinclude says whether an exception could bring back something inside an excluded
// folder; when none can, the walk skips the folder (node_modules, .git) entirely.
function mayReinclude(dir: string, patterns: readonly IgnorePattern[]): boolean {
  return patterns.some(
    (pattern) =>
      pattern.exception &&
      (pattern.literalPrefix.startsWith(`${dir}/`) || `${dir}/`.startsWith(pattern.literalPrefix)),
  );
}

/** ContextFile is one file buildah sends: its path, permission bits and content digest. */
export interface ContextFile {
  readonly path: string;
  readonly mode: number;
  /** sha256 of the content, or of the target for a symbolic link. */
  readonly digest: string;
}

/** readContext lists the files of the build context rooted at `root`, sorted by path. */
export async function readContext(root: string): Promise<ContextFile[]> {
  const ignore = await readFile(join(root, '.dockerignore'), 'utf8').catch(() => '');
  const patterns = parseDockerignore(ignore);
  const files: ContextFile[] = [];
  await walk(root, '', patterns, files);
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * copyContext copies the build context of `root` (readContext's files, links kept as
 * links, modes kept) plus the Dockerfile and `.dockerignore` to `dest`, so a build can
 * read a copy nobody edits while it runs.
 */
export async function copyContext(root: string, dest: string): Promise<void> {
  const paths = new Set((await readContext(root)).map((file) => file.path));
  // buildah reads both whatever `.dockerignore` says; a context may lack a `.dockerignore`.
  paths.add('Dockerfile');
  if (existsSync(join(root, '.dockerignore'))) paths.add('.dockerignore');
  for (const path of paths) {
    await mkdir(dirname(join(dest, path)), { recursive: true });
    await cp(join(root, path), join(dest, path), { verbatimSymlinks: true });
  }
}

async function walk(
  root: string,
  dir: string,
  patterns: readonly IgnorePattern[],
  into: ContextFile[],
): Promise<void> {
  for (const entry of await readdir(join(root, dir), { withFileTypes: true })) {
    const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
    const excluded = isExcluded(path, patterns);
    if (entry.isDirectory()) {
      if (!excluded || mayReinclude(path, patterns)) await walk(root, path, patterns, into);
    } else if (!excluded) {
      into.push(await contextFile(root, path));
    }
  }
}

async function contextFile(root: string, path: string): Promise<ContextFile> {
  const full = join(root, path);
  const stats = await lstat(full);
  const content = stats.isSymbolicLink() ? await readlink(full) : await readFile(full);
  return { path, mode: stats.mode & 0o777, digest: sha256(content) };
}

function sha256(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/**
 * contextKey is the cache key of one image build: every context file's path, mode and
 * content, the Dockerfile (always read by buildah, whatever `.dockerignore` says), and
 * the inputs from outside the context (base image version, build arguments).
 */
export function contextKey(
  files: readonly ContextFile[],
  dockerfile: string,
  inputs: Readonly<Record<string, string>>,
): string {
  const hash = createHash('sha256');
  hash.update(`dockerfile\0${sha256(dockerfile)}\n`);
  for (const [name, value] of Object.entries(inputs).sort(([a], [b]) => (a < b ? -1 : 1))) {
    hash.update(`input\0${name}\0${value}\n`);
  }
  for (const file of files)
    hash.update(`file\0${file.path}\0${file.mode.toString(8)}\0${file.digest}\n`);
  return hash.digest('hex');
}
