import type { LoggerService } from '@nestjs/common';

/** A Nest logger that keeps what it is told, for tests that read log lines. */
export class CaptureLogger implements LoggerService {
  readonly lines: Array<{ level: string; message: string; context?: string }> = [];
  private keep(level: string, message: unknown, context?: unknown) {
    this.lines.push({ level, message: String(message), context: typeof context === 'string' ? context : undefined });
  }
  log(message: unknown, context?: unknown) { this.keep('log', message, context); }
  error(message: unknown, _trace?: unknown, context?: unknown) { this.keep('error', message, context); }
  warn(message: unknown, context?: unknown) { this.keep('warn', message, context); }
  debug(message: unknown, context?: unknown) { this.keep('debug', message, context); }
  verbose(message: unknown, context?: unknown) { this.keep('verbose', message, context); }
  fatal(message: unknown, context?: unknown) { this.keep('fatal', message, context); }

  /** Lines of the library's own context. */
  cors(level?: string): string[] {
    return this.lines.filter((line) => line.context === 'CorsPolicy' && (level === undefined || line.level === level)).map((line) => line.message);
  }

  clear() {
    this.lines.length = 0;
  }
}
