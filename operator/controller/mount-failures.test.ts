import type { CoreV1Event } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { newestMessage } from './mount-failures.ts';

function event(message: string, lastTimestamp?: string): CoreV1Event {
  return {
    metadata: { name: `pod.${message.length.toString()}` },
    involvedObject: { kind: 'Pod', uid: 'pod-uid' },
    reason: 'FailedMount',
    type: 'Warning',
    message,
    ...(lastTimestamp !== undefined && { lastTimestamp: new Date(lastTimestamp) }),
  };
}

describe('newestMessage', () => {
  it('takes the message of the Event seen last', () => {
    const events = [
      event('secret "keys" not found', '2024-06-01T12:00:10Z'),
      event('secret "keys" has no key AWS_SECRET_ACCESS_KEY', '2024-06-01T12:00:30Z'),
      event('secret "old" not found', '2024-06-01T12:00:20Z'),
    ];
    expect(newestMessage(events)).toBe('secret "keys" has no key AWS_SECRET_ACCESS_KEY');
  });

  it('is undefined without an Event or a message', () => {
    expect(newestMessage([])).toBeUndefined();
    expect(newestMessage([event('')])).toBeUndefined();
  });

  it('bounds a long message and marks it', () => {
    const message = newestMessage([event('x'.repeat(5000))]) ?? '';
    expect(message).toHaveLength(1024);
    expect(message.endsWith('… (truncated)')).toBe(true);
  });
});
