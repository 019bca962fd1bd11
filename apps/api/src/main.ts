import { Logger } from '@nestjs/common';
import { credentialsFilePath } from '@omega/accounts';
import { NestFactory } from '@nestjs/core';
import { ConfigValidationError, initOrClose, loadConfig, nestLogLevels, OmegaConfig } from '@omega/core';
import { EmbeddedMongo } from '@omega/embedded';
import { ScheduleTickerModule } from '@omega/schedules';
import { existsSync } from 'node:fs';
import { ApiModule } from './api.module';
import { configureApp } from './configure-app';
import { StartupLogger } from './startup-logger';

/**
 * Starts the platform. With no OMEGA_MONGO_URL it is the embedded default: a FerretDB on SQLite under
 * the data directory, started and stopped with this process.
 */
async function main(): Promise<void> {
  const logger = new Logger('omega');
  let config: OmegaConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      logger.error(error.message);
      process.exit(2);
    }
    throw error;
  }

  let embedded: EmbeddedMongo | undefined;
  if (!config.mongoUrl) {
    embedded = new EmbeddedMongo({ dataDir: config.dataDir, port: config.embeddedMongoPort });
    config = { ...config, mongoUrl: await embedded.start() };
  }

  const root = ApiModule.forRoot(config);
  // Without a broker there is no manager or worker: the API runs tasks itself and fires the schedules too.
  if (!config.brokerUrl) root.imports = [...(root.imports ?? []), ScheduleTickerModule];
  const app = await NestFactory.create(root, {
    bodyParser: false,
    logger: new StartupLogger(nestLogLevels(config.logLevel)),
  });
  configureApp(app, config);
  // A boot that fails closes what it opened, and stops the embedded server this process started.
  await initOrClose(app).catch(async (error: Error) => {
    await embedded?.stop();
    throw error;
  });
  // A port taken (or not ours to take) after a good boot: close what the boot opened, as a stop does.
  await app.listen(config.apiPort, config.apiHost).catch(async (error: NodeJS.ErrnoException) => {
    await app
      .close()
      .catch((closing: Error) => logger.warn(`closing after a failed listen: ${closing.message}`));
    await embedded?.stop();
    throw new Error(listenFailure(error, config));
  });
  // Ctrl-C (or a SIGTERM from Kubernetes): close the API, then stop what this process started.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.log(`${signal}: stopping`);
      void app
        .close()
        .finally(() => embedded?.stop())
        .finally(() => process.exit(0));
    });
  }

  const base = `http://${config.apiHost}:${config.apiPort}`;
  logger.log('omega-ts is up');
  logger.log(`  mode          ${modeOf(config, embedded)}`);
  logger.log(`  data folder   ${config.dataDir}`);
  logger.log(`  REST API      ${base}/api/v1/`);
  logger.log(`  Swagger UI    ${base}/api/docs`);
  logger.log(`  console       ${base}/console/`);
  logger.log(`  health        ${base}/health`);
  logger.log(`  metrics       ${base}/metrics`);
  logger.log(
    `  MongoDB       ${embedded ? embedded.url + ' (embedded FerretDB)' : '(from OMEGA_MONGO_URL)'}`,
  );
  const credentials = credentialsFilePath(config.dataDir);
  if (existsSync(credentials)) logger.log(`  credentials   ${credentials} (the first admin's API key)`);
  logger.log('Press Ctrl-C to stop.');
}

/** Why the API could not listen, in one line that names the setting to change. */
function listenFailure(error: NodeJS.ErrnoException, config: OmegaConfig): string {
  const where = `port ${config.apiPort} on ${config.apiHost}`;
  if (error.code === 'EADDRINUSE') return `${where} is in use; set OMEGA_API_PORT to a free port`;
  if (error.code === 'EACCES') return `${where} is not ours to listen on; set OMEGA_API_PORT above 1023`;
  if (error.code === 'EADDRNOTAVAIL') return `${where}: no such address here; check OMEGA_API_HOST`;
  return `cannot listen on ${where}: ${error.message}`;
}

/** One line a newcomer can read the deployment from: where data lives and where tasks run. */
function modeOf(config: OmegaConfig, embedded: EmbeddedMongo | undefined): string {
  const store = embedded ? 'FerretDB on SQLite in the data folder' : 'MongoDB from OMEGA_MONGO_URL';
  const tasks = config.brokerUrl ? 'tasks on workers over RabbitMQ' : 'tasks run in this process';
  return `${embedded ? 'embedded mode' : 'external services'} (${store}, ${tasks}, log level ${config.logLevel})`;
}

main().catch((error: Error) => {
  new Logger('omega').error(`Could not start: ${error.message}`);
  process.exit(1);
});
