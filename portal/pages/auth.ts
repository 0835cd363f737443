// The sign-up, confirm and sign-in forms. Each posts to its own path with the CSRF field.
import { html } from 'htm/preact';
import { csrfField, renderPage, type PageContext } from './layout.ts';

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

/** confirmPage asks for the code Cognito emailed. */
export function confirmPage(context: PageContext, email: string): string {
  const body = html`<p>We sent a confirmation code to your email.</p>
    <form method="post" action="/confirm" class="stacked">
      ${csrfField(context)}
      <label>Email <input type="email" name="email" required value=${email} /></label>
      <label
        >Code <input name="code" required inputmode="numeric" autocomplete="one-time-code"
      /></label>
      <button type="submit">Confirm</button>
    </form>`;
  return renderPage('Confirm your email', body, context);
}

/** signInPage asks for an email and a password. */
export function signInPage(context: PageContext, confirmed: boolean): string {
  const note = confirmed ? html`<p class="ok">Your email is confirmed. Sign in.</p>` : null;
  const body = html`${note}
    <form method="post" action="/sign-in" class="stacked">
      ${csrfField(context)}
      <label>Email <input type="email" name="email" required autocomplete="email" /></label>
      <label
        >Password <input type="password" name="password" required autocomplete="current-password"
      /></label>
      <button type="submit">Sign in</button>
    </form>
    <p>No account yet? <a href="/sign-up">Sign up</a>.</p>`;
  return renderPage('Sign in', body, context);
}
