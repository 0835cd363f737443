// Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource): 128Mi, 1G, 500M,
// 1.5Gi, 129e6, 500m, plain numbers. The operator checks its configured checker resources
// with them and compares the quantities the apiserver stores in canonical form; the test
// environment's pod runner reads limits with them as a kubelet does.
import { z } from 'zod';

const BINARY: Readonly<Record<string, number>> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const DECIMAL: Readonly<Record<string, number>> = {
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

// <signedNumber><suffix>, the suffix one of the binary or decimal SI units or an exponent
// (e/E and a signed integer). "1E" is exa; "1E3" is a thousand; "K" and "mi" are not units.
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|m|k|M|G|T|P|E)?$/;

/**
 * parseQuantity is the value of a Kubernetes quantity. It refuses what the apiserver
 * refuses, saying what is allowed, so a typo never becomes "no limit".
 */
export function parseQuantity(text: string): number {
  const match = QUANTITY.exec(text);
  const [, number, suffix = ''] = match ?? [];
  if (number === undefined) {
    throw new Error(
      `quantity "${text}" is not a Kubernetes quantity: a number with an optional suffix ` +
        'Ki|Mi|Gi|Ti|Pi|Ei (binary), m|k|M|G|T|P|E (decimal) or an exponent like e6',
    );
  }
  return Number(number) * multiplier(suffix);
}

function multiplier(suffix: string): number {
  if (/^[eE][+-]?\d/.test(suffix)) return 10 ** Number(suffix.slice(1));
  return BINARY[suffix] ?? DECIMAL[suffix] ?? 1;
}

/** memoryBytes is a memory quantity in whole bytes, rounded up as Kubernetes rounds it. */
export function memoryBytes(text: string): number {
  return Math.ceil(roundOff(parseQuantity(text)));
}

/** cpuMillis is a CPU quantity in millicores, rounded up as Kubernetes rounds it. */
export function cpuMillis(text: string): number {
  return Math.ceil(roundOff(parseQuantity(text) * 1000));
}

// roundOff drops the binary floating-point noise of decimal fractions (1.1 * 1e9 is
// 1100000000.0000002), so rounding up does not add a unit that was never asked for.
function roundOff(value: number): number {
  return Number(value.toPrecision(15));
}

/** positiveQuantity is a zod string that must be a positive quantity, as configs and plans take. */
export const positiveQuantity = z.string().refine(
  (text) => {
    try {
      return parseQuantity(text) > 0;
    } catch {
      return false;
    }
  },
  { message: 'must be a positive Kubernetes quantity such as 100m, 1, 256Mi or 1Gi' },
);
