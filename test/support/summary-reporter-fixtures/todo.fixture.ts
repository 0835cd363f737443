import { expect, it } from 'vitest';

it('passes', () => {
  expect(true).toBe(true);
});

it.todo('is still to be written');
