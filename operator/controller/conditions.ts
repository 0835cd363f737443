// Condition helpers with kstatus semantics. Rules kept here:
// - lastTransitionTime moves only when a condition's status moves;
// - every condition carries the generation it describes;
// - the list is ordered by type so an unchanged status compares equal.
import type { Condition } from '../api/v1alpha1/common.ts';
import { toKubeTime } from './schedule.ts';

/** ConditionInput is a condition before the bookkeeping fields are filled in. */
export interface ConditionInput {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
}

/**
 * setConditions merges `updates` into `current`: each update replaces the condition of
 * its type, keeping lastTransitionTime when the status is unchanged. Types absent from
 * `updates` are dropped, so a condition that no longer applies (Stalled) disappears.
 */
export function setConditions(
  current: readonly Condition[] | undefined,
  updates: readonly ConditionInput[],
  generation: number,
  now: Date,
): Condition[] {
  return updates
    .map((update) => {
      const previous = current?.find((c) => c.type === update.type);
      const lastTransitionTime =
        previous !== undefined && previous.status === update.status
          ? previous.lastTransitionTime
          : toKubeTime(now);
      return {
        type: update.type,
        status: update.status,
        observedGeneration: generation,
        lastTransitionTime,
        reason: update.reason,
        message: truncate(update.message, 4096),
      };
    })
    .sort((a, b) => a.type.localeCompare(b.type));
}

/** findCondition returns the condition of a type, if present. */
export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 13)}… (truncated)`;
}
