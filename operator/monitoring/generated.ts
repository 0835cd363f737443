import type { GeneratedSet } from '../api/generated-set.ts';

/** monitoringFiles: the Grafana dashboard and the Prometheus alert rules, rendered from code. */
export const monitoringFiles: GeneratedSet = {
  dirs: [],
  files: () => [],
};
