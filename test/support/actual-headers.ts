import type { CompiledPolicy } from '../../src/core/compile.js';
import { decideActual } from '../../src/core/protocol.js';

/** An actual request's decision as the response headers it stands for (names in lower case, as Node keeps them). */
export function actualHeaders(policy: CompiledPolicy, origin: string | undefined, originAllowed: boolean): Record<string, string> {
  const decision = decideActual(policy, origin, originAllowed);
  const headers: Record<string, string> = {};
  for (const name of decision.originHeaders) headers[name.toLowerCase()] = origin!;
  for (const [name, value] of decision.headers) headers[name.toLowerCase()] = value;
  if (decision.vary !== undefined) headers.vary = decision.vary;
  return headers;
}
