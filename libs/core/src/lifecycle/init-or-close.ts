import { INestApplicationContext, Logger } from '@nestjs/common';

/** The shutdown phases of a Nest context (protected in its typings), run here after a failed init. */
interface ShutdownPhases {
  callDestroyHook(): Promise<void>;
  callBeforeShutdownHook(): Promise<void>;
  dispose(): Promise<void>;
  callShutdownHook(): Promise<void>;
}

/**
 * Runs an app's init hooks; when one fails, runs its shutdown hooks before the error goes on, so a boot that
 * fails closes what it opened (the MongoDB pool, DuckDB, broker channels). Nest's own `close()` cannot do it:
 * it first awaits the failed initialization, throws its error again and skips every hook.
 */
export async function initOrClose<T extends INestApplicationContext>(app: T): Promise<T> {
  try {
    await app.init();
    return app;
  } catch (error) {
    await closeAfterFailedInit(app);
    throw error;
  }
}

async function closeAfterFailedInit(app: INestApplicationContext): Promise<void> {
  const phases = app as unknown as ShutdownPhases;
  // Every phase runs even when one before it fails: a hook written for a booted app may trip over a part
  // that never finished booting, and the connections closed by the later phases must close all the same.
  for (const phase of ['callDestroyHook', 'callBeforeShutdownHook', 'dispose', 'callShutdownHook'] as const) {
    try {
      await phases[phase]();
    } catch (error) {
      new Logger('boot').warn(`${phase} after a failed boot: ${(error as Error).message}`);
    }
  }
}
