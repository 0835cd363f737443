import { describe, expect, it } from 'vitest';
import { stripeAddress } from './stripe.ts';

describe('stripeAddress', () => {
  it.each([
    ['http://127.0.0.1:12111', { host: '127.0.0.1', port: 12111, protocol: 'http' }],
    ['http://localhost:12111/', { host: 'localhost', port: 12111, protocol: 'http' }],
    ['https://api.stripe.com', { host: 'api.stripe.com', port: 443, protocol: 'https' }],
    ['http://stripe.internal', { host: 'stripe.internal', port: 80, protocol: 'http' }],
  ])('splits %s', (url, address) => {
    expect(stripeAddress(url)).toEqual(address);
  });

  it('refuses a base URL with a path, which the SDK would drop', () => {
    expect(() => stripeAddress('http://127.0.0.1:12111/stripe')).toThrow('without a path');
  });
});
