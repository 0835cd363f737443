// Judges an object with healthCheckExprs as Flux's StatusEvaluator does (fluxcd/pkg
// runtime/cel/status_evaluator.go, RFC 0009): a status.observedGeneration that differs
// from metadata.generation is InProgress; then inProgress, failed, current in that order,
// the first true one deciding, none true InProgress. The object's top-level fields are
// the variables, JSON integers are CEL ints (int64 in Go's unstructured objects), and an
// expression that cannot be evaluated (a field missing) leaves the status Unknown, as
// kstatus reports a status function's error.
import { Environment } from '@marcbachmann/cel-js';
import type { HealthCheckExprs } from '../flux.ts';
import type { FluxStatus } from './fixtures.ts';

// Flux parses (without declarations) with optional types on: every variable is dyn.
const environment = new Environment({ unlistedVariablesAreDyn: true, enableOptionalTypes: true });

/** judgeWithFlux is the kstatus Flux gives `object` under `exprs`. */
export function judgeWithFlux(exprs: HealthCheckExprs, object: object): FluxStatus {
  const variables = asCelValue(object) as Record<string, unknown>;
  const status = variables.status as Record<string, unknown> | undefined;
  const metadata = variables.metadata as Record<string, unknown>;
  if (
    status?.observedGeneration !== undefined &&
    status.observedGeneration !== metadata.generation
  ) {
    return 'InProgress';
  }
  const ordered = [
    [exprs.inProgress, 'InProgress'],
    [exprs.failed, 'Failed'],
    [exprs.current, 'Current'],
  ] as const;
  for (const [expression, verdict] of ordered) {
    let result: unknown;
    try {
      result = evaluate(expression, object);
    } catch {
      return 'Unknown';
    }
    if (typeof result !== 'boolean')
      throw new Error(`${expression} is not a bool: ${String(result)}`);
    if (result) return verdict;
  }
  return 'InProgress';
}

/**
 * evaluate is one expression's value on `object`, as Flux computes it; an expression that
 * cannot be evaluated throws (judgeWithFlux turns that into Unknown, as Flux does).
 */
export function evaluate(expression: string, object: object): unknown {
  return environment.evaluate(expression, asCelValue(object) as Record<string, unknown>);
}

// asCelValue turns JSON integers into CEL ints (bigint), as Go's unstructured objects hold them.
function asCelValue(value: unknown): unknown {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (Array.isArray(value)) return value.map(asCelValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, asCelValue(item)]));
  }
  return value;
}
