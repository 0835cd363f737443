// Sign-up, confirm and sign-in through the real portal against moto's Cognito, and the
// attacks on them: forged, expired and foreign ID tokens, missing and wrong CSRF tokens,
// hammering the forms. Each refusal asserts its status and that nothing was created.
import { InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sessionCookieName } from '../../portal/auth/session.ts';
import {
  cognitoClient,
  createConfirmedUser,
  createUserPool,
  idTokenOf,
  TEST_PASSWORD,
  uniqueEmail,
  userSub,
  type TestUserPool,
} from '../support/cognito.ts';
import { PortalBrowser, startPortal, type TestPortal } from '../support/portal.ts';

const env = inject('testenv');
const SESSION = sessionCookieName(false);
let pool: TestUserPool;
let portal: TestPortal;

beforeAll(async () => {
  pool = await createUserPool(env.awsEndpointUrl);
  portal = await startPortal(env, { pool });
});
afterAll(async () => {
  await portal.close();
});

/** withToken is a browser whose session cookie holds `token`. */
function withToken(token: string): PortalBrowser {
  const browser = new PortalBrowser(portal.url);
  browser.cookies.set(SESSION, token);
  return browser;
}

/** expectRefused asserts a session is refused: sent to sign in, its cookie cleared. */
async function expectRefused(browser: PortalBrowser): Promise<void> {
  const response = await browser.get('/dashboard');
  expect(response.status).toBe(303);
  expect(response.headers.get('location')).toBe('/sign-in');
  expect(browser.cookies.has(SESSION)).toBe(false);
}

describe('sign-up, confirm, sign-in', () => {
  it('takes a new user from the sign-up form to the dashboard', async () => {
    const browser = new PortalBrowser(portal.url);
    const email = uniqueEmail('newcomer');
    expect((await browser.get('/sign-up')).status).toBe(200);
    const signedUp = await browser.post('/sign-up', { email, password: TEST_PASSWORD });
    expect(signedUp.status).toBe(303);
    expect(signedUp.headers.get('location')).toBe(`/confirm?email=${encodeURIComponent(email)}`);
    expect(await userSub(pool, email)).toBeDefined();

    const confirmPage = await browser.get(signedUp.headers.get('location') ?? '');
    expect(confirmPage.body).toContain(`value="${email}"`);
    const confirmed = await browser.post('/confirm', { email, code: '123456' });
    expect(confirmed.headers.get('location')).toBe('/sign-in?confirmed=1');

    const signedIn = await browser.signIn(email, TEST_PASSWORD);
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe('/dashboard');
    const cookie = signedIn.headers.getSetCookie().find((c) => c.startsWith(`${SESSION}=`)) ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Max-Age=\d+/i);
    expect(cookie).not.toMatch(/Secure/i); // served over plain http here

    const dashboard = await browser.get('/dashboard');
    expect(dashboard.status).toBe(200);
    expect(dashboard.body).toContain('Setting up your account');
    expect(dashboard.body).toContain(`Sign out ${email}`);
  });

  it('refuses a wrong password with 401 and sets no session', async () => {
    const user = await createConfirmedUser(pool);
    const browser = new PortalBrowser(portal.url);
    const refused = await browser.signIn(user.email, 'Wrong-password-1');
    expect(refused.status).toBe(401);
    expect(refused.body).toContain('The email or password is wrong.');
    expect(browser.cookies.has(SESSION)).toBe(false);
  });

  it('signs out by clearing the session cookie', async () => {
    const user = await createConfirmedUser(pool);
    const browser = new PortalBrowser(portal.url);
    await browser.signIn(user.email, user.password);
    await browser.get('/dashboard');
    const out = await browser.post('/sign-out', {});
    expect(out.status).toBe(303);
    expect(browser.cookies.has(SESSION)).toBe(false);
    expect((await browser.get('/dashboard')).status).toBe(303);
  });
});

