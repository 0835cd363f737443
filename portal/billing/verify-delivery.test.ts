import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { verifyDelivery, type DeliveryCheck } from './verify-delivery.ts';

const secret = 'whsec_unit_test_secret';
const webhooks = new Stripe('sk_test_unit').webhooks;
const nowMs = Date.parse('2026-11-26T10:00:00Z');
const nowSeconds = nowMs / 1000;
const check: DeliveryCheck = { webhooks, secret, toleranceSeconds: 300, receivedAtMs: nowMs };
const event = {
  id: 'evt_1',
  object: 'event',
  type: 'customer.subscription.created',
  created: nowSeconds,
  data: { object: { id: 'sub_1', object: 'subscription' } },
};

type Make = (payload: string) => [string, string | string[] | undefined];

function signed(payload: string, timestamp = nowSeconds, key = secret): string {
  return webhooks.generateTestHeaderString({ payload, secret: key, timestamp });
}

describe('verifyDelivery', () => {
  it('accepts a delivery signed with the secret within the window', () => {
    const payload = JSON.stringify(event);
    expect(verifyDelivery(Buffer.from(payload), signed(payload, nowSeconds - 299), check)).toEqual({
      event,
    });
  });

  it.each([
    ['no signature header', (p: string) => [p, undefined]],
    ['an empty signature header', (p: string) => [p, '']],
    ['a header sent twice', (p: string) => [p, [signed(p), signed(p)]]],
  ] satisfies [string, Make][])('refuses %s as missing signature', (_, make: Make) => {
    const [payload, header] = make(JSON.stringify(event));
    expect(verifyDelivery(Buffer.from(payload), header, check)).toEqual({
      refused: 'missing signature',
    });
  });

  it.each([
    ['signed with another secret', (p: string) => [p, signed(p, nowSeconds, 'whsec_forger')]],
    ['changed after signing', (p: string) => [p.replace('sub_1', 'sub_2'), signed(p)]],
    ['a header without a v1 signature', (p: string) => [p, `t=${nowSeconds}`]],
    ['a garbage header', (p: string) => [p, 'garbage']],
    ['an empty body', (p: string) => ['', signed(p)]],
  ] satisfies [string, Make][])('refuses a delivery %s as invalid signature', (_, make: Make) => {
    const [payload, header] = make(JSON.stringify(event));
    expect(verifyDelivery(Buffer.from(payload), header, check)).toEqual({
      refused: 'invalid signature',
    });
  });

  it('refuses a body that is not a Buffer (a body parser ran first)', () => {
    const payload = JSON.stringify(event);
    expect(verifyDelivery(event, signed(payload), check)).toEqual({ refused: 'invalid signature' });
  });

  it('refuses a correctly signed delivery older than the tolerance as a replay', () => {
    const payload = JSON.stringify(event);
    expect(verifyDelivery(Buffer.from(payload), signed(payload, nowSeconds - 301), check)).toEqual({
      refused: 'stale timestamp',
    });
  });

  it('refuses a correctly signed body that is not JSON', () => {
    const payload = '{"id": "evt_1", "object": ';
    expect(verifyDelivery(Buffer.from(payload), signed(payload), check)).toEqual({
      refused: 'malformed JSON',
    });
  });

  it.each([
    ['an array', []],
    ['an event without an id', { ...event, id: undefined }],
    ['an id of another kind', { ...event, id: 'cus_1' }],
    ['an event without data.object', { ...event, data: {} }],
    ['a created that is not seconds', { ...event, created: '2026-11-26' }],
  ])('refuses %s as not a Stripe event', (_, body) => {
    const payload = JSON.stringify(body);
    expect(verifyDelivery(Buffer.from(payload), signed(payload), check)).toEqual({
      refused: 'not a Stripe event',
    });
  });
});
