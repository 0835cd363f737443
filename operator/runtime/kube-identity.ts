// Who a process is to the apiserver, and where that is, read from the standard places
// without client-node's KubeConfig: loading that module loads every API group's client and
// every auth plugin (about 85 MiB of the operator's resident memory). The operator needs
// a server, TLS material and a token or client certificate: a service account in a
// cluster, a kubeconfig file outside one. Exec and auth-provider plugins are refused with
// a message, not half-supported.
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, resolve } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { z } from 'zod';
import type { Clock } from './clock.ts';
import { systemClock } from './clock.ts';

/** TlsMaterial is what the connection to the apiserver is made with. */
export interface TlsMaterial {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly rejectUnauthorized?: boolean;
  readonly servername?: string;
}

/** KubeIdentity is one identity at one apiserver. */
export interface KubeIdentity {
  /** The apiserver's URL, without a trailing slash. */
  readonly server: string;
  readonly tls: TlsMaterial;
  /** An HTTP(S) proxy the apiserver is reached through, if any. */
  readonly proxyUrl?: string | undefined;
  /** The headers that authenticate one request, read per request: tokens rotate. */
  credentials(): Promise<Record<string, string>>;
}

/** The in-cluster service account's files, as the kubelet mounts them. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** A token file is read again at most this often (client-go reloads it every minute). */
export const TOKEN_FILE_REFRESH_MS = 60_000;

/** IdentitySources are where loadKubeIdentity looks, injectable for tests. */
export interface IdentitySources {
  readonly env: NodeJS.ProcessEnv;
  readonly home: string;
  readonly serviceAccountDir: string;
  readonly clock: Clock;
}

const DEFAULT_SOURCES: IdentitySources = {
  env: process.env,
  home: homedir(),
  serviceAccountDir: SERVICE_ACCOUNT_DIR,
  clock: systemClock,
};

/**
 * loadKubeIdentity finds the identity as kubectl and client-node do: the files KUBECONFIG
 * names, else ~/.kube/config, else the in-cluster service account.
 */
export function loadKubeIdentity(sources: Partial<IdentitySources> = {}): KubeIdentity {
  const from = { ...DEFAULT_SOURCES, ...sources };
  const named = (from.env.KUBECONFIG ?? '').split(delimiter).filter((path) => path !== '');
  if (named.length > 0) return fromKubeconfigFiles(named, from.clock);
  const home = resolve(from.home, '.kube', 'config');
  if (readable(home)) return fromKubeconfigFiles([home], from.clock);
  const host = from.env.KUBERNETES_SERVICE_HOST;
  const port = from.env.KUBERNETES_SERVICE_PORT;
  if (host === undefined || port === undefined) {
    throw new Error(
      'no Kubernetes identity: set KUBECONFIG, create ~/.kube/config, or run in a cluster (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT unset)',
    );
  }
  return inCluster(host, port, from.serviceAccountDir, from.clock);
}

// inCluster: the service account's CA and projected token, which the kubelet rotates.
function inCluster(host: string, port: string, dir: string, clock: Clock): KubeIdentity {
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const token = tokenFile(`${dir}/token`, clock);
  return {
    server: `https://${hostPart}:${port}`,
    tls: { ca: readFileSync(`${dir}/ca.crt`) },
    credentials: async () => ({ Authorization: `Bearer ${await token()}` }),
  };
}

// tokenFile reads a token file, again at most every TOKEN_FILE_REFRESH_MS.
function tokenFile(path: string, clock: Clock): () => Promise<string> {
  let cached: { token: string; readAt: number } | undefined;
  return async () => {
    const now = clock.now().getTime();
    if (cached === undefined || now - cached.readAt >= TOKEN_FILE_REFRESH_MS) {
      const token = (await readFile(path, 'utf8')).trim();
      if (token === '') throw new Error(`the token file ${path} is empty`);
      cached = { token, readAt: now };
    }
    return cached.token;
  };
}

