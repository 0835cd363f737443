// Argo CD health checks for our kinds: Lua scripts (beside this file) that Argo CD runs
// with the live object as `obj`, configured in argocd-cm under
// resource.customizations.health.<group>_<kind>.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GROUP } from '../v1alpha1/common.ts';

/** ArgoHealthScript is one kind's script and the argocd-cm key that configures it. */
export interface ArgoHealthScript {
  readonly kind: 'AwsCheck' | 'AwsCredentialRef';
  /** The script's path from the repository root. */
  readonly source: string;
  readonly key: string;
  readonly script: string;
}

function healthScript(kind: ArgoHealthScript['kind'], file: string): ArgoHealthScript {
  return {
    kind,
    source: `operator/api/health/${file}`,
    key: `resource.customizations.health.${GROUP}_${kind}`,
    script: readFileSync(join(import.meta.dirname, file), 'utf8'),
  };
}

/** ARGO_HEALTH_SCRIPTS are both kinds' scripts. */
export const ARGO_HEALTH_SCRIPTS: readonly ArgoHealthScript[] = [
  healthScript('AwsCheck', 'awscheck.lua'),
  healthScript('AwsCredentialRef', 'awscredentialref.lua'),
];
