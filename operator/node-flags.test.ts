import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPERATOR_NODE_FLAGS } from './node-flags.ts';

describe('OPERATOR_NODE_FLAGS', () => {
  it("are the flags of the image's default command, the operator", () => {
    const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(cmd).toBeDefined();
    expect(JSON.parse(cmd ?? '[]')).toEqual([
      'node',
      ...OPERATOR_NODE_FLAGS,
      'dist/operator/main.js',
    ]);
  });
});