const clusterSchema = z.object({
  server: z.string(),
  'certificate-authority': z.string().optional(),
  'certificate-authority-data': z.string().optional(),
  'insecure-skip-tls-verify': z.boolean().optional(),
  'tls-server-name': z.string().optional(),
  'proxy-url': z.string().optional(),
});

const userSchema = z.object({
  'client-certificate': z.string().optional(),
  'client-certificate-data': z.string().optional(),
  'client-key': z.string().optional(),
  'client-key-data': z.string().optional(),
  token: z.string().optional(),
  tokenFile: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  exec: z.unknown().optional(),
  'auth-provider': z.unknown().optional(),
});

const kubeconfigSchema = z.object({
  'current-context': z.string().optional(),
  clusters: z.array(z.object({ name: z.string(), cluster: clusterSchema })).nullish(),
  users: z.array(z.object({ name: z.string(), user: userSchema })).nullish(),
  contexts: z
    .array(
      z.object({
        name: z.string(),
        context: z.object({ cluster: z.string(), user: z.string().optional() }),
      }),
    )
    .nullish(),
});

type Cluster = z.infer<typeof clusterSchema>;
type User = z.infer<typeof userSchema>;

interface Entry<T> {
  readonly value: T;
  /** The kubeconfig file it came from: relative paths in it are relative to its directory. */
  readonly dir: string;
}

/** Merged is the kubeconfig files read as one. */
interface Merged {
  readonly clusters: Map<string, Entry<Cluster>>;
  readonly users: Map<string, Entry<User>>;
  readonly contexts: Map<string, { cluster: string; user?: string | undefined }>;
  current?: string | undefined;
}

// fromKubeconfigFiles reads the files as one and takes its current context's identity.
function fromKubeconfigFiles(paths: readonly string[], clock: Clock): KubeIdentity {
  const files = paths.join(delimiter);
  const merged = mergeKubeconfigs(paths);
  const { current } = merged;
  if (current === undefined) throw new Error(`the kubeconfig ${files} names no current-context`);
  const context = merged.contexts.get(current);
  if (context === undefined) throw new Error(`the kubeconfig ${files} has no context ${current}`);
  const cluster = merged.clusters.get(context.cluster);
  if (cluster === undefined) {
    throw new Error(`the kubeconfig ${files} has no cluster ${context.cluster}`);
  }
  const userName = context.user ?? '';
  const user = merged.users.get(userName);
  if (context.user !== undefined && user === undefined) {
    throw new Error(`the kubeconfig ${files} has no user ${userName}`);
  }
  return fromEntries(cluster, user, userName, clock);
}

// mergeKubeconfigs merges the files as kubectl does: the first file to name a cluster,
// user, context or the current context wins; files that do not exist are passed over.
function mergeKubeconfigs(paths: readonly string[]): Merged {
  const present = paths.filter(readable);
  if (present.length === 0) throw new Error(`no kubeconfig file at ${paths.join(delimiter)}`);
  const merged: Merged = { clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const path of present) addKubeconfig(merged, path);
  return merged;
}

function readKubeconfig(path: string): z.infer<typeof kubeconfigSchema> {
  const parsed = kubeconfigSchema.safeParse(parse(readFileSync(path, 'utf8')) ?? {});
  if (!parsed.success) {
    throw new Error(`the kubeconfig ${path} is not valid: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

// addKubeconfig adds what one file names and the merge does not have yet.
function addKubeconfig(merged: Merged, path: string): void {
  const config = readKubeconfig(path);
  const dir = dirname(resolve(path));
  merged.current ??= config['current-context'] || undefined;
  const first = <T>(map: Map<string, T>, name: string, value: T): void => {
    if (!map.has(name)) map.set(name, value);
  };
  for (const { name, cluster } of config.clusters ?? [])
    first(merged.clusters, name, { value: cluster, dir });
  for (const { name, user } of config.users ?? []) first(merged.users, name, { value: user, dir });
  for (const { name, context } of config.contexts ?? []) first(merged.contexts, name, context);
}

function fromEntries(
  cluster: Entry<Cluster>,
  user: Entry<User> | undefined,
  userName: string,
  clock: Clock,
): KubeIdentity {
  const u = user?.value ?? {};
  if (u.exec !== undefined || u['auth-provider'] !== undefined) {
    throw new Error(
      `the kubeconfig's user ${userName} authenticates through an exec or auth-provider plugin, which the operator does not run: give it a client certificate or a token (in a cluster, its service account)`,
    );
  }
  const userDir = user?.dir ?? cluster.dir;
  return {
    server: cluster.value.server.replace(/\/+$/, ''),
    tls: tlsOf(cluster, { value: u, dir: userDir }),
    proxyUrl: cluster.value['proxy-url'],
    credentials: userCredentials(u, userDir, clock),
  };
}

