import { describe, expect, it } from 'vitest';
import type { Condition } from '../api/v1alpha1/common.ts';
import { findCondition, setConditions, type ConditionInput } from './conditions.ts';

const EARLIER = '2024-05-01T08:00:00Z';
const NOW = new Date('2024-05-02T09:30:00.250Z');

function condition(type: string, status: Condition['status'], reason = 'Before'): Condition {
  return {
    type,
    status,
    observedGeneration: 1,
    lastTransitionTime: EARLIER,
    reason,
    message: `${type} before`,
  };
}

function update(type: string, status: ConditionInput['status'], reason = 'After'): ConditionInput {
  return { type, status, reason, message: `${type} after` };
}

describe('setConditions', () => {
  it.each([
    ['status unchanged keeps the time', 'True', 'True', EARLIER],
    ['True to False moves the time', 'True', 'False', '2024-05-02T09:30:00Z'],
    ['Unknown to True moves the time', 'Unknown', 'True', '2024-05-02T09:30:00Z'],
    ['False unchanged keeps the time', 'False', 'False', EARLIER],
  ] as const)('%s', (_rule, before, after, time) => {
    const [ready] = setConditions([condition('Ready', before)], [update('Ready', after)], 2, NOW);
    expect(ready?.lastTransitionTime).toBe(time);
  });

  it('takes reason and message from the update even when the status is unchanged', () => {
    const [ready] = setConditions([condition('Ready', 'True')], [update('Ready', 'True')], 2, NOW);
    expect(ready).toMatchObject({ reason: 'After', message: 'Ready after' });
  });

  it('stamps a new condition with now, in Kubernetes time', () => {
    const [ready] = setConditions(undefined, [update('Ready', 'True')], 1, NOW);
    expect(ready?.lastTransitionTime).toBe('2024-05-02T09:30:00Z');
  });

  it('puts the generation on every condition, changed or not', () => {
    const result = setConditions(
      [condition('Ready', 'True'), condition('Healthy', 'False')],
      [update('Ready', 'True'), update('Healthy', 'True'), update('Stalled', 'True')],
      7,
      NOW,
    );
    expect(result.map((c) => c.observedGeneration)).toEqual([7, 7, 7]);
  });

  it('orders the conditions by type', () => {
    const result = setConditions(
      undefined,
      [update('Stalled', 'True'), update('Ready', 'True'), update('Healthy', 'True')],
      1,
      NOW,
    );
    expect(result.map((c) => c.type)).toEqual(['Healthy', 'Ready', 'Stalled']);
  });

  it('drops a condition the updates no longer name', () => {
    const result = setConditions(
      [condition('Ready', 'False'), condition('Stalled', 'True')],
      [update('Ready', 'True')],
      2,
      NOW,
    );
    expect(result.map((c) => c.type)).toEqual(['Ready']);
  });

  it.each([
    ['keeps a message of exactly 4096 characters', 4096, 4096, false],
    ['keeps a short message', 10, 10, false],
    ['truncates a longer message to 4096 characters', 5000, 4096, true],
    ['truncates a very long message to 4096 characters', 100_000, 4096, true],
  ])('%s', (_rule, length, expected, marked) => {
    const input = { ...update('Ready', 'True'), message: 'x'.repeat(length) };
    const [ready] = setConditions(undefined, [input], 1, NOW);
    expect(ready?.message.length).toBe(expected);
    expect(ready?.message.endsWith('… (truncated)')).toBe(marked);
  });

  it('is stable: applying the same updates twice changes nothing', () => {
    const updates = [update('Ready', 'False'), update('Stalled', 'True')];
    const once = setConditions([condition('Ready', 'True')], updates, 3, NOW);
    const twice = setConditions(once, updates, 3, new Date('2024-05-03T00:00:00Z'));
    expect(twice).toEqual(once);
  });
});

describe('findCondition', () => {
  it.each([
    ['finds a present type', [condition('Ready', 'True')], 'Ready', 'True'],
    ['misses an absent type', [condition('Ready', 'True')], 'Healthy', undefined],
    ['misses in an absent list', undefined, 'Ready', undefined],
  ] as const)('%s', (_rule, list, type, status) => {
    expect(findCondition(list, type)?.status).toBe(status);
  });
});
