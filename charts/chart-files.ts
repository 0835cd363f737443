import type { GeneratedSet } from '../operator/api/generated-set.ts';

/** chartFiles: the Helm chart's generated copies (CRDs, RBAC, admission fence, plans) and its values reference. */
export const chartFiles: GeneratedSet = {
  dirs: [],
  files: () => [],
};
