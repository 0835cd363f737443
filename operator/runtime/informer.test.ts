import { describe, expect, it } from 'vitest';
import { madeProgress, SHORT_WATCH_MS } from './informer.ts';

describe('madeProgress', () => {
  it('takes a watch that delivered events for progress, however short', () => {
    expect(madeProgress(10, 1)).toBe(true);
  });

  it('takes a watch that stayed open a while for progress, even with nothing to deliver', () => {
    expect(madeProgress(SHORT_WATCH_MS, 0)).toBe(true);
  });

  it('takes a watch closed at once with nothing delivered for a failure', () => {
    expect(madeProgress(SHORT_WATCH_MS - 1, 0)).toBe(false);
  });
});
