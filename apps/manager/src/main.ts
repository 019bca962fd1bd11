import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadCloudSettings } from '@omega/cloud';
import { initOrClose, loadConfig, nestLogLevels } from '@omega/core';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ManagerModule } from './manager.module';

/**
 * The cloud manager process: fires job schedules every `OMEGA_SCHEDULE_TICK_SECONDS` and scales worker
 * pools through its driver (`OMEGA_CLOUD_DRIVER`: local, kubernetes or none). Several replicas may run;
 * each due run is submitted once, and one replica at a time holds the pools' lease.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const cloud = loadCloudSettings(process.env, siblingWorker());
  const app = await NestFactory.create(ManagerModule.forRoot(config, cloud), {
    logger: nestLogLevels(config.logLevel),
  });
  // SIGTERM: stop the loop, drain the local driver's workers (they finish their tasks), then exit.
  app.enableShutdownHooks();
  await initOrClose(app);
  if (cloud.managerPort > 0) await app.listen(cloud.managerPort, config.apiHost);
  new Logger('manager').log(
    `manager ready: driver ${cloud.driver}${cloud.managerPort > 0 ? `, health on port ${cloud.managerPort}` : ''}`,
  );
}

/** The built worker beside this built manager (`nest build` lays both out under dist/apps). */
function siblingWorker(): string[] | undefined {
  const worker = resolve(__dirname, '../../../../worker/apps/worker/src/main.js');
  return __filename.endsWith('.js') && existsSync(worker) ? [process.execPath, worker] : undefined;
}

main().catch((error: Error) => {
  new Logger('manager').error(`Could not start: ${error.message}`);
  process.exit(1);
});
