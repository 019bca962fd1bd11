import { Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChangeEventsModule, OMEGA_CONFIG, OmegaConfig } from '@omega/core';
import { ApiKeysRepository } from './api-keys/api-keys.repository';
import { ApiKeysService } from './api-keys/api-keys.service';
import { AuditRepository } from './audit/audit.repository';
import { AuditService } from './audit/audit.service';
import { PrincipalChanges } from './auth/principal-changes';
import { SessionRevocations } from './auth/session-revocations';
import { BootstrapAdminService } from './bootstrap/bootstrap-admin.service';
import { ACCOUNTS_CONNECTION } from './database/accounts-connection';
import { dataSourceOptionsFor, prepareSqliteFolder } from './database/accounts-data-source';
import { parseSqlUrl, redactSqlUrl } from './database/sql-url';
import { MembershipsRepository } from './memberships/memberships.repository';
import { MembershipsService } from './memberships/memberships.service';
import { TenantsRepository } from './tenants/tenants.repository';
import { TenantsService } from './tenants/tenants.service';
import { UsersRepository } from './users/users.repository';
import { UsersService } from './users/users.service';

/**
 * The accounts database: tenants, users, memberships, API keys and the audit trail, on the SQL database
 * named by `OMEGA_SQL_URL` (SQLite under the data folder when unset). Pending migrations run when the
 * connection opens, so a new version's schema is in place before the app listens. Needs `OMEGA_CONFIG`
 * (`OmegaConfigModule.forRoot`).
 */
@Module({
  imports: [
    ChangeEventsModule,
    TypeOrmModule.forRootAsync({
      name: ACCOUNTS_CONNECTION,
      inject: [OMEGA_CONFIG],
      useFactory: (config: OmegaConfig) => {
        const target = parseSqlUrl(config.sqlUrl, config.dataDir);
        const where = target.driver === 'sqlite' ? target.path : redactSqlUrl(target.url);
        new Logger('Accounts').log(`accounts database: ${target.driver} ${where}`);
        const options = dataSourceOptionsFor(target);
        prepareSqliteFolder(options);
        return {
          ...options,
          // Repeated here: @nestjs/typeorm finds the data source to close on shutdown by the name in
          // the factory's options, not the one given to forRootAsync.
          name: ACCOUNTS_CONNECTION,
          migrationsRun: true,
          // A database that is down at boot gets a few tries, then the boot fails with its error.
          retryAttempts: 3,
          retryDelay: 2000,
        };
      },
    }),
  ],
  providers: [
    TenantsRepository,
    UsersRepository,
    MembershipsRepository,
    ApiKeysRepository,
    AuditRepository,
    AuditService,
    TenantsService,
    UsersService,
    MembershipsService,
    ApiKeysService,
    BootstrapAdminService,
    SessionRevocations,
    PrincipalChanges,
  ],
  exports: [
    AuditService,
    TenantsService,
    UsersService,
    MembershipsService,
    ApiKeysService,
    BootstrapAdminService,
    SessionRevocations,
    PrincipalChanges,
  ],
})
export class AccountsModule {}
