import { createHash } from 'node:crypto';

/** BASE_NAME_MAX leaves room for every suffix a child's name gets within 63 characters. */
const BASE_NAME_MAX = 48;

/** LABEL_VALUE_MAX is the longest label value the apiserver accepts. */
const LABEL_VALUE_MAX = 63;

/** shortHash is a stable 8-character hash, for names derived from longer text. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

// shortened keeps a prefix of `name` and adds a hash of the whole, so two long names never
// collide; the prefix ends with a letter or digit, as names and label values must.
function shortened(name: string, max: number): string {
  if (name.length <= max) return name;
  return `${name.slice(0, max - 9).replace(/[-._]+$/, '')}-${shortHash(name)}`;
}

/**
 * baseName is the name children of an object start with: the object's own name when it is
 * short enough, else a prefix of it plus a hash. Job names become Pod labels, which allow
 * 63 characters: the CronJob controller adds 11 and the run-now suffix 13.
 */
export function baseName(name: string): string {
  return shortened(name, BASE_NAME_MAX);
}

/**
 * labelValue is an object name as a label value: itself when it fits in 63 characters,
 * else a prefix plus a hash. Labels are for people selecting children; the operator finds
 * its children by owner UID and routes their events by annotation.
 */
export function labelValue(name: string): string {
  return shortened(name, LABEL_VALUE_MAX);
}

/** cronJobName names the CronJob of an AwsCheck. */
export function cronJobName(checkName: string): string {
  return baseName(checkName);
}

/**
 * generationJobName names the run a check gets when it is created or its spec changes
 * (firstRun: Immediately): one per generation of one incarnation (UID) of the check, so a
 * check deleted and created again under the same name never meets its predecessor's Jobs.
 */
export function generationJobName(checkName: string, uid: string, generation: number): string {
  return `${baseName(checkName)}-g${shortHash(`${uid}/${String(generation)}`)}`;
}

/** runNowJobName names the run a run-now token asks for: one Job per token and check, ever. */
export function runNowJobName(checkName: string, uid: string, token: string): string {
  return `${baseName(checkName)}-now-${shortHash(`${uid}/${token}`)}`;
}

/**
 * validationJobName names a validation run of a credential ref: derived from the ref's
 * UID, its generation and the validation before it, so each revalidation gets a new name
 * and a crashed operator, starting over from status, picks the same one.
 */
export function validationJobName(refName: string, uid: string, previous: string): string {
  return `${baseName(refName)}-v${shortHash(`${uid}/${previous}`)}`;
}
