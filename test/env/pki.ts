import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

// openssl (present on every Debian machine) signs the certificates; its default config
// would add CA extensions to every `req -x509`, so a minimal config of our own is passed.
const OPENSSL_CONFIG = '[req]\ndistinguished_name = dn\n[dn]\n';
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** CertificateFiles are a PEM certificate and its private key on disk. */
export interface CertificateFiles {
  readonly cert: string;
  readonly key: string;
}

/** Pki holds the run's certificate authority; every certificate of the run is signed by it. */
export interface Pki {
  readonly dir: string;
  readonly ca: CertificateFiles;
}

/** createPki writes a fresh CA into `dir`, valid for the life of a test run. */
export async function createPki(dir: string): Promise<Pki> {
  const config = join(dir, 'openssl.cnf');
  await writeFile(config, OPENSSL_CONFIG);
  const ca = { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') };
  await openssl(config, [
    'req',
    '-x509',
    ...EC_KEY,
    '-keyout',
    ca.key,
    '-out',
    ca.cert,
    '-days',
    '30',
    '-subj',
    '/CN=awscheck-testenv-ca',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { dir, ca };
}

/** issueServingCertificate signs a server certificate for 127.0.0.1 and localhost. */
export async function issueServingCertificate(pki: Pki, name: string): Promise<CertificateFiles> {
  return issue(pki, name, `/CN=${name}`, [
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-addext',
    'extendedKeyUsage=serverAuth',
  ]);
}

/**
 * issueClientCertificate signs a client certificate: the apiserver reads the user name
 * from CN and the groups from O, so RBAC sees exactly `user` in `groups`.
 */
export async function issueClientCertificate(
  pki: Pki,
  user: string,
  groups: readonly string[] = [],
): Promise<CertificateFiles> {
  const subject = [
    `/CN=${escapeSubject(user)}`,
    ...groups.map((g) => `/O=${escapeSubject(g)}`),
  ].join('');
  const fileName = `user-${user.replace(/[^a-zA-Z0-9.-]/g, '_')}`;
  return issue(pki, fileName, subject, ['-addext', 'extendedKeyUsage=clientAuth']);
}

/** writeServiceAccountKeys writes the key pair the apiserver signs service-account tokens with. */
export async function writeServiceAccountKeys(dir: string): Promise<CertificateFiles> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const files = { cert: join(dir, 'sa.pub'), key: join(dir, 'sa.key') };
  await writeFile(files.key, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  await writeFile(files.cert, publicKey.export({ type: 'spki', format: 'pem' }));
  return files;
}

async function issue(
  pki: Pki,
  fileName: string,
  subject: string,
  extensions: string[],
): Promise<CertificateFiles> {
  const files = { cert: join(pki.dir, `${fileName}.crt`), key: join(pki.dir, `${fileName}.key`) };
  await openssl(join(pki.dir, 'openssl.cnf'), [
    'req',
    '-x509',
    ...EC_KEY,
    '-keyout',
    files.key,
    '-out',
    files.cert,
    '-days',
    '30',
    '-CA',
    pki.ca.cert,
    '-CAkey',
    pki.ca.key,
    '-subj',
    subject,
    '-addext',
    'basicConstraints=critical,CA:FALSE',
    '-addext',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    ...extensions,
  ]);
  return files;
}

async function openssl(config: string, args: string[]): Promise<void> {
  const [command, ...rest] = args;
  if (command === undefined) throw new Error('openssl needs a command');
  await run('openssl', [command, '-config', config, ...rest]);
}

// escapeSubject keeps a user or group name from being read as another RDN.
function escapeSubject(value: string): string {
  return value.replace(/([/\\+=,])/g, '\\$1');
}
