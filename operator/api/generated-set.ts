/**
 * GeneratedSet is one area's share of what `npm run generate` writes: its files (path from
 * the repository root → content, in a stable order) and the directories it owns, where a
 * generated file that no longer has a source is removed.
 */
export interface GeneratedSet {
  readonly dirs: readonly string[];
  readonly files: () => readonly (readonly [string, string])[];
}