describe('ID tokens', () => {
  it('accepts the pool’s own token (the control for the refusals below)', async () => {
    const user = await createConfirmedUser(pool);
    const response = await withToken(await idTokenOf(pool, user)).get('/dashboard');
    expect(response.status).toBe(200);
  });

  it('refuses a token signed with another key under the same kid and claims', async () => {
    const user = await createConfirmedUser(pool);
    const real = await idTokenOf(pool, user);
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT(decodeJwt(real))
      .setProtectedHeader(decodeProtectedHeader(real) as { alg: string; kid: string })
      .sign(privateKey);
    expect(decodeProtectedHeader(forged).kid).toBe(decodeProtectedHeader(real).kid);
    await expectRefused(withToken(forged));
  });

  it('refuses a token once the clock is past its exp', async () => {
    const user = await createConfirmedUser(pool);
    const token = await idTokenOf(pool, user);
    const exp = decodeJwt(token).exp ?? 0;
    const browser = withToken(token);
    expect((await browser.get('/dashboard')).status).toBe(200);
    portal.clock.advance(exp * 1000 - Date.now() + 1000);
    try {
      await expectRefused(browser);
    } finally {
      portal.clock.advance(-(exp * 1000 - Date.now() + 1000));
    }
  });

  it('refuses a token of another user pool, though moto signs it with the same key', async () => {
    const other = await createUserPool(env.awsEndpointUrl, 'other');
    const stranger = await createConfirmedUser(other);
    const token = await idTokenOf(other, stranger);
    expect(decodeJwt(token).iss).not.toBe(
      decodeJwt(await idTokenOf(pool, await createConfirmedUser(pool))).iss,
    );
    await expectRefused(withToken(token));
  });

  it('refuses a token whose claims were altered after signing', async () => {
    const user = await createConfirmedUser(pool);
    const [header = '', , signature = ''] = (await idTokenOf(pool, user)).split('.');
    const claims = { ...decodeJwt(await idTokenOf(pool, user)), sub: 'someone-else' };
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    await expectRefused(withToken(`${header}.${payload}.${signature}`));
  });

  it('refuses the pool’s access token (token_use access, no audience)', async () => {
    const user = await createConfirmedUser(pool);
    const answer = await cognitoClient(pool.endpoint).send(
      new InitiateAuthCommand({
        ClientId: pool.clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: user.email, PASSWORD: user.password },
      }),
    );
    const accessToken = answer.AuthenticationResult?.AccessToken ?? '';
    expect(decodeJwt(accessToken).token_use).toBe('access');
    await expectRefused(withToken(accessToken));
  });
});

describe('CSRF', () => {
  it('refuses a sign-up without a CSRF token with 403 and creates no user', async () => {
    const browser = new PortalBrowser(portal.url);
    await browser.get('/sign-up');
    const email = uniqueEmail('nocsrf');
    const response = await browser.post('/sign-up', { email, password: TEST_PASSWORD }, null);
    expect(response.status).toBe(403);
    expect(response.body).toContain('CsrfTokenInvalid');
    expect(await userSub(pool, email)).toBeUndefined();
  });

  it('refuses a sign-up with another visitor’s CSRF token with 403 and creates no user', async () => {
    const attacker = new PortalBrowser(portal.url);
    await attacker.get('/sign-up');
    const victim = new PortalBrowser(portal.url);
    await victim.get('/sign-up');
    const email = uniqueEmail('wrongcsrf');
    const response = await victim.post(
      '/sign-up',
      { email, password: TEST_PASSWORD },
      attacker.lastCsrf ?? null,
    );
    expect(response.status).toBe(403);
    expect(await userSub(pool, email)).toBeUndefined();
  });

  it('refuses a form without the CSRF cookie (a cross-site post) with 403', async () => {
    const browser = new PortalBrowser(portal.url);
    await browser.get('/sign-up');
    const token = browser.lastCsrf ?? null;
    browser.cookies.clear();
    const email = uniqueEmail('nocookie');
    const response = await browser.post('/sign-up', { email, password: TEST_PASSWORD }, token);
    expect(response.status).toBe(403);
    expect(await userSub(pool, email)).toBeUndefined();
  });
});

describe('rate limit', () => {
  it('answers 429 once a client has used its sign-in attempts', async () => {
    const limited = await startPortal(env, { pool, env: { PORTAL_AUTH_RATE_LIMIT: '3' } });
    try {
      const browser = new PortalBrowser(limited.url);
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 4; attempt += 1)
        statuses.push((await browser.signIn(uniqueEmail('hammer'), 'Wrong-password-1')).status);
      expect(statuses).toEqual([401, 401, 401, 429]);
      const last = await browser.post('/sign-up', {
        email: uniqueEmail(),
        password: TEST_PASSWORD,
      });
      expect(last.status).toBe(429);
      expect(last.body).toContain('Too many attempts');
    } finally {
      await limited.close();
    }
  });
});

describe('security headers', () => {
  it('sends a strict CSP and the usual hardening headers on every page', async () => {
    for (const path of ['/', '/sign-in', '/no-such-page']) {
      const response = await new PortalBrowser(portal.url).get(path);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'none'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain(
        "form-action 'self' https://checkout.stripe.com https://billing.stripe.com",
      );
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(response.headers.get('referrer-policy')).toBe('same-origin');
      expect(response.headers.get('x-powered-by')).toBeNull();
      expect(response.body).not.toContain('<script');
      expect(response.body).not.toContain('style=');
    }
  });
});
