// Sign-up, confirm and sign-in through the real portal against moto's Cognito, and the
// attacks on them: forged, expired and foreign ID tokens, missing and wrong CSRF tokens,
// hammering the forms. Each refusal asserts its status and that nothing was created.
import { InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { refreshCookieName, sessionCookieName } from '../../portal/auth/session.ts';
import {
  cognitoClient,
  createConfirmedUser,
  createUserPool,
  idTokenOf,
  startCognitoStandIn,
  TEST_PASSWORD,
  uniqueEmail,
  userSub,
  type CognitoStandIn,
  type TestUserPool,
} from '../support/cognito.ts';
import {
  memoryLog,
  PortalBrowser,
  startPortal,
  type MemoryLog,
  type TestPortal,
} from '../support/portal.ts';

const env = inject('testenv');
const SESSION = sessionCookieName(false);
const REFRESH = refreshCookieName(false);
let pool: TestUserPool;
let standIn: CognitoStandIn;
let logs: MemoryLog;
let portal: TestPortal;

beforeAll(async () => {
  pool = await createUserPool(env.awsEndpointUrl);
  // moto lacks ResendConfirmationCode: the portal reaches moto through a stand-in for it.
  standIn = await startCognitoStandIn(pool);
  logs = memoryLog();
  portal = await startPortal(env, { pool: { ...pool, endpoint: standIn.url }, log: logs.log });
});
afterAll(async () => {
  await portal.close();
  await standIn.close();
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
    const refresh = signedIn.headers.getSetCookie().find((c) => c.startsWith(`${REFRESH}=`)) ?? '';
    expect(refresh).toMatch(/HttpOnly/i);
    expect(refresh).toMatch(/SameSite=Lax/i);
    expect(refresh).toMatch(/Max-Age=2592000/i); // PORTAL_SESSION_DAYS' default, 30 days
    expect(refresh).not.toMatch(/Secure/i);

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

  it('signs out by clearing the session and refresh cookies and revoking the refresh token', async () => {
    const user = await createConfirmedUser(pool);
    const browser = new PortalBrowser(portal.url);
    await browser.signIn(user.email, user.password);
    const refresh = browser.cookies.get(REFRESH);
    expect(refresh).toBeDefined();
    await browser.get('/dashboard');
    const out = await browser.post('/sign-out', {});
    expect(out.status).toBe(303);
    expect(browser.cookies.has(SESSION)).toBe(false);
    expect(browser.cookies.has(REFRESH)).toBe(false);
    expect((await browser.get('/dashboard')).status).toBe(303);
    expect(standIn.revoked.has(decodeURIComponent(refresh ?? ''))).toBe(true);

    // A copy of the refresh cookie kept from before the sign-out renews nothing.
    const thief = new PortalBrowser(portal.url);
    thief.cookies.set(REFRESH, refresh ?? '');
    const renewed = await thief.get('/dashboard');
    expect(renewed.status).toBe(303);
    expect(renewed.headers.get('location')).toBe('/sign-in');
  });
});

describe('stuck users: unconfirmed, expired code, forgotten password', () => {
  it('sends an unconfirmed user from sign-in to the confirmation page, sends a new code, confirms', async () => {
    const browser = new PortalBrowser(portal.url);
    const email = uniqueEmail('unconfirmed');
    await browser.get('/sign-up');
    expect((await browser.post('/sign-up', { email, password: TEST_PASSWORD })).status).toBe(303);

    const signIn = await browser.signIn(email, TEST_PASSWORD);
    expect(signIn.status).toBe(303);
    const confirmUrl = `/confirm?email=${encodeURIComponent(email)}`;
    expect(signIn.headers.get('location')).toBe(`${confirmUrl}&unconfirmed=1`);
    expect(browser.cookies.has(SESSION)).toBe(false);
    const page = await browser.get(`${confirmUrl}&unconfirmed=1`);
    expect(page.body).toContain('Your email is not confirmed yet');
    expect(page.body).toContain('action="/confirm/resend"');

    const resent = await browser.post('/confirm/resend', { email });
    expect(resent.status).toBe(303);
    expect(resent.headers.get('location')).toBe(`${confirmUrl}&resent=1`);
    expect(standIn.resent).toContain(email);
    expect((await browser.get(`${confirmUrl}&resent=1`)).body).toContain('We sent you a new code.');

    // moto accepts any confirmation code.
    const confirmed = await browser.post('/confirm', { email, code: '654321' });
    expect(confirmed.headers.get('location')).toBe('/sign-in?confirmed=1');
    expect((await browser.signIn(email, TEST_PASSWORD)).headers.get('location')).toBe('/dashboard');
  });

  it('sends a user whose code expired back to the confirmation page with the new-code button', async () => {
    const browser = new PortalBrowser(portal.url);
    const email = uniqueEmail('expired');
    await browser.get('/sign-up');
    await browser.post('/sign-up', { email, password: TEST_PASSWORD });
    // moto never expires a code: the stand-in answers this one as Cognito does after 24 h.
    standIn.failNext('ConfirmSignUp', {
      status: 400,
      type: 'ExpiredCodeException',
      message: 'Invalid code provided, please request a code again.',
    });
    const expired = await browser.post('/confirm', { email, code: '123456' });
    expect(expired.status).toBe(303);
    const location = `/confirm?email=${encodeURIComponent(email)}&expired=1`;
    expect(expired.headers.get('location')).toBe(location);
    const page = await browser.get(location);
    expect(page.body).toContain('That code has expired.');
    expect(page.body).toContain('action="/confirm/resend"');
    expect(await userSub(pool, email)).toBeDefined(); // no need to sign up again
  });

  it('refuses a new code for a confirmed user with the table’s 400, and without CSRF with 403', async () => {
    const user = await createConfirmedUser(pool);
    const browser = new PortalBrowser(portal.url);
    await browser.get('/confirm');
    const confirmed = await browser.post('/confirm/resend', { email: user.email });
    expect(confirmed.status).toBe(400);
    expect(confirmed.body).toContain('InvalidParameterException');
    const before = standIn.resent.length;
    const email = uniqueEmail('resend-nocsrf');
    await browser.get('/sign-up');
    await browser.post('/sign-up', { email, password: TEST_PASSWORD });
    const forged = await browser.post('/confirm/resend', { email }, null);
    expect(forged.status).toBe(403);
    expect(standIn.resent.length).toBe(before);
  });

  it('resets a forgotten password with the emailed code; the old one stops working', async () => {
    const user = await createConfirmedUser(pool);
    const browser = new PortalBrowser(portal.url);
    expect((await browser.get('/sign-in')).body).toContain('href="/forgot-password"');
    await browser.get('/forgot-password');
    const asked = await browser.post('/forgot-password', { email: user.email });
    expect(asked.status).toBe(303);
    const resetUrl = `/reset-password?email=${encodeURIComponent(user.email)}`;
    expect(asked.headers.get('location')).toBe(resetUrl);
    expect((await browser.get(resetUrl)).body).toContain('action="/reset-password"');

    const newPassword = 'New-Horse-8-battery';
    // moto accepts any code (it checks only codes it marks moto-confirmation-code:…).
    const reset = await browser.post('/reset-password', {
      email: user.email,
      code: '123456',
      password: newPassword,
    });
    expect(reset.status).toBe(303);
    expect(reset.headers.get('location')).toBe('/sign-in?reset=1');
    expect((await browser.get('/sign-in?reset=1')).body).toContain('Your password is changed.');
    expect((await new PortalBrowser(portal.url).signIn(user.email, user.password)).status).toBe(
      401,
    );
    const signedIn = await new PortalBrowser(portal.url).signIn(user.email, newPassword);
    expect(signedIn.headers.get('location')).toBe('/dashboard');
  });

  it('refuses a password reset without CSRF with 403 and leaves the password as it was', async () => {
    const user = await createConfirmedUser(pool);
    const browser = new PortalBrowser(portal.url);
    await browser.get('/reset-password');
    const fields = { email: user.email, code: '123456', password: 'Other-Horse-9-battery' };
    expect((await browser.post('/reset-password', fields, null)).status).toBe(403);
    expect((await browser.post('/forgot-password', { email: user.email }, null)).status).toBe(403);
    const signedIn = await new PortalBrowser(portal.url).signIn(user.email, user.password);
    expect(signedIn.headers.get('location')).toBe('/dashboard');
  });
});

describe('session renewal', () => {
  it('renews an expired ID token with the refresh token: still signed in, forms still post', async () => {
    const user = await createConfirmedUser(pool);
    const browser = new PortalBrowser(portal.url);
    await browser.signIn(user.email, user.password);
    const first = browser.cookies.get(SESSION) ?? '';
    const { exp = 0, iat = 0 } = decodeJwt(first);
    expect((await browser.get('/dashboard')).status).toBe(200); // its sign-out form's CSRF token
    // moto stamps tokens with its own (real) clock: let it reach the next second, so the
    // renewed token outlives the first by at least that second.
    while (Math.floor(Date.now() / 1000) <= iat) await sleep(50);
    const past = exp * 1000 - Date.now() + 500;
    portal.clock.advance(past);
    try {
      const renewed = await browser.get('/dashboard');
      expect(renewed.status).toBe(200);
      expect(renewed.body).toContain(`Sign out ${user.email}`);
      const second = browser.cookies.get(SESSION) ?? '';
      expect(second).not.toBe(first);
      expect(decodeJwt(second).sub).toBe(user.sub);
      expect(decodeJwt(second).exp ?? 0).toBeGreaterThan(exp);
      expect(logs.lines.some((line) => line.includes('session renewed'))).toBe(true);
      const out = await browser.post('/sign-out', {});
      expect(out.status).toBe(303);
      expect(browser.cookies.has(REFRESH)).toBe(false);
    } finally {
      portal.clock.advance(-past);
    }
  });

  it('renews from the refresh token alone (the browser dropped the expired ID cookie)', async () => {
    const user = await createConfirmedUser(pool);
    const browser = new PortalBrowser(portal.url);
    await browser.signIn(user.email, user.password);
    browser.cookies.delete(SESSION);
    expect((await browser.get('/dashboard')).status).toBe(200);
    expect(browser.cookies.has(SESSION)).toBe(true);
  });

  it('refuses a forged refresh token and another pool’s: signed out, both cookies cleared', async () => {
    const other = await createUserPool(env.awsEndpointUrl, 'other');
    const stranger = await createConfirmedUser(other);
    const answer = await cognitoClient(other.endpoint).send(
      new InitiateAuthCommand({
        ClientId: other.clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: stranger.email, PASSWORD: stranger.password },
      }),
    );
    const foreign = answer.AuthenticationResult?.RefreshToken ?? '';
    expect(foreign).not.toBe('');
    for (const refresh of [foreign, 'forged-refresh-token']) {
      const browser = new PortalBrowser(portal.url);
      browser.cookies.set(REFRESH, refresh);
      await expectRefused(browser);
      expect(browser.cookies.has(REFRESH)).toBe(false);
    }
  });

  it('does not renew a forged ID token, even beside a valid refresh token', async () => {
    const user = await createConfirmedUser(pool);
    const browser = new PortalBrowser(portal.url);
    await browser.signIn(user.email, user.password);
    const [header = '', , signature = ''] = (browser.cookies.get(SESSION) ?? '').split('.');
    const claims = { ...decodeJwt(browser.cookies.get(SESSION) ?? ''), sub: 'someone-else' };
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    browser.cookies.set(SESSION, `${header}.${payload}.${signature}`);
    await expectRefused(browser);
    expect(browser.cookies.has(REFRESH)).toBe(false);
  });
});

