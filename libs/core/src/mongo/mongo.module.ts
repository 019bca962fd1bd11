import { Global, Logger, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { OMEGA_CONFIG } from '../config/config.module';
import type { OmegaConfig } from '../config/omega-config';
import { TenantDatabases } from './tenant-databases';

/**
 * One MongoDB pool for the process. Mongoose keeps dialling in the background, so the connection gets an
 * error handler and a short server-selection timeout: an unreachable server answers errors, not crashes.
 */
@Global()
@Module({
  imports: [
    MongooseModule.forRootAsync({
      inject: [OMEGA_CONFIG],
      useFactory: (config: OmegaConfig) => {
        if (!config.mongoUrl)
          throw new Error('OMEGA_MONGO_URL is not set and no embedded server was started');
        return {
          uri: config.mongoUrl,
          serverSelectionTimeoutMS: 5000,
          maxPoolSize: 20,
          autoIndex: false,
          // A model on a tenant database must not create its collection (and so the database) when it is
          // first used: a read in an unknown qualifier creates nothing; writes create what they need.
          autoCreate: false,
          // Boot without waiting for MongoDB: /health answers 503 until it is reachable.
          lazyConnection: true,
          connectionFactory: (connection: Connection) => {
            const logger = new Logger('MongoDB');
            connection.on('error', (error: Error) => logger.error(`connection error: ${error.message}`));
            return connection;
          },
        };
      },
    }),
  ],
  providers: [TenantDatabases],
  exports: [TenantDatabases],
})
export class OmegaMongoModule {}
