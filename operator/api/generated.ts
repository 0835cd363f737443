// Every file `npm run generate` writes, computed in memory so a test can compare it with
// disk: the core files (CRDs, samples, RBAC, admission, plans) and each packaging area's
// (chart, monitoring, cdk8s, GitOps health snippets).
import { cdk8sFiles } from '../../cdk8s/generated.ts';
import { chartFiles } from '../../charts/chart-files.ts';
import { monitoringFiles } from '../monitoring/generated.ts';
import { healthFiles } from './health/generated.ts';
import { CRD_TARGETS, RBAC_DIR, SAMPLES_DIR, coreGeneratedFiles } from './generated-files.ts';
import type { GeneratedSet } from './generated-set.ts';

const PACKAGING: readonly GeneratedSet[] = [chartFiles, monitoringFiles, cdk8sFiles, healthFiles];

/** GENERATED_DIRS are the directories whose generated files have no source once unlisted. */
export const GENERATED_DIRS: readonly string[] = [
  ...CRD_TARGETS,
  SAMPLES_DIR,
  RBAC_DIR,
  ...PACKAGING.flatMap((set) => set.dirs),
];

/** generatedFiles is every generated file, path → content, in a stable order. */
export function generatedFiles(): Map<string, string> {
  const files = coreGeneratedFiles();
  for (const set of PACKAGING) {
    for (const [path, content] of set.files()) {
      if (files.has(path)) throw new Error(`${path} is generated twice`);
      files.set(path, content);
    }
  }
  return files;
}
