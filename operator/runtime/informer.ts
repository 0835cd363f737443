// A list+watch cache of one collection, as client-go's reflector keeps it: list, then watch
// from the list's resourceVersion with bookmarks, resume every ended watch from the last
// resourceVersion seen, relist when the apiserver says that version is gone (410), and
// back off (capped, exponential) after failures. Watches go over the identity's shared
// connection pool, and every end of one is reported with its reason.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Clock } from './clock.ts';
import { systemClock } from './clock.ts';
import { KubeTransport } from './http-pool.ts';

/** InformerEvent is what changed in the cache. */
export type InformerEvent = 'add' | 'update' | 'delete';

/**
 * WatchEnd is why a watch ended without failing: `closed` when the apiserver or the network
 * ended it (`routine` when at the timeout the informer asked for: resumed at once), or
 * `expired` when its resourceVersion is gone from the apiserver's window (410: relisted).
 */
export interface WatchEnd {
  readonly reason: 'closed' | 'expired';
  readonly routine: boolean;
  /** How long the ended watch ran. */
  readonly durationMs: number;
  /** How many events (bookmarks included) it delivered. */
  readonly events: number;
  /** When the informer starts again (list or watch). */
  readonly retryInMs: number;
  /** What ended a watch cut short: the apiserver's error or the network's. */
  readonly cause?: string;
}

/** ListAnswer is what an informer's list gives: its objects and the version to watch from. */
export interface ListAnswer<T> {
  readonly metadata?: { readonly resourceVersion?: string | undefined } | undefined;
  readonly items: T[];
}

/** InformerOptions describe one watched collection. */
export interface InformerOptions<T extends KubernetesObject> {
  /** API path of the collection, e.g. `/apis/batch/v1/jobs` (all namespaces). */
  readonly path: string;
  readonly list: () => Promise<ListAnswer<T>>;
  /** Only objects with these labels are cached: the operator watches only its own children. */
  readonly labelSelector?: string;
  /** Only objects matching these fields are cached (e.g. `metadata.name=awscheck-plans`). */
  readonly fieldSelector?: string;
  /** transform is applied to every listed and watched object before it is cached or emitted. */
  readonly transform?: (object: T) => T;
  readonly onEvent: (event: InformerEvent, object: T) => void;
  /** onError hears a failed list or watch, and when it is tried again. */
  readonly onError: (error: unknown, retryInMs: number) => void;
  /** onWatchEnd hears every watch that ended without failing. */
  readonly onWatchEnd?: (end: WatchEnd) => void;
  readonly clock?: Clock;
  readonly maxBackoffMs?: number;
  /**
   * The timeout each watch asks the apiserver for; by default random between 5 and 10
   * minutes, as client-go, so many watches do not all end together.
   */
  readonly watchTimeoutSeconds?: number;
  readonly random?: () => number;
}

/** Informer is a watched, cached collection. */
export interface Informer<T extends KubernetesObject> {
  get(name: string, namespace?: string): T | undefined;
  list(namespace?: string): readonly T[];
  /**
   * wrote takes an object this process just wrote, as the apiserver answered the write,
   * into the cache, when the cache still holds the version the write was made on
   * (`basedOn`, its resourceVersion precondition). The write's own watch event can come
   * after events it caused on other watches (a run's Job): a reconcile in between would
   * act on the version before the write and be refused with a conflict. A cache already
   * past that version is left alone: its watch is ahead of the answer. The watch event
   * that follows finds the same version and tells nobody again.
   */
  wrote(object: T, basedOn: string): void;
  /** synced resolves once the first full list is in the cache. */
  readonly synced: Promise<void>;
  isSynced(): boolean;
  stop(): Promise<void>;
}

