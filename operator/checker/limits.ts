// The bounds every AWS call of one checker command shares, so one tenant's run cannot
// flood its account's API rate limits (AWS throttles per account, per API and region):
// at most `maxInFlight` HTTP attempts on the wire at once, over every client of the run
// (all services, all regions, the STS calls that renew its session), and one adaptive
// retry strategy, so a throttle seen by one client slows every other client of the run.
import { createRequire } from 'node:module';
import type * as SmithyRetry from '@smithy/core/retry';
import type { RetryStrategyV2 } from '@smithy/types';
import pLimit, { type LimitFunction } from 'p-limit';

/** DEFAULT_MAX_IN_FLIGHT bounds a run's AWS calls in flight unless --max-in-flight says otherwise. */
export const DEFAULT_MAX_IN_FLIGHT = 16;

/** MAX_IN_FLIGHT_RANGE is what --max-in-flight accepts. */
export const MAX_IN_FLIGHT_RANGE = { min: 1, max: 64 } as const;

/**
 * CallLimits are one command's AWS call bounds, made once and shared by every client it
 * makes (ClientSettings.limits).
 */
export interface CallLimits {
  /** SDK attempts per call (the first and its retries). */
  readonly maxAttempts: number;
  /** Runs one HTTP attempt when fewer than maxInFlight are on the wire. */
  readonly inFlight: LimitFunction;
  /**
   * The retry strategy of every client: adaptive (client-side rate limiting that slows
   * down on throttling answers and recovers on successes), one instance for the run.
   */
  readonly retryStrategy: RetryStrategyV2;
}

/** CallLimitOptions are the settings call limits are made from (the command line's). */
export interface CallLimitOptions {
  readonly maxInFlight: number;
  readonly maxAttempts: number;
}

/**
 * callLimits makes one command's call limits: a p-limit of maxInFlight, and the SDK's own
 * AdaptiveRetryStrategy with its DefaultRateLimiter (the same as retryMode 'adaptive',
 * but one instance instead of one per client). Throttling that outlasts maxAttempts, or
 * the strategy's shared retry quota, reaches the run as the throttling error itself.
 */
export function callLimits(options: CallLimitOptions): CallLimits {
  // Required when first needed, as the clients require it (the same CommonJS module):
  // loading it costs about 65 ms, which a command refused before any call never pays.
  const { AdaptiveRetryStrategy } = createRequire(import.meta.url)(
    '@smithy/core/retry',
  ) as typeof SmithyRetry;
  return {
    maxAttempts: options.maxAttempts,
    inFlight: pLimit(options.maxInFlight),
    retryStrategy: new AdaptiveRetryStrategy(options.maxAttempts),
  };
}
