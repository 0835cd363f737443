import type { GeneratedSet } from '../operator/api/generated-set.ts';
import { INSTALL_DIR, INSTALL_FILE, installYaml } from './install.ts';

/**
 * cdk8sFiles: the install manifest synthesized by the cdk8s app. The typed constructs
 * imported from our CRDs are TypeScript, written by cdk8s/import.ts.
 */
export const cdk8sFiles: GeneratedSet = {
  dirs: [INSTALL_DIR],
  files: () => [[INSTALL_FILE, installYaml()]],
};