/** MIN_WATCH_TIMEOUT_SECONDS is the shortest default watch; the longest is twice it. */
export const MIN_WATCH_TIMEOUT_SECONDS = 300;
/** WATCHDOG_GRACE_MS: a watch still open this long past its timeout is a dead connection. */
export const WATCHDOG_GRACE_MS = 30_000;
/** SHORT_WATCH_MS: a watch closed sooner than this having delivered nothing made no progress. */
export const SHORT_WATCH_MS = 1_000;

/**
 * madeProgress tells whether a watch closed before its timeout still did its job: it
 * delivered events or stayed open a while. Such a watch is resumed at once, as client-go's
 * reflector does: an apiserver under load closes busy watches (a watcher that falls behind
 * its buffer), and backing off then would leave the cache stale for up to the backoff cap
 * while the cluster changes fastest. Only a watch that ends at once with nothing (the
 * apiserver refusing to serve it) counts as a failure and backs off.
 */
export function madeProgress(durationMs: number, events: number): boolean {
  return events > 0 || durationMs >= SHORT_WATCH_MS;
}

/**
 * startInformer lists then watches a collection into a cache until `stop`. `source` is
 * the shared transport of an identity (makeClients' `transport`), or a kubeconfig, for
 * which the informer makes a pool of its own.
 */
export function startInformer<T extends KubernetesObject>(
  source: KubeTransport | KubeConfig,
  options: InformerOptions<T>,
): Informer<T> {
  const owned = source instanceof KubeTransport ? undefined : new KubeTransport(source);
  const loop = new InformerLoop<T>(owned ?? (source as KubeTransport), options);
  const running = loop.run();
  return {
    get: (name, namespace) => loop.cache.get(namespace ?? '')?.get(name),
    list: (namespace) => loop.objects(namespace),
    wrote: (object, basedOn) => {
      loop.wrote(object, basedOn);
    },
    synced: loop.synced,
    isSynced: () => loop.isSynced,
    stop: async () => {
      loop.stop();
      await running;
      await owned?.close();
    },
  };
}

// WatchOutcome is how one watch ended, with the last resourceVersion it saw.
interface WatchOutcome {
  readonly end: 'closed' | 'expired';
  readonly routine: boolean;
  readonly events: number;
  readonly cause?: string;
}

// ExpiredError: the resourceVersion is gone (410), so the collection must be listed again.
class ExpiredError extends Error {}

// WatchFailedError: the apiserver ended the watch with an error of its own (not 410).
class WatchFailedError extends Error {}

// HandlerError: onEvent threw. It is the informer's failure, reported through onError,
// never taken for a connection the network closed.
class HandlerError extends Error {}

class InformerLoop<T extends KubernetesObject> {
  /** The cache: namespace ('' for cluster-scoped objects) → name → object. */
  readonly cache = new Map<string, Map<string, T>>();
  readonly synced: Promise<void>;
  isSynced = false;
  readonly #transport: KubeTransport;
  readonly #options: InformerOptions<T>;
  readonly #clock: Clock;
  readonly #stopped = new AbortController();
  #markSynced: () => void = () => undefined;
  #resourceVersion: string | undefined;
  #failures = 0;
  /** Events the current watch delivered. */
  #events = 0;

  constructor(transport: KubeTransport, options: InformerOptions<T>) {
    this.#transport = transport;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.synced = new Promise((resolve) => (this.#markSynced = resolve));
  }

  objects(namespace?: string): T[] {
    if (namespace !== undefined) return [...(this.cache.get(namespace)?.values() ?? [])];
    return [...this.cache.values()].flatMap((names) => [...names.values()]);
  }

  wrote(object: T, basedOn: string): void {
    const shaped = this.#shape(object);
    const { namespace = '', name = '' } = shaped.metadata ?? {};
    const cached = this.cache.get(namespace)?.get(name);
    if (cached?.metadata?.resourceVersion !== basedOn) return;
    this.#upsert(shaped);
  }

