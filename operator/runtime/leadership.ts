// The order of a leader's life: start leader-only work when elected; on loss stop it and
// end; on a graceful stop drain it first, then stop renewing, then hand the Lease back.
import type { ElectionEnd } from './leader-election.ts';

/** Election is what the supervisor needs of a LeaderElector. */
export interface Election {
  run(signal: AbortSignal, onStartedLeading: () => void): Promise<ElectionEnd>;
  release(): Promise<void>;
}

/**
 * LeaderWork is what only the leader does. `start` begins it; `drain` stops handing out
 * work and resolves once work in flight has finished. Drain may be called more than once,
 * and before or without start.
 */
export interface LeaderWork {
  start(): void;
  drain(): Promise<void>;
}

/** Supervision is a running election with its leader-only work. */
export interface Supervision {
  /** ended resolves when the election is over: `lost`, or `stopped` after `stop`. */
  readonly ended: Promise<ElectionEnd>;
  /** stop drains the work while still renewing, then ends the election and releases. */
  stop(): Promise<ElectionEnd>;
}

/** SupervisionHooks tell the owner what happened; they must not throw. */
export interface SupervisionHooks {
  /** onLost runs as soon as leadership is lost, before the work has drained. */
  readonly onLost?: () => void;
  readonly onReleaseError?: (error: unknown) => void;
}

/**
 * superviseLeadership keeps three rules. Leader-only work never outlives leadership: on
 * loss it is drained at once and the Lease is not touched (it may be someone else's by
 * now). On a graceful stop the Lease is kept renewed until the work has drained, and only
 * then released, so no standby starts while our last writes are in flight. And a replica
 * that never led releases nothing.
 */
export function superviseLeadership(
  election: Election,
  work: LeaderWork,
  hooks: SupervisionHooks = {},
): Supervision {
  const election_ = new AbortController();
  // An object, not a let: it is set in a callback, which narrowing does not follow.
  const state = { led: false };
  let stopping: Promise<void> | undefined;
  const ended = (async (): Promise<ElectionEnd> => {
    const end = await election.run(election_.signal, () => {
      state.led = true;
      work.start();
    });
    if (end === 'lost') {
      hooks.onLost?.();
      await work.drain();
      return end;
    }
    await stopping;
    if (state.led) {
      await election.release().catch((error: unknown) => {
        hooks.onReleaseError?.(error);
      });
    }
    return end;
  })();
  return {
    ended,
    stop: async () => {
      stopping ??= work.drain().finally(() => {
        election_.abort();
      });
      await stopping;
      return ended;
    },
  };
}
