import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoPath } from '../paths.ts';
import { versions } from '../versions.ts';

const goMod = (module: string): string =>
  readFileSync(repoPath('test/env/go', module, 'go.mod'), 'utf8');

describe('the real node’s pinned versions', () => {
  it('builds the containerd release versions.ts names', () => {
    expect(goMod('containerd')).toMatch(
      new RegExp(
        `^\\tgithub\\.com/containerd/containerd/v2 ${versions.containerd.replaceAll('.', '\\.')}( |$)`,
        'm',
      ),
    );
  });

  it('builds kubelet and kube-scheduler from the control plane’s go.mod', () => {
    const tools = /^tool \(\n([^)]*)\)/m.exec(goMod('kube'))?.[1] ?? '';
    expect(tools).toContain('k8s.io/kubernetes/cmd/kubelet\n');
    expect(tools).toContain('k8s.io/kubernetes/cmd/kube-scheduler\n');
  });
});