  #isStopped(): boolean {
    return this.#stopped.signal.aborted;
  }

  stop(): void {
    this.#stopped.abort(new Error('informer stopped'));
  }

  async run(): Promise<void> {
    while (!this.#isStopped()) {
      try {
        await this.#step();
      } catch (error) {
        if (this.#isStopped()) return;
        await this.#backOff((delay) => {
          this.#options.onError(error, delay);
        });
      }
    }
  }

  // step lists if it must, then watches once and reports how the watch ended.
  async #step(): Promise<void> {
    if (this.#resourceVersion === undefined) await this.#relist();
    const started = this.#clock.now().getTime();
    const outcome = await this.#watch();
    const durationMs = this.#clock.now().getTime() - started;
    const report = (retryInMs: number): void =>
      this.#options.onWatchEnd?.({
        reason: outcome.end,
        routine: outcome.routine,
        durationMs,
        events: outcome.events,
        retryInMs,
        ...(outcome.cause === undefined ? {} : { cause: outcome.cause }),
      });
    if (outcome.end === 'expired') this.#resourceVersion = undefined;
    if (outcome.end === 'expired' || outcome.routine || madeProgress(durationMs, outcome.events)) {
      this.#failures = 0;
      report(0);
      return;
    }
    await this.#backOff(report);
  }

  // backOff waits 1 s, 2 s, 4 s … up to the cap, counting failures since the last success.
  async #backOff(report: (delayMs: number) => void): Promise<void> {
    this.#failures += 1;
    const delay = Math.min(1_000 * 2 ** (this.#failures - 1), this.#options.maxBackoffMs ?? 30_000);
    report(delay);
    await this.#clock.sleep(delay, this.#stopped.signal).catch(() => undefined);
  }

  // relist replaces the cache with a fresh list, telling what was added, changed or deleted.
  async #relist(): Promise<void> {
    const list = await this.#options.list();
    const resourceVersion = list.metadata?.resourceVersion;
    if (resourceVersion === undefined) {
      throw new Error(`the list of ${this.#options.path} has no resourceVersion to watch from`);
    }
    const seen = new Set<string>();
    for (const item of list.items) {
      const object = this.#shape(item);
      seen.add(keyOf(object));
      this.#upsert(object);
    }
    for (const object of this.objects()) if (!seen.has(keyOf(object))) this.#remove(object);
    this.#resourceVersion = resourceVersion;
    this.#failures = 0;
    if (!this.isSynced) {
      this.isSynced = true;
      this.#markSynced();
    }
  }

  // watch follows the collection from the last resourceVersion until the watch ends.
  async #watch(): Promise<WatchOutcome> {
    const timeoutSeconds = this.#watchTimeoutSeconds();
    const watchdog = AbortSignal.timeout(timeoutSeconds * 1000 + WATCHDOG_GRACE_MS);
    const signal = AbortSignal.any([this.#stopped.signal, watchdog]);
    const started = Date.now();
    this.#events = 0;
    const response = await this.#transport.fetch(this.#watchUrl(timeoutSeconds), {
      headers: { Accept: 'application/json', 'User-Agent': 'awscheck-operator' },
      signal,
    });
    if (response.status === 410) {
      await response.arrayBuffer();
      return { end: 'expired', routine: false, events: 0 };
    }
    if (response.status !== 200) {
      throw new Error(
        `watch ${this.#options.path} answered ${response.status}: ${await response.text()}`,
      );
    }
    try {
      await this.#follow(response.body as ReadableStream<Uint8Array> | null, signal);
    } catch (error) {
      const failed =
        error instanceof WatchFailedError ||
        error instanceof SyntaxError ||
        error instanceof HandlerError;
      if (this.#isStopped() || failed) throw error;
      const events = this.#events;
      if (error instanceof ExpiredError) return { end: 'expired', routine: false, events };
      // An established watch cut short (the connection dropped, the watchdog fired) is
      // closed, not failed: it resumes from the last resourceVersion it saw.
      return { end: 'closed', routine: false, events, cause: causeOf(error, watchdog) };
    }
    // The apiserver ends a watch at the timeout it was given; anything sooner is not routine.
    const routine = Date.now() - started >= timeoutSeconds * 900;
    return { end: 'closed', routine, events: this.#events };
  }

  // follow applies the watch's events, one JSON object a line, until the stream ends.
  async #follow(body: ReadableStream<Uint8Array> | null, signal: AbortSignal): Promise<void> {
    if (body === null) throw new Error(`watch ${this.#options.path} answered without a body`);
    const decoder = new TextDecoder();
    let pending = '';
    for await (const chunk of body) {
      signal.throwIfAborted();
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') this.#apply(line);
    }
  }

  // apply takes one watch event into the cache.
  #apply(line: string): void {
    const event = JSON.parse(line) as { type: string; object: T & { code?: number } };
    const { type, object } = event;
    this.#events += 1;
    if (type === 'ERROR') {
      if (object.code === 410) throw new ExpiredError(JSON.stringify(object));
      throw new WatchFailedError(`watch ${this.#options.path} failed: ${line}`);
    }
    const resourceVersion = object.metadata?.resourceVersion;
    if (resourceVersion !== undefined) this.#resourceVersion = resourceVersion;
    if (type === 'BOOKMARK') return;
    const shaped = this.#shape(object);
    if (type === 'DELETED') this.#remove(shaped);
    else this.#upsert(shaped);
  }

  #upsert(object: T): void {
    const namespace = object.metadata?.namespace ?? '';
    const name = object.metadata?.name ?? '';
    let names = this.cache.get(namespace);
    if (!names) this.cache.set(namespace, (names = new Map<string, T>()));
    const previous = names.get(name);
    names.set(name, object);
    if (previous === undefined) this.#emit('add', object);
    else if (previous.metadata?.resourceVersion !== object.metadata?.resourceVersion) {
      this.#emit('update', object);
    }
  }

  #remove(object: T): void {
    const namespace = object.metadata?.namespace ?? '';
    const names = this.cache.get(namespace);
    if (!names?.delete(object.metadata?.name ?? '')) return;
    if (names.size === 0) this.cache.delete(namespace);
    this.#emit('delete', object);
  }

  #emit(event: InformerEvent, object: T): void {
    try {
      this.#options.onEvent(event, object);
    } catch (error) {
      const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new HandlerError(`the ${event} handler of ${this.#options.path} failed: ${why}`, {
        cause: error,
      });
    }
  }

  #shape(object: T): T {
    return this.#options.transform ? this.#options.transform(object) : object;
  }

  #watchTimeoutSeconds(): number {
    const fixed = this.#options.watchTimeoutSeconds;
    if (fixed !== undefined) return fixed;
    const random = this.#options.random ?? Math.random;
    return Math.floor(MIN_WATCH_TIMEOUT_SECONDS * (1 + random()));
  }

  #watchUrl(timeoutSeconds: number): string {
    const query = new URLSearchParams({
      watch: 'true',
      allowWatchBookmarks: 'true',
      resourceVersion: this.#resourceVersion ?? '',
      timeoutSeconds: String(timeoutSeconds),
    });
    const { labelSelector, fieldSelector } = this.#options;
    if (labelSelector !== undefined) query.set('labelSelector', labelSelector);
    if (fieldSelector !== undefined) query.set('fieldSelector', fieldSelector);
    return `${this.#options.path}?${query.toString()}`;
  }
}

function keyOf(object: KubernetesObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}

// causeOf says what cut a watch short, the innermost cause first (undici's "terminated"
// wraps the socket's "other side closed").
function causeOf(error: unknown, watchdog: AbortSignal): string {
  if (watchdog.aborted) return 'no end from the apiserver past the watch timeout';
  const inner = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return inner instanceof Error ? `${inner.name}: ${inner.message}` : String(inner);
}
