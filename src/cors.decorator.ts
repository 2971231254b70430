import { SetMetadata } from '@nestjs/common';
import { CORS_POLICY_METADATA } from './cors.constants.js';
import type { CorsPolicyOptions } from './core/policy-options.js';

/**
 * Overrides the global CORS policy for a controller or a handler, field by field; the handler's wins
 * over the controller's. `@Cors(false)` switches CORS off: no CORS headers, preflights refused.
 */
export const Cors = (policy: CorsPolicyOptions | false): ClassDecorator & MethodDecorator =>
  SetMetadata(CORS_POLICY_METADATA, policy);
