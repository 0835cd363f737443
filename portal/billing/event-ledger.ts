// The webhook's memory of Stripe event ids, so a delivery Stripe repeats is applied once.
// It is an optimisation, not the guarantee: it lives in memory and forgets on restart and
// beyond its capacity, and provisioning itself is idempotent and never goes back to an
// older state (the version it keeps on the Namespace). What it buys is that a duplicate
// costs no apiserver request, and that concurrent duplicates share one application.

/** LedgerResult says whether this call applied the event or found it applied. */
export type LedgerResult<T> =
  { readonly duplicate: false; readonly value: T } | { readonly duplicate: true };

/** EventLedger applies each event id at most once to success. */
export interface EventLedger {
  /**
   * once runs `apply` for an id not yet applied. An id applied before answers duplicate at
   * once; an id in flight waits for that application and shares its fate (a failure
   * rejects every waiter). A failed application is forgotten, so a retry re-applies.
   */
  once<T>(id: string, apply: () => Promise<T>): Promise<LedgerResult<T>>;
  /** size is the number of ids remembered as applied. */
  readonly size: number;
}

/** DEFAULT_LEDGER_CAPACITY is how many applied ids are remembered, oldest forgotten first. */
export const DEFAULT_LEDGER_CAPACITY = 10_000;

/** createEventLedger makes an empty ledger that remembers at most `capacity` applied ids. */
export function createEventLedger(capacity = DEFAULT_LEDGER_CAPACITY): EventLedger {
  if (!Number.isInteger(capacity) || capacity < 1)
    throw new Error(`ledger capacity must be a positive integer, got ${capacity}`);
  const applied = new Set<string>();
  const inFlight = new Map<string, Promise<unknown>>();
  const remember = (id: string): void => {
    applied.add(id);
    if (applied.size <= capacity) return;
    const oldest = applied.values().next();
    if (oldest.done !== true) applied.delete(oldest.value);
  };
  return {
    async once<T>(id: string, apply: () => Promise<T>): Promise<LedgerResult<T>> {
      if (applied.has(id)) return { duplicate: true };
      const running = inFlight.get(id);
      if (running !== undefined) {
        await running;
        return { duplicate: true };
      }
      const application = apply();
      inFlight.set(id, application);
      try {
        const value = await application;
        remember(id);
        return { duplicate: false, value };
      } finally {
        inFlight.delete(id);
      }
    },
    get size(): number {
      return applied.size;
    },
  };
}
