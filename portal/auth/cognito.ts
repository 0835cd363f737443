// The user pool calls the portal makes, through the app client (no secret): sign up with
// email and password, confirm with the emailed code (and send a new one), sign in with
// USER_PASSWORD_AUTH, renew with REFRESH_TOKEN_AUTH, and reset a forgotten password.
// Errors are thrown as the SDK raises them; the error table names them.
import {
  ConfirmForgotPasswordCommand,
  ConfirmSignUpCommand,
  ForgotPasswordCommand,
  InitiateAuthCommand,
  ResendConfirmationCodeCommand,
  RevokeTokenCommand,
  SignUpCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { portalError } from '../errors.ts';

/** Credentials are what a person types to sign up or in. */
export interface Credentials {
  readonly email: string;
  readonly password: string;
}

/** SignInTokens are the tokens a sign-in keeps: the ID token and the refresh token. */
export interface SignInTokens {
  readonly idToken: string;
  readonly refreshToken: string;
}

/** PasswordReset is the emailed code and the new password for an email. */
export interface PasswordReset extends Credentials {
  readonly code: string;
}

/** signUp creates an unconfirmed user whose username is the email. */
export async function signUp(
  cognito: CognitoIdentityProviderClient,
  clientId: string,
  { email, password }: Credentials,
): Promise<void> {
  await cognito.send(
    new SignUpCommand({
      ClientId: clientId,
      Username: email,
      Password: password,
      UserAttributes: [{ Name: 'email', Value: email }],
    }),
  );
}

/** confirmSignUp confirms a user with the code emailed to them. */
export async function confirmSignUp(
  cognito: CognitoIdentityProviderClient,
  clientId: string,
  email: string,
  code: string,
): Promise<void> {
  await cognito.send(
    new ConfirmSignUpCommand({ ClientId: clientId, Username: email, ConfirmationCode: code }),
  );
}

/** resendConfirmationCode emails an unconfirmed user a new confirmation code. */
export async function resendConfirmationCode(
  cognito: CognitoIdentityProviderClient,
  clientId: string,
  email: string,
): Promise<void> {
  await cognito.send(new ResendConfirmationCodeCommand({ ClientId: clientId, Username: email }));
}

/** revokeRefreshToken ends a refresh token at Cognito, and every ID token renewed from it. */
export async function revokeRefreshToken(
  cognito: CognitoIdentityProviderClient,
  clientId: string,
  token: string,
): Promise<void> {
  await cognito.send(new RevokeTokenCommand({ ClientId: clientId, Token: token }));
}

/** forgotPassword emails a user a code that lets them choose a new password. */
export async function forgotPassword(
  cognito: CognitoIdentityProviderClient,
  clientId: string,
  email: string,
): Promise<void> {
  await cognito.send(new ForgotPasswordCommand({ ClientId: clientId, Username: email }));
}

/** confirmForgotPassword sets the new password, given the emailed code. */
export async function confirmForgotPassword(
  cognito: CognitoIdentityProviderClient,
  clientId: string,
  { email, code, password }: PasswordReset,
): Promise<void> {
  await cognito.send(
    new ConfirmForgotPasswordCommand({
      ClientId: clientId,
      Username: email,
      ConfirmationCode: code,
      Password: password,
    }),
  );
}

/** signIn returns the user's ID and refresh tokens; a challenge (MFA, new password) is refused. */
export async function signIn(
  cognito: CognitoIdentityProviderClient,
  clientId: string,
  { email, password }: Credentials,
): Promise<SignInTokens> {
  const answer = await cognito.send(
    new InitiateAuthCommand({
      ClientId: clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: email, PASSWORD: password },
    }),
  );
  const idToken = answer.AuthenticationResult?.IdToken;
  const refreshToken = answer.AuthenticationResult?.RefreshToken;
  if (answer.ChallengeName !== undefined || idToken === undefined || refreshToken === undefined)
    throw portalError('SignInChallenge');
  return { idToken, refreshToken };
}

/**
 * renewIdToken trades a refresh token for a new ID token (REFRESH_TOKEN_AUTH). A refresh
 * token the pool refuses (revoked, expired, forged, another pool's) is RefreshTokenInvalid;
 * any other failure (the pool unreachable) is thrown as it is.
 */
export async function renewIdToken(
  cognito: CognitoIdentityProviderClient,
  clientId: string,
  refreshToken: string,
): Promise<string> {
  let idToken: string | undefined;
  try {
    const answer = await cognito.send(
      new InitiateAuthCommand({
        ClientId: clientId,
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        AuthParameters: { REFRESH_TOKEN: refreshToken },
      }),
    );
    idToken = answer.AuthenticationResult?.IdToken;
  } catch (error) {
    if ((error as Error).name === 'NotAuthorizedException')
      throw portalError('RefreshTokenInvalid', { cause: error });
    throw error;
  }
  if (idToken === undefined) throw portalError('RefreshTokenInvalid');
  return idToken;
}
