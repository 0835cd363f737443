import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import type { CertificateFiles } from './pki.ts';

/** TlsClient is what a readiness probe needs to speak to a TLS server of the environment. */
export interface TlsClient {
  readonly caCert: string;
  readonly client?: CertificateFiles;
}

/**
 * httpsGet fetches a URL over TLS with the environment's CA (and client certificate, when
 * given) and resolves with status and body. Readiness probes use it before a
 * Kubernetes client exists.
 */
export async function httpsGet(
  url: string,
  tls: TlsClient,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ca: readFileSync(tls.caCert),
        ...(tls.client && {
          cert: readFileSync(tls.client.cert),
          key: readFileSync(tls.client.key),
        }),
        timeout: 2_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('timeout', () => {
      req.destroy(new Error(`GET ${url} timed out`));
    });
    req.on('error', reject);
    req.end();
  });
}