// tlsOf is the cluster's and user's TLS material; files are relative to their kubeconfig.
function tlsOf(cluster: Entry<Cluster>, user: Entry<User>): TlsMaterial {
  const c = cluster.value;
  const u = user.value;
  const at = (dir: string, file: string | undefined): string | undefined =>
    file === undefined ? undefined : resolve(dir, file);
  const ca = material(at(cluster.dir, c['certificate-authority']), c['certificate-authority-data']);
  const cert = material(at(user.dir, u['client-certificate']), u['client-certificate-data']);
  const key = material(at(user.dir, u['client-key']), u['client-key-data']);
  return {
    ...(ca && { ca }),
    ...(cert && { cert }),
    ...(key && { key }),
    ...(c['insecure-skip-tls-verify'] === true && { rejectUnauthorized: false }),
    ...(c['tls-server-name'] !== undefined && { servername: c['tls-server-name'] }),
  };
}

function userCredentials(
  user: User,
  dir: string,
  clock: Clock,
): () => Promise<Record<string, string>> {
  if (user.token !== undefined) {
    const headers = { Authorization: `Bearer ${user.token}` };
    return async () => Promise.resolve(headers);
  }
  if (user.tokenFile !== undefined) {
    const token = tokenFile(resolve(dir, user.tokenFile), clock);
    return async () => ({ Authorization: `Bearer ${await token()}` });
  }
  if (user.username !== undefined) {
    const basic = Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64');
    const headers = { Authorization: `Basic ${basic}` };
    return async () => Promise.resolve(headers);
  }
  return async () => Promise.resolve({});
}

// material is a file's bytes, or base64 data inline in the kubeconfig.
function material(file: string | undefined, data: string | undefined): Buffer | undefined {
  if (data !== undefined) return Buffer.from(data, 'base64');
  if (file !== undefined) return readFileSync(file);
  return undefined;
}

function readable(path: string): boolean {
  return existsSync(path);
}

/**
 * identityFromKubeConfig is the identity of a client-node KubeConfig some tool or test
 * already holds; its credentials come from the KubeConfig per request (token plugins run).
 */
export function identityFromKubeConfig(config: KubeConfig): KubeIdentity {
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig names no current cluster: set its current-context');
  const user = config.getCurrentUser();
  const ca = material(cluster.caFile, cluster.caData);
  const cert = user ? material(user.certFile, user.certData) : undefined;
  const key = user ? material(user.keyFile, user.keyData) : undefined;
  const tls: TlsMaterial = {
    ...(ca && { ca }),
    ...(cert && { cert }),
    ...(key && { key }),
    ...(cluster.skipTLSVerify && { rejectUnauthorized: false }),
    ...(cluster.tlsServerName !== undefined && { servername: cluster.tlsServerName }),
  };
  return {
    server: cluster.server.replace(/\/+$/, ''),
    tls,
    proxyUrl: cluster.proxyUrl,
    credentials: async () => {
      const options: { headers?: Record<string, unknown>; auth?: string } = {};
      await config.applyToHTTPSOptions(options);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(options.headers ?? {})) {
        headers[name] = String(value);
      }
      if (options.auth !== undefined) {
        headers.Authorization = `Basic ${Buffer.from(options.auth).toString('base64')}`;
      }
      return headers;
    },
  };
}
