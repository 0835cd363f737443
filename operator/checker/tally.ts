// Counting what a run found, in bounded memory: counts per region, and only the first
// MAX_FINDINGS unhealthy resources. Every resource still goes to stdout as it is seen.
import { MAX_FINDINGS } from './result-limits.ts';
import type { Finding, RegionTally } from './result.ts';
import type { Observed } from './service.ts';

/** Emit writes one JSON line of full detail to stdout. */
export type Emit = (line: Readonly<Record<string, unknown>>) => void;

/** Tally accumulates a run's counts; it holds no resource beyond the findings it keeps. */
export class Tally {
  readonly #emit: Emit;
  readonly #open = new Map<string, { resources: number; unhealthy: number }>();
  readonly #finished = new Map<string, RegionTally>();
  readonly #findings: Finding[] = [];

  constructor(emit: Emit) {
    this.#emit = emit;
  }

  /** add counts one resource of `region` and writes it to stdout. */
  add(region: string, resource: Observed): void {
    const open = this.#open.get(region) ?? { resources: 0, unhealthy: 0 };
    this.#open.set(region, open);
    open.resources += 1;
    const health = resource.health;
    this.#emit({
      event: 'resource',
      region,
      id: resource.id,
      ...(health && { healthy: health.healthy, state: health.state, problems: health.problems }),
    });
    if (!health || health.healthy) return;
    open.unhealthy += 1;
    if (this.#findings.length < MAX_FINDINGS) {
      this.#findings.push({
        region,
        id: resource.id,
        state: health.state,
        problems: [...health.problems],
      });
    }
  }

  /** finish marks a region complete; only complete regions are reported. */
  finish(region: string): void {
    const open = this.#open.get(region) ?? { resources: 0, unhealthy: 0 };
    this.#finished.set(region, { ...open });
    this.#emit({ event: 'region', region, ...open });
  }

  get regions(): Record<string, RegionTally> {
    return Object.fromEntries([...this.#finished].sort(([a], [b]) => a.localeCompare(b)));
  }

  get resources(): number {
    return [...this.#finished.values()].reduce((sum, r) => sum + r.resources, 0);
  }

  get unhealthy(): number {
    return [...this.#finished.values()].reduce((sum, r) => sum + r.unhealthy, 0);
  }

  /** findings are the kept unhealthy resources of finished regions. */
  get findings(): Finding[] {
    return this.#findings.filter((f) => this.#finished.has(f.region));
  }
}
