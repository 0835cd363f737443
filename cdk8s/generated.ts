import type { GeneratedSet } from '../operator/api/generated-set.ts';

/** cdk8sFiles: the cdk8s install manifest and the typed constructs imported from our CRDs. */
export const cdk8sFiles: GeneratedSet = {
  dirs: [],
  files: () => [],
};
