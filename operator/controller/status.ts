// Writing status: only when it changed, and for objects the schema refuses, a status that
// says so (InvalidConfiguration) instead of an exception.
import { isDeepStrictEqual } from 'node:util';
import type { KubernetesObject } from '@kubernetes/client-node';
import { ApiException } from '../runtime/kube-rest.ts';
import { replaceStatus } from '../kube.ts';
import { apiMessage, type Refusal } from './refusal.ts';
import type { ControllerContext } from './context.ts';
import { setConditions } from './conditions.ts';
import type { Condition } from '../api/v1alpha1/common.ts';

/** RawObject is a custom object as the informer holds it. */
export type RawObject = KubernetesObject & {
  status?: { conditions?: Condition[] } & Record<string, unknown>;
};

/** StatusWrite says what became of a status: written, already so, or refused (422). */
export type StatusWrite = 'written' | 'unchanged' | 'refused';

/**
 * writeStatusIfChanged writes `status` unless the object already has exactly it. A status
 * the apiserver refuses (422) is reported instead: the last status it accepted, with Ready
 * False and Stalled giving the apiserver's words. Only a status that is `written` or
 * `unchanged` is on record: nothing that depends on it may happen after a refusal.
 */
export async function writeStatusIfChanged(
  context: ControllerContext,
  plural: StatusPlural,
  object: RawObject,
  status: object,
): Promise<StatusWrite> {
  if (isDeepStrictEqual(normalized(object.status ?? {}), normalized(status))) return 'unchanged';
  try {
    await writeStatus(context, { plural, object }, status);
    return 'written';
  } catch (error) {
    if (!(error instanceof ApiException) || error.code !== 422) throw error;
    const message = `the apiserver refused the status (HTTP 422): ${apiMessage(error)}`;
    const refused = stalledStatus(
      object.status ?? {},
      message,
      generation(object),
      context.clock.now(),
    );
    if (!isDeepStrictEqual(normalized(object.status ?? {}), normalized(refused))) {
      await writeStatus(context, { plural, object }, refused);
    }
    return 'refused';
  }
}

/** StatusPlural is a kind whose status the operator writes, by its plural. */
export type StatusPlural = 'awschecks' | 'awscredentialrefs';

// writeStatus replaces the status and takes the apiserver's answer into the cache at once
// (Informer.wrote), so the next reconcile of the object acts on what was written.
async function writeStatus(
  context: ControllerContext,
  ref: { plural: StatusPlural; object: RawObject },
  status: object,
): Promise<void> {
  const written = await replaceStatus(context.clients, ref, status);
  const cache = ref.plural === 'awschecks' ? context.caches.checks : context.caches.credentials;
  cache.wrote(written, ref.object.metadata?.resourceVersion ?? '');
}

/**
 * writeInvalid reports an object that does not parse: Ready False, Stalled, the message.
 * The rest of its status may be what failed to parse, so only the conditions are kept.
 */
export async function writeInvalid(
  context: ControllerContext,
  plural: StatusPlural,
  object: RawObject,
  message: string,
): Promise<void> {
  const stalled = stalledStatus(
    object.status ?? {},
    message,
    generation(object),
    context.clock.now(),
  );
  await writeStatusIfChanged(context, plural, object, stalled);
}

/** stalledStatus is `status` with Ready False and Stalled saying `message` (InvalidConfiguration). */
export function stalledStatus<S extends object>(
  status: S & { conditions?: unknown },
  message: string,
  generation: number,
  now: Date,
): S & { observedGeneration: number; conditions: Condition[] } {
  return refusalStatus(
    status,
    { reason: 'InvalidConfiguration', message, final: true },
    generation,
    now,
  );
}

/**
 * refusalStatus is `status` with Ready False for a refusal: Stalled when it is final,
 * Reconciling when it frees itself (a quota), each with the refusal's reason and words.
 */
export function refusalStatus<S extends object>(
  status: S & { conditions?: unknown },
  { reason, message, final }: Refusal,
  generation: number,
  now: Date,
): S & { observedGeneration: number; conditions: Condition[] } {
  const kind = final ? 'Stalled' : 'Reconciling';
  const previous = Array.isArray(status.conditions)
    ? (status.conditions as Condition[])
    : undefined;
  const conditions = setConditions(
    previous,
    [
      { type: 'Ready', status: 'False', reason, message },
      { type: kind, status: 'True', reason, message },
    ],
    generation,
    now,
  );
  return { ...status, observedGeneration: generation, conditions };
}

function generation(object: RawObject): number {
  return object.metadata?.generation ?? 0;
}

// normalized drops undefined fields, as JSON on the wire does.
function normalized(value: object): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}
