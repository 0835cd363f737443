// The auth forms' fields, validated once with zod at the boundary.
import { z } from 'zod';
import { portalError } from '../errors.ts';

const email = z.email().max(254);

/** CredentialsForm is the sign-up and sign-in form. */
export const CredentialsForm = z.object({ email, password: z.string().min(1).max(256) });

/** ConfirmForm is the confirmation form. */
export const ConfirmForm = z.object({
  email,
  code: z
    .string()
    .trim()
    .regex(/^[\w-]{1,64}$/),
});

/** parseForm validates a parsed urlencoded body, or throws BadForm. */
export function parseForm<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw portalError('BadForm', { cause: parsed.error });
  return parsed.data;
}
