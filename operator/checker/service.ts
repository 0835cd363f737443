// What every service module provides, and what the runner gives it. A module only talks
// to AWS and judges what it sees; counting, filtering, bounding and reporting are the
// runner's job, so every service is held to the same rules.
import type { CallLimits } from './limits.ts';
import type { CheckType, ServiceName } from './service-names.ts';

/** Tags are a resource's AWS tags, key to value. */
export type Tags = Readonly<Record<string, string>>;

/** Health is a module's judgement of one resource's own health. */
export interface Health {
  readonly healthy: boolean;
  /** The resource's own state word, as AWS reports it (running, ACTIVE, available, …). */
  readonly state: string;
  /** Why it is unhealthy; empty when healthy. */
  readonly problems: readonly string[];
}

/** Observed is one resource a module found, with its tags and, for a health check, its health. */
export interface Observed {
  readonly id: string;
  readonly tags: Tags;
  readonly health?: Health;
}

/**
 * CredentialProvider gives a session's credentials, renewed before they expire; the SDK
 * asks it again when the `expiration` it returned comes near.
 */
export type CredentialProvider = () => Promise<AwsCredentials & { readonly expiration?: Date }>;

/** ClientSettings are the SDK settings every client of a run shares. */
export interface ClientSettings {
  readonly credentials?: AwsCredentials | CredentialProvider;
  /** The command's AWS call bounds: attempts, calls in flight, the shared retry strategy. */
  readonly limits: CallLimits;
  /** Per-attempt limit on one HTTP request; DEFAULT_REQUEST_TIMEOUT_MS when absent. */
  readonly requestTimeoutMs?: number;
  /** Only for tests that cannot set AWS_ENDPOINT_URL in the environment. */
  readonly endpoint?: string;
}

/** AwsCredentials are resolved static credentials. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** ScanContext is one region's share of a run, handed to a service module. */
export interface ScanContext {
  readonly region: string;
  readonly settings: ClientSettings;
  /** Aborted at the run's first error or deadline; modules pass it to every SDK call. */
  readonly signal: AbortSignal;
  /** The tag filter; modules that need an extra call for tags make it only when non-empty. */
  readonly tags: Tags;
}

/** wantsTags tells a module whether it must fetch tags (only when a filter asks for them). */
export function wantsTags(context: ScanContext): boolean {
  return Object.keys(context.tags).length > 0;
}

/** Scan streams the resources of one region; it never collects them into a list. */
export type Scan = (context: ScanContext) => AsyncIterable<Observed>;

/**
 * ServiceModule is one AWS service. `healthCheck` yields each resource with its Health;
 * `resourceList` yields each resource. `iamActions` lists every action the module calls,
 * which the shipped IAM policy must grant exactly.
 */
export interface ServiceModule {
  readonly name: ServiceName;
  /** 'global' services (IAM, CloudFront) are scanned once, whatever regions are asked for. */
  readonly scope: 'regional' | 'global';
  /** False for services whose resources carry no tags; a tag filter is then refused. */
  readonly taggable: boolean;
  /** What healthy means for this service, in one sentence (the README's row says the same). */
  readonly healthRule: string;
  readonly iamActions: Readonly<Record<CheckType, readonly string[]>>;
  readonly healthCheck: Scan;
  readonly resourceList: Scan;
}
