// Which AWS partition a region belongs to, from the SDK's own partition data (the
// partitions table @aws-sdk/core ships and every client's endpoint rules use): a region
// no partition lists is refused before any call, so a typo is never "found 0" from an
// endpoint that happened to answer. Global services are called in the partition's own
// global region, the one the credentials' region belongs to.
import { partition } from '@aws-sdk/core/client';
import { REGION_PATTERN } from './result-limits.ts';

/** RegionPartition is what the SDK knows of a region's partition. */
export interface RegionPartition {
  /** The partition's name: aws, aws-cn, aws-us-gov, aws-eusc, aws-iso, … */
  readonly name: string;
  /** The region the partition's global services (IAM, CloudFront, …) are called in. */
  readonly globalRegion: string;
}

/**
 * regionPartition is the partition the SDK lists `region` in, or undefined for a region
 * no partition lists (a typo such as eu-centrl-1, or a region newer than this SDK).
 */
export function regionPartition(region: string): RegionPartition | undefined {
  if (!REGION_PATTERN.test(region)) return undefined;
  const found = partition(region) as unknown as {
    readonly name: string;
    readonly implicitGlobalRegion: string;
    readonly description?: string;
  };
  // Only a region the table lists by name carries its description; the SDK otherwise
  // falls back to a partition's regex or to aws, which is a guess, not knowledge.
  if (found.description === undefined) return undefined;
  return { name: found.name, globalRegion: found.implicitGlobalRegion };
}

/**
 * regionProblem says why a run cannot use `region` with credentials of `stsRegion`, or
 * undefined when it can: the region must be listed, and in the credentials' partition
 * (keys of one partition are unknown in another, which would read as bad credentials).
 */
export function regionProblem(region: string, stsRegion: string): string | undefined {
  const known = regionPartition(region);
  if (!known) {
    return `${region} is not a region any AWS partition lists (see the AWS region list for the exact name)`;
  }
  const home = regionPartition(stsRegion);
  if (home && home.name !== known.name) {
    return `${region} is in the partition ${known.name}, but the credentials' region ${stsRegion} is in ${home.name}`;
  }
  return undefined;
}

/** globalRegionFor is the region global services are called in for credentials of `stsRegion`. */
export function globalRegionFor(stsRegion: string): string {
  const home = regionPartition(stsRegion);
  if (!home) throw new Error(`globalRegionFor: ${stsRegion} was not validated as a known region`);
  return home.globalRegion;
}
