import { readFile, writeFile } from 'node:fs/promises';
import type { CertificateFiles } from './pki.ts';

/** KubeconfigInput names the server, the CA that signed it and one client identity. */
export interface KubeconfigInput {
  readonly server: string;
  readonly caCert: string;
  readonly client: CertificateFiles;
  readonly user: string;
}

/**
 * writeKubeconfig writes a one-context kubeconfig with the certificates embedded, so the
 * file alone is enough for kubectl and @kubernetes/client-node. JSON is valid kubeconfig.
 */
export async function writeKubeconfig(path: string, input: KubeconfigInput): Promise<void> {
  const [ca, cert, key] = await Promise.all(
    [input.caCert, input.client.cert, input.client.key].map(async (file) =>
      (await readFile(file)).toString('base64'),
    ),
  );
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'testenv', cluster: { server: input.server, 'certificate-authority-data': ca } },
    ],
    users: [
      { name: input.user, user: { 'client-certificate-data': cert, 'client-key-data': key } },
    ],
    contexts: [{ name: 'testenv', context: { cluster: 'testenv', user: input.user } }],
    'current-context': 'testenv',
  };
  await writeFile(path, JSON.stringify(config, null, 2), { mode: 0o600 });
}
