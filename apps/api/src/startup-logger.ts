import { ConsoleLogger, LogLevel } from '@nestjs/common';

/**
 * Nest's own start-up chatter: a line per module, per controller and per route (some 170 lines) that
 * buries the summary `main.ts` prints. At the default level these become debug lines, so
 * `OMEGA_LOG_LEVEL=debug` still shows every mapped route.
 */
const BOOT_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

/**
 * Nest's own line for a failed `listen` (`Error: listen EADDRINUSE: …`, logged before the error reaches
 * `main.ts`), which then prints one line naming the setting to change: Nest's becomes a debug line.
 */
const LISTEN_FAILURE = /^Error: listen [A-Z]+\b/;

export class StartupLogger extends ConsoleLogger {
  constructor(logLevels: LogLevel[]) {
    super({ logLevels });
  }

  override log(message: unknown, ...optionalParams: unknown[]): void {
    const context = optionalParams[optionalParams.length - 1];
    if (typeof context === 'string' && BOOT_CONTEXTS.has(context)) {
      super.debug(message, ...optionalParams);
      return;
    }
    super.log(message, ...optionalParams);
  }

  override error(message: unknown, ...optionalParams: unknown[]): void {
    const context = optionalParams[optionalParams.length - 1];
    if (context === 'NestApplication' && typeof message === 'string' && LISTEN_FAILURE.test(message)) {
      super.debug(message, ...optionalParams);
      return;
    }
    super.error(message, ...optionalParams);
  }
}
