// Writing status: only when it changed, and for objects the schema refuses, a status that
// says so (InvalidConfiguration) instead of an exception.
import { isDeepStrictEqual } from 'node:util';
import type { KubernetesObject } from '@kubernetes/client-node';
import { replaceStatus } from '../kube.ts';
import type { ControllerContext } from './context.ts';
import { setConditions } from './conditions.ts';
import type { Condition } from '../api/v1alpha1/common.ts';

/** RawObject is a custom object as the informer holds it. */
export type RawObject = KubernetesObject & {
  status?: { conditions?: Condition[] } & Record<string, unknown>;
};

/** writeStatusIfChanged writes `status` unless the object already has exactly it. */
export async function writeStatusIfChanged(
  context: ControllerContext,
  plural: string,
  object: RawObject,
  status: object,
): Promise<boolean> {
  if (isDeepStrictEqual(normalized(object.status ?? {}), normalized(status))) return false;
  await replaceStatus(context.clients, { plural, object }, status);
  return true;
}

/**
 * writeInvalid reports an object that does not parse: Ready False, Stalled, the message.
 * The rest of its status may be what failed to parse, so only the conditions are kept.
 */
export async function writeInvalid(
  context: ControllerContext,
  plural: string,
  object: RawObject,
  message: string,
): Promise<void> {
  const generation = object.metadata?.generation ?? 0;
  const reason = 'InvalidConfiguration';
  const previous = object.status?.conditions;
  const conditions = setConditions(
    Array.isArray(previous) ? previous : undefined,
    [
      { type: 'Ready', status: 'False', reason, message },
      { type: 'Stalled', status: 'True', reason, message },
    ],
    generation,
    context.clock.now(),
  );
  await writeStatusIfChanged(context, plural, object, {
    ...object.status,
    observedGeneration: generation,
    conditions,
  });
}

// normalized drops undefined fields, as JSON on the wire does.
function normalized(value: object): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}
