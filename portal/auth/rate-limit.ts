// Rate limits on the forms an attacker would hammer: sign-in, sign-up and confirm. Counted
// per client address (behind PORTAL_TRUST_PROXY proxies), in memory: one portal replica.
import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { portalError } from '../errors.ts';

/** authRateLimit allows `limit` POSTs per client address and window, then answers 429. */
export function authRateLimit(options: { limit: number; windowMs: number }): RequestHandler {
  return rateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) => {
      next(portalError('RateLimited'));
    },
  });
}
