import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoPath } from './paths.ts';
import { versions } from './versions.ts';

const goMod = (module: string): string =>
  readFileSync(repoPath('test/env/go', module, 'go.mod'), 'utf8');

// requiredVersion reads a direct requirement, in a require block or on a require line.
const requiredVersion = (mod: string, path: string): string | undefined =>
  new RegExp(
    `^(?:require )?\\s*${path.replaceAll('.', '\\.')} (v\\S+)(?: // indirect)?$`,
    'm',
  ).exec(mod)?.[1];

describe('pinned versions', () => {
  it('builds the Kubernetes release versions.ts names, with every staging module at its v0 twin', () => {
    const mod = goMod('kube');
    const staging = versions.kubernetes.replace(/^v1\./, 'v0.');

    expect(requiredVersion(mod, 'k8s.io/kubernetes')).toBe(versions.kubernetes);
    const replaced = [...mod.matchAll(/^\t(k8s\.io\/\S+) => \1 (\S+)$/gm)];
    expect(replaced.length).toBeGreaterThan(30);
    expect(replaced.filter(([, , version]) => version !== staging)).toEqual([]);
  });

  it('builds the etcd release versions.ts names', () => {
    expect(requiredVersion(goMod('etcd'), 'go.etcd.io/etcd/server/v3')).toBe(versions.etcd);
  });
});
