import { expect, it } from 'vitest';

it('passes', () => {
  expect(1 + 1).toBe(2);
});

it('passes too', () => {
  expect([1]).toHaveLength(1);
});
