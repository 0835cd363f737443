// The auth forms' fields, validated once with zod at the boundary.
import { z } from 'zod';
import { portalError } from '../errors.ts';

const email = z.email().max(254);
const password = z.string().min(1).max(256);
const code = z
  .string()
  .trim()
  .regex(/^[\w-]{1,64}$/);

/** CredentialsForm is the sign-up and sign-in form. */
export const CredentialsForm = z.object({ email, password });

/** ConfirmForm is the confirmation form. */
export const ConfirmForm = z.object({ email, code });

/** EmailForm is a form of one email: send a new confirmation code, or a password reset code. */
export const EmailForm = z.object({ email });

/** ResetPasswordForm is the emailed reset code and the new password. */
export const ResetPasswordForm = z.object({ email, code, password });

/** parseForm validates a parsed urlencoded body, or throws BadForm. */
export function parseForm<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw portalError('BadForm', { cause: parsed.error });
  return parsed.data;
}
