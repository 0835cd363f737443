import { expect, it } from 'vitest';

it('passes', () => {
  expect(true).toBe(true);
});

it('fails', () => {
  expect(1).toBe(2);
});
