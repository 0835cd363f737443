import { describe, expect, it } from 'vitest';
import { createEventLedger } from './event-ledger.ts';

function deferred(): {
  promise: Promise<string>;
  resolve: (v: string) => void;
  reject: (e: Error) => void;
} {
  let resolve: (v: string) => void = () => undefined;
  let reject: (e: Error) => void = () => undefined;
  const promise = new Promise<string>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('createEventLedger', () => {
  it('applies an id once and answers duplicate afterwards without applying', async () => {
    const ledger = createEventLedger();
    let calls = 0;
    const apply = (): Promise<string> => {
      calls += 1;
      return Promise.resolve('done');
    };

    expect(await ledger.once('evt_1', apply)).toEqual({ duplicate: false, value: 'done' });
    expect(await ledger.once('evt_1', apply)).toEqual({ duplicate: true });
    expect(calls).toBe(1);
  });

  it('lets concurrent duplicates share one application', async () => {
    const ledger = createEventLedger();
    const gate = deferred();
    let calls = 0;
    const apply = (): Promise<string> => {
      calls += 1;
      return gate.promise;
    };

    const first = ledger.once('evt_1', apply);
    const second = ledger.once('evt_1', apply);
    gate.resolve('done');

    expect(await first).toEqual({ duplicate: false, value: 'done' });
    expect(await second).toEqual({ duplicate: true });
    expect(calls).toBe(1);
  });

  it('fails every waiter of a failed application and forgets it, so a retry re-applies', async () => {
    const ledger = createEventLedger();
    const gate = deferred();
    const first = ledger.once('evt_1', () => gate.promise);
    const second = ledger.once('evt_1', () => Promise.resolve('never'));
    gate.reject(new Error('apiserver down'));

    await expect(first).rejects.toThrow('apiserver down');
    await expect(second).rejects.toThrow('apiserver down');
    expect(ledger.size).toBe(0);
    expect(await ledger.once('evt_1', () => Promise.resolve('retried'))).toEqual({
      duplicate: false,
      value: 'retried',
    });
  });

  it('forgets the oldest ids beyond its capacity', async () => {
    const ledger = createEventLedger(2);
    for (const id of ['evt_1', 'evt_2', 'evt_3']) await ledger.once(id, () => Promise.resolve(id));

    expect(ledger.size).toBe(2);
    expect(await ledger.once('evt_3', () => Promise.resolve('again'))).toEqual({ duplicate: true });
    expect(await ledger.once('evt_1', () => Promise.resolve('again'))).toEqual({
      duplicate: false,
      value: 'again',
    });
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => createEventLedger(0)).toThrow('positive integer');
  });
});
