// Building Health judgements: every service's evaluation functions return these.
import type { Health } from './service.ts';

/** judged is healthy exactly when there are no problems. */
export function judged(state: string, problems: readonly string[]): Health {
  return { healthy: problems.length === 0, state, problems };
}

/** stateProblem is the problem of a state outside the allowed ones, or none. */
export function stateProblem(
  what: string,
  state: string | undefined,
  allowed: readonly string[],
): string[] {
  if (state !== undefined && allowed.includes(state)) return [];
  return [`${what} is ${state ?? 'unknown'}, healthy is ${allowed.join(' or ')}`];
}
