import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@omega/core';
import { ManagerModule } from './manager.module';

/**
 * The cloud manager process: fires job schedules every `OMEGA_SCHEDULE_TICK_SECONDS`. Several replicas
 * may run; each due run is submitted once.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const app = await NestFactory.createApplicationContext(ManagerModule.forRoot(config));
  app.enableShutdownHooks();
  new Logger('manager').log('manager ready');
}

main().catch((error: Error) => {
  new Logger('manager').error(`Could not start: ${error.message}`);
  process.exit(1);
});
