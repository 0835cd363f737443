// Every test file of an environment-backed project starts from an empty AWS.
import { beforeAll, inject } from 'vitest';
import { resetMoto } from './moto.ts';

beforeAll(async () => {
  await resetMoto(inject('testenv').awsEndpointUrl);
});
