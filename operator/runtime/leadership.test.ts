import { describe, expect, it } from 'vitest';
import type { ElectionEnd } from './leader-election.ts';
import { superviseLeadership, type Election, type LeaderWork } from './leadership.ts';

// Script is a fake election and leader work that write what happens, in order, to `log`.
interface Script {
  readonly log: string[];
  readonly election: Election;
  readonly work: LeaderWork;
  elect(): void;
  lose(): void;
  /** finishDrain lets the work in flight finish; until then drain waits. */
  finishDrain(): void;
}

function script(): Script {
  const log: string[] = [];
  let started: (() => void) | undefined;
  let end: ((value: ElectionEnd) => void) | undefined;
  let drained: () => void = () => undefined;
  const drainDone = new Promise<void>((resolve) => (drained = resolve));
  const election: Election = {
    run: async (signal, onStartedLeading) => {
      started = onStartedLeading;
      return new Promise<ElectionEnd>((resolve) => {
        end = resolve;
        signal.addEventListener('abort', () => {
          log.push('election stopped');
          resolve('stopped');
        });
      });
    },
    release: async () => {
      log.push('released');
      await Promise.resolve();
    },
  };
  const work: LeaderWork = {
    start: () => log.push('work started'),
    drain: async () => {
      log.push('drain begun');
      await drainDone;
      log.push('drained');
    },
  };
  return {
    log,
    election,
    work,
    elect: () => started?.(),
    lose: () => end?.('lost'),
    finishDrain: () => {
      drained();
    },
  };
}

const turn = async (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('superviseLeadership', () => {
  it('on loss drains the work, releases nothing and ends lost', async () => {
    const s = script();
    const supervision = superviseLeadership(s.election, s.work, {
      onLost: () => s.log.push('lost'),
    });
    s.elect();
    s.lose();
    await turn();
    expect(s.log).toEqual(['work started', 'lost', 'drain begun']);

    s.finishDrain();

    expect(await supervision.ended).toBe('lost');
    expect(s.log).toEqual(['work started', 'lost', 'drain begun', 'drained']);
  });

  it('on stop keeps renewing until the work has drained, then stops the election and releases', async () => {
    const s = script();
    const supervision = superviseLeadership(s.election, s.work);
    s.elect();

    const stopped = supervision.stop();
    await turn();
    expect(s.log).toEqual(['work started', 'drain begun']);
    s.finishDrain();

    expect(await stopped).toBe('stopped');
    expect(s.log).toEqual([
      'work started',
      'drain begun',
      'drained',
      'election stopped',
      'released',
    ]);
  });

  it('releases nothing when it never led', async () => {
    const s = script();
    const supervision = superviseLeadership(s.election, s.work);
    s.finishDrain();

    expect(await supervision.stop()).toBe('stopped');
    expect(s.log).not.toContain('released');
    expect(s.log).not.toContain('work started');
  });

  it('releases nothing when the Lease is lost while stopping', async () => {
    const s = script();
    const supervision = superviseLeadership(s.election, s.work);
    s.elect();
    const stopped = supervision.stop();
    await turn();

    s.lose();
    s.finishDrain();

    expect(await stopped).toBe('lost');
    expect(s.log).not.toContain('released');
  });

  it('reports a failed release and still ends', async () => {
    const s = script();
    const errors: unknown[] = [];
    const failing: Election = {
      ...s.election,
      release: async () => Promise.reject(new Error('apiserver gone')),
    };
    const supervision = superviseLeadership(failing, s.work, {
      onReleaseError: (error) => errors.push(error),
    });
    s.elect();
    s.finishDrain();

    expect(await supervision.stop()).toBe('stopped');
    expect(errors).toHaveLength(1);
  });
});
