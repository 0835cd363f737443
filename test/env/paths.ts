import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * cacheRoot is where built binaries and virtualenvs live: the user's cache directory,
 * never the checkout, so a clean clone on the same machine reuses them.
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(base, 'awscheck-operator');
}

/** cachePath names one cached artefact under cacheRoot. */
export function cachePath(...parts: string[]): string {
  return join(cacheRoot(), ...parts);
}

/** repoPath resolves a path inside this repository. */
export function repoPath(...parts: string[]): string {
  return join(import.meta.dirname, '..', '..', ...parts);
}
