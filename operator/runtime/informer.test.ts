import { describe, expect, it } from 'vitest';
import { BACKOFF_RESET_MS, failuresBefore } from './informer.ts';

describe('failuresBefore', () => {
  it('keeps the count of a watch that closed soon after it started', () => {
    expect(failuresBefore(5, BACKOFF_RESET_MS - 1)).toBe(5);
  });

  it('starts over after a watch that ran long enough to count as healthy', () => {
    expect(failuresBefore(5, BACKOFF_RESET_MS)).toBe(0);
  });
});
