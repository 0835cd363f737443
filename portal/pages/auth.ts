// The sign-up, confirm, sign-in and password reset forms. Each posts to its own path with
// the CSRF field.
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { csrfField, renderPage, type PageContext } from './layout.ts';

/** ConfirmNotice is why the confirmation page is shown again. */
export type ConfirmNotice = 'resent' | 'unconfirmed' | 'expired';

/** SignInNotice is what the sign-in page tells a person who just finished a step. */
export type SignInNotice = 'confirmed' | 'reset';

const CONFIRM_NOTES: Readonly<Record<ConfirmNotice, string>> = {
  resent: 'We sent you a new code.',
  unconfirmed: 'Your email is not confirmed yet. Enter the code we sent you, or ask for a new one.',
  expired: 'That code has expired. Ask for a new one below.',
};

const SIGN_IN_NOTES: Readonly<Record<SignInNotice, string>> = {
  confirmed: 'Your email is confirmed. Sign in.',
  reset: 'Your password is changed. Sign in with the new one.',
};

function emailField(email: string): VNode {
  return html`<label
    >Email <input type="email" name="email" required autocomplete="email" value=${email}
  /></label>`;
}

/** signUpPage asks for an email and a password. */
export function signUpPage(context: PageContext): string {
  const body = html`<form method="post" action="/sign-up" class="stacked">
      ${csrfField(context)}
      <label>Email <input type="email" name="email" required autocomplete="email" /></label>
      <label
        >Password
        <input type="password" name="password" required minlength="8" autocomplete="new-password"
      /></label>
      <button type="submit">Sign up</button>
    </form>
    <p>Already have an account? <a href="/sign-in">Sign in</a>.</p>`;
  return renderPage('Sign up', body, context);
}

/** confirmPage asks for the code Cognito emailed, and offers to send a new one. */
export function confirmPage(context: PageContext, email: string, notice?: ConfirmNotice): string {
  const note =
    notice === undefined
      ? html`<p>We sent a confirmation code to your email.</p>`
      : html`<p class=${notice === 'resent' ? 'ok' : 'note'}>${CONFIRM_NOTES[notice]}</p>`;
  const body = html`${note}
    <form method="post" action="/confirm" class="stacked">
      ${csrfField(context)} ${emailField(email)}
      <label
        >Code <input name="code" required inputmode="numeric" autocomplete="one-time-code"
      /></label>
      <button type="submit">Confirm</button>
    </form>
    <h2>No code, or an expired one?</h2>
    <form method="post" action="/confirm/resend" class="stacked">
      ${csrfField(context)} ${emailField(email)}
      <button type="submit">Send a new code</button>
    </form>`;
  return renderPage('Confirm your email', body, context);
}

/** signInPage asks for an email and a password. */
export function signInPage(context: PageContext, notice?: SignInNotice): string {
  const note = notice === undefined ? null : html`<p class="ok">${SIGN_IN_NOTES[notice]}</p>`;
  const body = html`${note}
    <form method="post" action="/sign-in" class="stacked">
      ${csrfField(context)}
      <label>Email <input type="email" name="email" required autocomplete="email" /></label>
      <label
        >Password <input type="password" name="password" required autocomplete="current-password"
      /></label>
      <button type="submit">Sign in</button>
    </form>
    <p><a href="/forgot-password">Forgot your password?</a></p>
    <p>No account yet? <a href="/sign-up">Sign up</a>.</p>`;
  return renderPage('Sign in', body, context);
}

/** forgotPasswordPage asks for the email to send a password reset code to. */
export function forgotPasswordPage(context: PageContext, email: string): string {
  const body = html`<p>We will email you a code to choose a new password with.</p>
    <form method="post" action="/forgot-password" class="stacked">
      ${csrfField(context)} ${emailField(email)}
      <button type="submit">Send the code</button>
    </form>`;
  return renderPage('Forgot your password?', body, context);
}

/** resetPasswordPage asks for the emailed code and a new password. */
export function resetPasswordPage(context: PageContext, email: string): string {
  const body = html`<p>If an account has this email, we sent it a code.</p>
    <form method="post" action="/reset-password" class="stacked">
      ${csrfField(context)} ${emailField(email)}
      <label
        >Code <input name="code" required inputmode="numeric" autocomplete="one-time-code"
      /></label>
      <label
        >New password
        <input type="password" name="password" required minlength="8" autocomplete="new-password"
      /></label>
      <button type="submit">Set the new password</button>
    </form>
    <p><a href="/forgot-password">Send another code</a></p>`;
  return renderPage('Choose a new password', body, context);
}