describe('logs', () => {
  it('logs a sign-up of an existing email by its code, never the email', async () => {
    const user = await createConfirmedUser(pool);
    const browser = new PortalBrowser(portal.url);
    await browser.get('/sign-up');
    const response = await browser.post('/sign-up', { email: user.email, password: TEST_PASSWORD });
    expect(response.status).toBe(409);
    const line = logs.lines.find((l) => l.includes('UsernameExistsException'));
    expect(line).toBeDefined();
    expect(logs.lines.filter((l) => l.includes(user.email))).toEqual([]);
  });

  it('logs a Cognito failure quoting the email by code and request id, never the message', async () => {
    const email = uniqueEmail('undeliverable');
    standIn.failNext('SignUp', {
      status: 400,
      type: 'CodeDeliveryFailureException',
      message: `Cannot email ${email}`,
    });
    const browser = new PortalBrowser(portal.url);
    await browser.get('/sign-up');
    const response = await browser.post('/sign-up', { email, password: TEST_PASSWORD });
    expect(response.status).toBe(502);
    const line = logs.lines.find((l) => l.includes('CodeDeliveryFailureException')) ?? '{}';
    expect(JSON.parse(line)).toMatchObject({
      level: 50,
      code: 'CodeDeliveryFailureException',
      status: 502,
      upstreamStatus: 400,
    });
    expect(logs.lines.filter((l) => l.includes(email))).toEqual([]);
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
      for (const path of ['/confirm/resend', '/forgot-password'])
        expect((await browser.post(path, { email: uniqueEmail() })).status).toBe(429);
      const reset = { email: uniqueEmail(), code: '123456', password: TEST_PASSWORD };
      expect((await browser.post('/reset-password', reset)).status).toBe(429);
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
