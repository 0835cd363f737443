// The three user pool calls the portal makes, through the app client (no secret): sign
// up with email and password, confirm with the emailed code, sign in with
// USER_PASSWORD_AUTH. Errors are thrown as the SDK raises them; the error table names them.
import {
  ConfirmSignUpCommand,
  InitiateAuthCommand,
  SignUpCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { portalError } from '../errors.ts';

/** Credentials are what a person types to sign up or in. */
export interface Credentials {
  readonly email: string;
  readonly password: string;
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

/** signIn returns the user's ID token; a challenge (MFA, new password) is refused. */
export async function signIn(
  cognito: CognitoIdentityProviderClient,
  clientId: string,
  { email, password }: Credentials,
): Promise<string> {
  const answer = await cognito.send(
    new InitiateAuthCommand({
      ClientId: clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: email, PASSWORD: password },
    }),
  );
  const token = answer.AuthenticationResult?.IdToken;
  if (answer.ChallengeName !== undefined || token === undefined)
    throw portalError('SignInChallenge');
  return token;
}
