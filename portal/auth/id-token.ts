// Cognito ID tokens, verified with jose against the user pool's JWKS: the signature (a key
// the pool publishes), the issuer (that pool), the audience (our app client), token_use
// `id` and expiry against the injected clock. Nothing else makes a request signed in.
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { PortalConfig } from '../config.ts';
import type { SignedInUser } from '../deps.ts';
import { portalError } from '../errors.ts';

/** VerifiedIdToken is a signed-in user and when their token expires. */
export interface VerifiedIdToken {
  readonly user: SignedInUser;
  readonly expiresAt: Date;
}

/** IdTokenVerifier checks an ID token; it throws IdTokenInvalid for any token it refuses. */
export type IdTokenVerifier = (token: string) => Promise<VerifiedIdToken>;

/**
 * cognitoIssuer is the `iss` of a pool's tokens. Cognito (and moto, which copies it) names
 * the public regional endpoint even when the API is reached through another endpoint.
 */
export function cognitoIssuer(cognito: PortalConfig['cognito']): string {
  return `https://cognito-idp.${cognito.region}.amazonaws.com/${cognito.userPoolId}`;
}

/** jwksUrl is where a pool's signing keys are published: under the endpoint when one is set. */
export function jwksUrl(cognito: PortalConfig['cognito']): URL {
  const base = cognito.endpoint?.replace(/\/+$/, '') ?? cognitoIssuer(cognito);
  const path = cognito.endpoint === undefined ? '' : `/${cognito.userPoolId}`;
  return new URL(`${base}${path}/.well-known/jwks.json`);
}

/** REFUSALS are jose's verdicts on a token itself; anything else (JWKS unreachable) is thrown on. */
const REFUSALS = [
  joseErrors.JWTExpired,
  joseErrors.JWTClaimValidationFailed,
  joseErrors.JWTInvalid,
  joseErrors.JWSInvalid,
  joseErrors.JWSSignatureVerificationFailed,
  joseErrors.JWKSNoMatchingKey,
  joseErrors.JWKSMultipleMatchingKeys,
  joseErrors.JOSEAlgNotAllowed,
  joseErrors.JOSENotSupported,
];

/** createIdTokenVerifier verifies tokens of the configured pool and app client at `now()`. */
export function createIdTokenVerifier(
  cognito: PortalConfig['cognito'],
  now: () => Date,
): IdTokenVerifier {
  const keys = createRemoteJWKSet(jwksUrl(cognito), { timeoutDuration: 5000 });
  const issuer = cognitoIssuer(cognito);
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer,
        audience: cognito.clientId,
        algorithms: ['RS256'],
        currentDate: now(),
        requiredClaims: ['exp', 'sub', 'token_use'],
      }));
    } catch (error) {
      if (REFUSALS.some((kind) => error instanceof kind))
        throw portalError('IdTokenInvalid', { cause: error });
      throw error;
    }
    return userOf(payload);
  };
}

function userOf(payload: JWTPayload): VerifiedIdToken {
  const { sub, email, token_use: use, exp } = payload as JWTPayload & Record<string, unknown>;
  if (use !== 'id' || typeof sub !== 'string' || sub === '' || exp === undefined)
    throw portalError('IdTokenInvalid');
  return {
    user: { tenantId: sub, email: typeof email === 'string' ? email : '' },
    expiresAt: new Date(exp * 1000),
  };
}
