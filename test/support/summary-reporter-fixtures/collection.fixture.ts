import { it } from 'vitest';

it('is never collected', () => undefined);

throw new Error('the file fails while it is being collected');
