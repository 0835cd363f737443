import { expect, it } from 'vitest';

it('passes', () => {
  expect(true).toBe(true);
});

it.skip('is skipped', () => {
  expect(true).toBe(false);
});
