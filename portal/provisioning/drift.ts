// Whether a child object in a tenant namespace still says what its plan says: resync
// re-applies a child that drifted (edited or deleted by hand, or written by an older plan),
// and leaves alone one that did not, so a resync at steady state writes nothing.
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseQuantity } from '../../operator/quantity.ts';
import type { ChildObject } from './plan.ts';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const asJson = (value: unknown): Json => JSON.parse(JSON.stringify(value ?? null)) as Json;

function sameLeaf(want: Json, have: Json): boolean {
  if (want === have) return true;
  if (typeof want !== 'string' || typeof have !== 'string') return false;
  try {
    return parseQuantity(want) === parseQuantity(have);
  } catch {
    return false;
  }
}

function containsList(want: Json[], have: Json | undefined): boolean {
  if (want.length === 0) return have === undefined || (Array.isArray(have) && have.length === 0);
  return (
    Array.isArray(have) &&
    have.length === want.length &&
    want.every((item, i) => contains(item, have[i]))
  );
}

// contains: every field `want` sets is in `have` with the same value (quantities compared
// as numbers; an empty list matches an omitted one, as the apiserver omits empty lists);
// lists match item by item. Fields the apiserver adds (uid, defaults) are ignored.
function contains(want: Json, have: Json | undefined): boolean {
  if (Array.isArray(want)) return containsList(want, have);
  if (want !== null && typeof want === 'object') {
    if (have === undefined || have === null || typeof have !== 'object' || Array.isArray(have))
      return false;
    return Object.entries(want).every(([key, value]) => contains(value, have[key]));
  }
  return have !== undefined && sameLeaf(want, have);
}

const exactKeys = (want: Json, have: Json): boolean =>
  want !== null &&
  have !== null &&
  typeof want === 'object' &&
  typeof have === 'object' &&
  Object.keys(want).length === Object.keys(have).length;

/**
 * childDrifted tells whether the live object (undefined: absent) no longer says what the
 * planned child says. A quota must also hold no limit the plan does not set.
 */
export function childDrifted(planned: ChildObject, live: KubernetesObject | undefined): boolean {
  if (live === undefined) return true;
  const want = asJson(planned) as Record<string, Json>;
  delete want.apiVersion;
  delete want.kind;
  if (!contains(want, asJson(live))) return true;
  if (planned.kind !== 'ResourceQuota') return false;
  const wantHard = asJson((planned as { spec?: { hard?: unknown } }).spec?.hard);
  const haveHard = asJson((live as { spec?: { hard?: unknown } }).spec?.hard);
  return !exactKeys(wantHard, haveHard);
}
