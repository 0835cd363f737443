import { beforeAll, describe, expect, it } from 'vitest';

describe('a suite whose setup fails', () => {
  beforeAll(() => {
    throw new Error('the environment did not start');
  });

  it('never runs', () => {
    expect(true).toBe(true);
  });

  it('never runs either', () => {
    expect(true).toBe(true);
  });
});
