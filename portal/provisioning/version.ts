// The total order on the states of one tenant. Provisioning applies a state only over an
// older one, so duplicated, late and reordered webhook deliveries are harmless: whatever
// order they arrive in, the tenant ends in the state that sorts last.
//
// A version is `<epoch>.<event>.<rank>.<tiebreak>`, compared field by field:
// - epoch: when the tenant's billing arrangement began, in seconds: the subscription's
//   `created`, or for the free plan the moment it was chosen. A newer subscription (or a
//   later choice of the free plan) outranks everything about an older one, so cancelling
//   the old subscription after buying a new one, whenever that event is delivered, never
//   suspends the tenant.
// - event: the Stripe event's `created` seconds: within one subscription, later wins.
// - rank: the lifecycle rank of the subscription status, for events of the same second
//   (Stripe sends `created` with `incomplete` and `updated` with `active` in one second);
//   `canceled` is terminal for its subscription and ranks last.
// - tiebreak: the event id, so two different events of one second still order the same
//   way on every replica (a total order, never a tie between different states).

const WIDTH = 12;

/** STATUS_RANKS are the lifecycle ranks of Stripe subscription statuses; unknown ranks 0. */
export const STATUS_RANKS: Readonly<Record<string, number>> = {
  incomplete: 1,
  trialing: 2,
  active: 3,
  past_due: 4,
  unpaid: 5,
  paused: 6,
  incomplete_expired: 7,
  canceled: 9,
};

/** VersionFacts are what a state's version is made of. */
export interface VersionFacts {
  /** Seconds: the subscription's `created`, or when the free plan was chosen. */
  readonly epoch: number;
  /** Seconds: the Stripe event's `created` (the free plan: when it was chosen). */
  readonly event: number;
  /** A Stripe subscription status, or `free`. */
  readonly status: string;
  /** The Stripe event id ('' for the free plan). */
  readonly tiebreak: string;
}

const seconds = (value: number): string => {
  if (!Number.isInteger(value) || value < 0 || String(value).length > WIDTH)
    throw new Error(`a version needs whole non-negative seconds, got ${value}`);
  return String(value).padStart(WIDTH, '0');
};

/** stateVersion encodes the facts so that comparing two versions as strings orders them. */
export function stateVersion(facts: VersionFacts): string {
  if (!/^[\w-]*$/.test(facts.tiebreak))
    throw new Error(`a version tiebreak must be an id, got ${JSON.stringify(facts.tiebreak)}`);
  const rank = STATUS_RANKS[facts.status] ?? 0;
  return `${seconds(facts.epoch)}.${seconds(facts.event)}.${rank}.${facts.tiebreak}`;
}

const VERSION_PATTERN = /^\d{12}\.\d{12}\.\d\.[\w-]*$/;

/** isVersion tells whether a string (an annotation read back) is a version. */
export function isVersion(value: string | undefined): value is string {
  return value !== undefined && VERSION_PATTERN.test(value);
}

/** compareVersions is negative when a is older than b, 0 when equal, positive when newer. */
export function compareVersions(a: string, b: string): number {
  if (!isVersion(a) || !isVersion(b))
    throw new Error(`not a state version: ${JSON.stringify(isVersion(a) ? b : a)}`);
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** epochOf is a version's epoch, in seconds (a subscription's `created`, a free choice's moment). */
export function epochOf(version: string): number {
  if (!isVersion(version)) throw new Error(`not a state version: ${JSON.stringify(version)}`);
  return Number(version.slice(0, WIDTH));
}
