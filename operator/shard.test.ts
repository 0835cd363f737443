import type { V1Namespace } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { manualClock } from './runtime/testing.ts';
import {
  matches,
  namespaceOfKey,
  parseSelector,
  shardOf,
  ShardQueue,
  type NamespaceLookup,
} from './shard.ts';

describe('parseSelector', () => {
  it.each([
    ['shard=a', [{ key: 'shard', operator: 'in', values: ['a'] }]],
    ['shard==a', [{ key: 'shard', operator: 'in', values: ['a'] }]],
    [' shard = a ', [{ key: 'shard', operator: 'in', values: ['a'] }]],
    ['shard=', [{ key: 'shard', operator: 'in', values: [''] }]],
    ['shard!=a', [{ key: 'shard', operator: 'notin', values: ['a'] }]],
    ['shard in (a, b)', [{ key: 'shard', operator: 'in', values: ['a', 'b'] }]],
    ['shard notin (a,b)', [{ key: 'shard', operator: 'notin', values: ['a', 'b'] }]],
    ['shard', [{ key: 'shard', operator: 'exists' }]],
    ['!shard', [{ key: 'shard', operator: 'doesnotexist' }]],
    ['awscheck.io/shard=east', [{ key: 'awscheck.io/shard', operator: 'in', values: ['east'] }]],
    [
      'awscheck.io/tenant,region in (eu,us),!legacy',
      [
        { key: 'awscheck.io/tenant', operator: 'exists' },
        { key: 'region', operator: 'in', values: ['eu', 'us'] },
        { key: 'legacy', operator: 'doesnotexist' },
      ],
    ],
  ])('reads %j', (text, expected) => {
    expect(parseSelector(text)).toEqual(expected);
  });

  it.each([
    ['shard=a=b', '"shard=a=b" is not a requirement'],
    ['shard in a,b', '"shard in a" is not a requirement'],
    ['shard>1', '"shard>1" is not a label key'],
    ['shard=a,', '"" is not a requirement'],
    ['-shard=a', '"-shard" is not a label key'],
    ['Bad_Prefix/shard=a', '"Bad_Prefix/shard" is not a label key'],
    [`shard=${'a'.repeat(64)}`, 'is not a label value'],
    ['shard=a b', '"shard=a b" is not a requirement'],
  ])('refuses %j, saying why and what is allowed', (text, why) => {
    expect(() => parseSelector(text)).toThrow(why);
    expect(() => parseSelector(text)).toThrow(`AWSCHECK_SHARD_SELECTOR "${text}"`);
  });

  it('lists the forms allowed when a term is none of them', () => {
    expect(() => parseSelector('a b')).toThrow(
      'allowed: key=value, key==value, key!=value, key in (a,b), key notin (a,b), key, !key',
    );
  });
});

describe('matches', () => {
  const labels = { shard: 'a', tier: 'gold' };
  it.each([
    ['shard=a', labels, true],
    ['shard=b', labels, false],
    ['shard!=b', labels, true],
    ['shard!=a', labels, false],
    ['missing!=a', labels, true],
    ['shard in (a,b)', labels, true],
    ['shard in (b,c)', labels, false],
    ['missing in (a)', labels, false],
    ['shard notin (b)', labels, true],
    ['shard notin (a)', labels, false],
    ['missing notin (a)', labels, true],
    ['shard', labels, true],
    ['missing', labels, false],
    ['!shard', labels, false],
    ['!missing', labels, true],
    ['shard=a,tier=gold', labels, true],
    ['shard=a,tier=silver', labels, false],
    ['shard notin (a,b)', undefined, true],
    ['shard', undefined, false],
  ] as const)('%j on %j: %s', (text, given, expected) => {
    expect(matches(parseSelector(text), given)).toBe(expected);
  });
});

describe('shardOf', () => {
  const lookup = (namespaces: Record<string, Record<string, string>>): NamespaceLookup => ({
    get: (name): V1Namespace | undefined => {
      const labels = namespaces[name];
      return labels === undefined ? undefined : { metadata: { name, labels } };
    },
  });

  it('owns every namespace without a selector, known to the cache or not', () => {
    const shard = shardOf(undefined, () => lookup({}));
    expect(shard.owns('anything')).toBe(true);
  });

  it('owns the cached namespaces whose labels match, and follows their labels', () => {
    const namespaces = { east: { shard: 'a' }, west: { shard: 'b' } };
    const shard = shardOf('shard=a', () => lookup(namespaces));
    expect(shard.owns('east')).toBe(true);
    expect(shard.owns('west')).toBe(false);
    expect(shard.owns('unknown')).toBe(false);

    namespaces.west = { shard: 'a' };
    expect(shard.owns('west')).toBe(true);
  });

  it('refuses a bad selector at once', () => {
    expect(() => shardOf('shard in a', () => lookup({}))).toThrow('is not a label selector');
  });
});

describe('namespaceOfKey', () => {
  it('reads the namespace of an object key and of a run-queue key', () => {
    expect(namespaceOfKey('team/check')).toBe('team');
    expect(namespaceOfKey('team')).toBe('team');
  });
});

describe('ShardQueue', () => {
  it('takes keys of owned namespaces only, and lets the others go', () => {
    const left: string[] = [];
    const queue = new ShardQueue({ owns: (namespace) => namespace === 'a' }, (key) =>
      left.push(key),
    );
    queue.add('a/one');
    queue.add('b/two');
    queue.add('b');
    expect(queue.depth).toBe(1);
    expect(left).toEqual(['b/two', 'b']);
  });

  it('drops a delayed key whose namespace left before it came due', async () => {
    const { clock, advance } = manualClock();
    const owned = new Set(['a']);
    const left: string[] = [];
    const queue = new ShardQueue({ owns: (namespace) => owned.has(namespace) }, (key) =>
      left.push(key),
    );
    const delayed = new ShardQueue({ owns: (namespace) => owned.has(namespace) }, undefined, {
      clock,
    });
    delayed.addAfter('a/one', 1_000);
    owned.delete('a');
    await advance(1_000);
    expect(delayed.depth).toBe(0);
    queue.add('a/one');
    expect(left).toEqual(['a/one']);
  });
});
