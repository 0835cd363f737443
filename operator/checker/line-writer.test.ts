// Batched stdout lines: every line once, in order, each ending in a newline; a batch is
// written at the next turn or when it reaches LINE_BATCH_BYTES, and flush writes the rest.
import { describe, expect, it } from 'vitest';
import { LINE_BATCH_BYTES, lineWriter } from './line-writer.ts';

function harness(): {
  writes: string[];
  turns: (() => void)[];
  writer: ReturnType<typeof lineWriter>;
} {
  const writes: string[] = [];
  const turns: (() => void)[] = [];
  const writer = lineWriter(
    (chunk) => writes.push(chunk),
    (flush) => turns.push(flush),
  );
  return { writes, turns, writer };
}

describe('lineWriter', () => {
  it('writes the lines of one turn in one write, in order, at the next turn', () => {
    const { writes, turns, writer } = harness();
    writer.line('{"a":1}');
    writer.line('{"b":2}');

    expect(writes).toEqual([]);
    expect(turns).toHaveLength(1);
    turns.forEach((turn) => {
      turn();
    });
    expect(writes).toEqual(['{"a":1}\n{"b":2}\n']);
  });

  it('writes at once when a batch is full, and keeps every line exactly once', () => {
    const { writes, turns, writer } = harness();
    const text = 'x'.repeat(1000);
    const lines = Array.from({ length: 200 }, (_, i) => `${String(i)}${text}`);
    lines.forEach((line) => {
      writer.line(line);
    });
    expect(writes.length).toBeGreaterThan(1);
    expect(writes.every((chunk) => chunk.length <= LINE_BATCH_BYTES + 1002)).toBe(true);
    writer.flush();
    turns.forEach((turn) => {
      turn();
    });

    expect(writes.join('')).toBe(`${lines.join('\n')}\n`);
  });

  it('flushes what is pending, and then writes nothing more', () => {
    const { writes, turns, writer } = harness();
    writer.line('last');
    writer.flush();
    turns.forEach((turn) => {
      turn();
    });

    expect(writes).toEqual(['last\n']);
  });
});
