// How plans' numbers read on a page.
import type { Plan } from '../../operator/plans/catalog.ts';

/** price is a plan's monthly price as people read it. */
export function price(plan: Plan): string {
  if (plan.monthlyPriceCents === 0) return 'Free, no card needed';
  return `$${(plan.monthlyPriceCents / 100).toFixed(2)} per month`;
}

/** duration says a number of seconds in the largest whole unit. */
export function duration(seconds: number): string {
  const units: [number, string][] = [
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, unit] of units) {
    if (seconds % size === 0) {
      const n = seconds / size;
      return n === 1 ? `1 ${unit}` : `${n} ${unit}s`;
    }
  }
  return `${seconds} seconds`;
}
