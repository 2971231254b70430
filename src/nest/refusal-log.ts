import { Logger } from '@nestjs/common';
import { describeHandshakeRefusal } from '../core/handshake.js';
import { describeRefusal, type Refusal } from '../core/protocol.js';
import { isLogLevelEnabled } from './nest-internals.js';

export type RefusalLogLevel = 'debug' | 'warn' | false;

const LONGEST_LOGGED_VALUE = 120;

/** Quotes a request value for a log line, cut short so that a 100 kB header cannot flood the log. */
export function quote(value: string): string {
  const shown = value.length > LONGEST_LOGGED_VALUE ? `${value.slice(0, LONGEST_LOGGED_VALUE)}… (${value.length} characters)` : value;
  return `'${shown.replace(/[\r\n]/g, ' ')}'`;
}

/**
 * Explains refusals through Nest's `Logger` (context `CorsPolicy`): one line per refusal, none for
 * allowed requests. The browser only says "blocked by CORS policy"; this line says which route, which
 * policy and what failed.
 */
export class RefusalLog {
  private readonly logger = new Logger('CorsPolicy');

  constructor(private readonly level: RefusalLogLevel) {}

  get enabled(): boolean {
    return this.level !== false && isLogLevelEnabled(this.level);
  }

  /**
   * `request`: `GET /api/reports` or `preflight for PUT /api/reports`; `source`: the policy's, or
   * `undefined` where no policy decided (a method no route serves).
   */
  refusal(request: string, source: string | undefined, refusal: Pick<Refusal, 'reason' | 'value'>): void {
    if (this.level === false || !isLogLevelEnabled(this.level)) return;
    const policy = source === undefined ? '' : ` (policy of ${source})`;
    this.logger[this.level](`Refused ${request}${policy}: ${describeRefusal(refusal, quote)}`);
  }

  /**
   * A refused WebSocket or socket.io connection: `connection` names it (`socket.io connection on
   * /socket.io`), `source` is the gateway's policy, `origin` the handshake's.
   */
  connectionRefusal(connection: string, source: string, refusal: Pick<Refusal, 'reason' | 'value'>): void {
    if (this.level === false || !isLogLevelEnabled(this.level)) return;
    this.logger[this.level](`Refused ${connection} (policy of ${source}): ${describeHandshakeRefusal(refusal)}: ${quote(refusal.value)}`);
  }

  /** An `origin` function failed and the origin was refused; always logged, as an error. */
  originError(source: string, error: unknown, origin: string): void {
    const message = error instanceof Error ? error.message : String(error);
    this.logger.error(`The origin function of ${source} failed for ${quote(origin)}, which was refused: ${message}`);
  }
}
