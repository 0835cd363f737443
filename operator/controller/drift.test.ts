import { describe, expect, it } from 'vitest';
import { contains, containsDesired } from './drift.ts';

const cronJob = (resources: object, extra: object = {}): { spec: object } => ({
  spec: {
    suspend: false,
    jobTemplate: {
      spec: { template: { spec: { containers: [{ name: 'checker', resources, ...extra }] } } },
    },
  },
});

describe('containsDesired', () => {
  const desired = cronJob({ limits: { cpu: '1000m', memory: '0.25Gi' } });

  it('takes quantities the apiserver stored in canonical form as the same', () => {
    const stored = cronJob({ limits: { cpu: '1', memory: '256Mi' } }, { imagePullPolicy: 'X' });
    expect(containsDesired(stored, desired)).toBe(true);
  });

  it.each([
    ['a changed quantity', cronJob({ limits: { cpu: '2', memory: '256Mi' } })],
    ['a missing limit', cronJob({ limits: { memory: '256Mi' } })],
    ['a CronJob suspended by hand', { spec: { ...cronJob({}).spec, suspend: true } }],
  ])('sees %s as drift', (_case, stored) => {
    expect(containsDesired(stored, desired)).toBe(false);
  });
});

describe('contains', () => {
  it.each([
    ['extra fields of others', { a: 1, b: 2 }, { a: 1 }, true],
    ['a different value', { a: 1 }, { a: 2 }, false],
    ['a list of another length', [1, 2], [1], false],
    ['a list item holding ours', [{ a: 1, b: 2 }], [{ a: 1 }], true],
    ['an object where a list is wanted', { 0: 1 }, [1], false],
    ['a missing object', undefined, { a: 1 }, false],
  ])('%s', (_case, actual, wanted, expected) => {
    expect(contains(actual, wanted)).toBe(expected);
  });
});
