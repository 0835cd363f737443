import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { LIST_PAGE_SIZE, paged } from './caches.ts';
import type { KubeList } from './kube.ts';

const object = (name: string): KubernetesObject => ({
  metadata: {
    name,
    namespace: 'team',
    managedFields: [{ manager: 'kubectl', operation: 'Apply' }],
  },
});

describe('paged', () => {
  it('lists every page of one snapshot, each shaped, resuming the watch at its resourceVersion', async () => {
    const asked: { limit: number; continue?: string }[] = [];
    const pages: Record<string, KubeList<KubernetesObject>> = {
      first: { metadata: { resourceVersion: '42', continue: 'b' }, items: [object('a')] },
      b: { metadata: { resourceVersion: '42', continue: 'c' }, items: [object('b')] },
      c: { metadata: { resourceVersion: '42' }, items: [object('c')] },
    };
    const list = paged('checks', async (page) => {
      asked.push(page);
      return Promise.resolve(pages[page.continue ?? 'first'] as KubeList<KubernetesObject>);
    });

    const listed = await list();

    expect(asked).toEqual([
      { limit: LIST_PAGE_SIZE },
      { limit: LIST_PAGE_SIZE, continue: 'b' },
      { limit: LIST_PAGE_SIZE, continue: 'c' },
    ]);
    expect(listed.items.map((item) => item.metadata?.name)).toEqual(['a', 'b', 'c']);
    expect(listed.items.every((item) => item.metadata?.managedFields === undefined)).toBe(true);
    expect(listed.metadata?.resourceVersion).toBe('42');
  });

  it('fails a list without a resourceVersion, where no watch could resume', async () => {
    const list = paged('checks', async () =>
      Promise.resolve({
        metadata: {},
        items: [],
      } as unknown as KubeList<KubernetesObject>),
    );
    await expect(list()).rejects.toThrow(
      "the apiserver's list of checks carries no resourceVersion",
    );
  });
});
