import { describe, expect, it } from 'vitest';
import { cpuMillis, memoryBytes, parseQuantity } from './quantity.ts';

describe('memoryBytes', () => {
  it.each([
    ['128Mi', 128 * 1024 * 1024],
    ['1Gi', 1024 ** 3],
    ['1.5Gi', 1.5 * 1024 ** 3],
    ['192Mi', 192 * 1024 * 1024],
    ['64Ki', 64 * 1024],
    ['1Ti', 1024 ** 4],
    ['1G', 1e9],
    ['500M', 500e6],
    ['1.1G', 1_100_000_000],
    ['128974848', 128974848],
    ['129e6', 129e6],
    ['129E6', 129e6],
    ['1E', 1e18],
    ['12k', 12_000],
    ['0', 0],
    ['.5Mi', 512 * 1024],
    ['1.', 1],
    // A fraction of a byte is a whole byte, as the apiserver rounds it.
    ['500m', 1],
    ['1500m', 2],
  ])('%s is %d bytes', (text, bytes) => {
    expect(memoryBytes(text)).toBe(bytes);
  });
});

describe('cpuMillis', () => {
  it.each([
    ['500m', 500],
    ['1', 1000],
    ['0.5', 500],
    ['1.5', 1500],
    ['2', 2000],
    ['100m', 100],
    ['0.1', 100],
    ['1e-3', 1],
  ])('%s is %d millicores', (text, millis) => {
    expect(cpuMillis(text)).toBe(millis);
  });
});

describe('parseQuantity', () => {
  it.each(['', 'Mi', '128MB', '128mi', '1K', '1 Gi', '1.2.3', '0x10', 'e3', '12Mi ', 'one'])(
    'refuses %j, saying what a quantity is',
    (text) => {
      expect(() => parseQuantity(text)).toThrow(/is not a Kubernetes quantity: .*Ki\|Mi/);
    },
  );

  it('keeps the sign', () => {
    expect(parseQuantity('-1Ki')).toBe(-1024);
    expect(parseQuantity('+2k')).toBe(2000);
  });
});
