import { compilePolicy, type CompiledPolicy } from './compile.js';
import { decideHandshake, handshakeRefusalBody } from './handshake.js';
import { mergePolicies } from './merge.js';
import type { CorsPolicyOptions } from './policy-options.js';

const policy = (...levels: Array<CorsPolicyOptions | false>): CompiledPolicy =>
  compilePolicy(mergePolicies(levels.map((level, index) => ({ source: index === 0 ? 'global' : 'ChatGateway', policy: level }))));

describe('WebSocket handshake decisions', () => {
  const app = policy({ origin: 'https://app.com', credentials: true });

  it.each<[string, CompiledPolicy, string | undefined, boolean, boolean | string]>([
    ['allows an allowed origin', app, 'https://app.com', true, true],
    ['refuses an origin the policy refuses', app, 'https://evil.com', false, 'origin'],
    ['allows a handshake without Origin: no page can make one', app, undefined, false, true],
    ['refuses every origin under @Cors(false), even one the global policy allows', policy({ origin: 'https://app.com' }, false), 'https://app.com', true, 'disabled'],
    ['allows a handshake without Origin under @Cors(false)', policy({ origin: 'https://app.com' }, false), undefined, false, true],
    ["allows any origin under '*'", policy({ origin: '*' }), 'https://any.example', true, true],
  ])('%s', (_rule, compiled, origin, originAllowed, expected) => {
    const decision = decideHandshake(compiled, origin, originAllowed);
    expect(decision.allowed ? true : decision.reason).toBe(expected);
    if (!decision.allowed) expect(decision.value).toBe(origin);
  });

  it('gives an allowed handshake the headers of an allowed actual request: the origin echoed, credentials, Vary', () => {
    const decision = decideHandshake(app, 'https://app.com', true);
    expect(decision).toMatchObject({
      allowed: true,
      actual: { originHeaders: ['Access-Control-Allow-Origin'], headers: [['Access-Control-Allow-Credentials', 'true']], vary: 'Origin' },
    });
  });

  it('says why in the refused answer, without the origin', () => {
    expect(handshakeRefusalBody({ reason: 'origin' })).toBe('WebSocket handshake refused: origin not allowed');
    expect(handshakeRefusalBody({ reason: 'disabled' })).toBe('WebSocket handshake refused: @Cors(false) allows no cross-origin connection');
  });
});
