import { createHash } from 'node:crypto';

/** BASE_NAME_MAX leaves room for every suffix a child's name gets within 63 characters. */
const BASE_NAME_MAX = 48;

/** shortHash is a stable 8-character hash, for names derived from longer text. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/**
 * baseName is the name children of an object start with: the object's own name when it is
 * short enough, else a prefix of it plus a hash, so two long names never collide. Job names
 * become Pod labels, which allow 63 characters: the CronJob controller adds 11 and the
 * run-now suffix 13.
 */
export function baseName(name: string): string {
  if (name.length <= BASE_NAME_MAX) return name;
  return `${name.slice(0, BASE_NAME_MAX - 9).replace(/[-.]+$/, '')}-${shortHash(name)}`;
}

/** cronJobName names the CronJob of an AwsCheck. */
export function cronJobName(checkName: string): string {
  return baseName(checkName);
}

/** initialJobName names the run an AwsCheck gets at creation (runOnCreate). */
export function initialJobName(checkName: string): string {
  return `${baseName(checkName)}-initial`;
}

/** runNowJobName names the run a run-now token asks for: one Job per token, ever. */
export function runNowJobName(checkName: string, token: string): string {
  return `${baseName(checkName)}-now-${shortHash(token)}`;
}

/** validationJobName names the validation run of one generation of a credential ref. */
export function validationJobName(refName: string, generation: number): string {
  return `${baseName(refName)}-v${shortHash(String(generation)).slice(0, 6)}`;
}
