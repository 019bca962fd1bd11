import { LoggerService } from '@nestjs/common';

/** Every log line the API writes, at every level, kept for assertions (what was logged, what never was). */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log = (...args: unknown[]) => this.keep(args);
  error = (...args: unknown[]) => this.keep(args);
  warn = (...args: unknown[]) => this.keep(args);
  debug = (...args: unknown[]) => this.keep(args);
  verbose = (...args: unknown[]) => this.keep(args);
  fatal = (...args: unknown[]) => this.keep(args);
  private keep(args: unknown[]) {
    this.lines.push(
      args.map((arg) => (arg instanceof Error ? `${arg.message} ${arg.stack}` : String(arg))).join(' '),
    );
  }
}
