import { nestMajor, unsupportedNest } from '../../src/nest/nest-internals.js';

describe('the Nest major', () => {
  it('is told by what the running @nestjs/core has', () => {
    expect(nestMajor()).toBe(process.env.NEST11_DIR ? 11 : 12);
  });

  it('an unknown one fails the start with a message naming the versions supported', () => {
    expect(unsupportedNest('@nestjs/core 10.4.15').message).toBe(
      'nestjs-cors-policy supports NestJS 11 and 12 (with Express 5 or Fastify 5); this app runs @nestjs/core 10.4.15.',
    );
  });
});
