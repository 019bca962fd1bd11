import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccountsModule } from '../accounts.module';
import { UserAccountsService } from '../admin/user-accounts.service';
import { BootstrapOnStart } from '../bootstrap/bootstrap-on-start';
import { TenantProvisioningService } from '../tenants/tenant-provisioning.service';
import { AuthService } from './auth.service';
import { OmegaAuthGuard } from './omega-auth.guard';
import { OwnApiKeysService } from './own-api-keys.service';
import { PrincipalCache } from './principal-cache';
import { RateCounters } from './rate-counters';
import { RateLimiter } from './rate-limits';

/**
 * Accounts in an app that serves HTTP: the global guard (every route authenticated unless `@Public()`),
 * rate limits (counters shared by replicas), the principal cache, login tokens, tenant provisioning and
 * the first admin on start. Needs `OMEGA_CONFIG` and the storage core (`OmegaCoreModule`) for tenant
 * databases.
 */
@Module({
  imports: [AccountsModule],
  providers: [
    AuthService,
    PrincipalCache,
    RateCounters,
    RateLimiter,
    OwnApiKeysService,
    UserAccountsService,
    TenantProvisioningService,
    BootstrapOnStart,
    { provide: APP_GUARD, useClass: OmegaAuthGuard },
  ],
  exports: [
    AccountsModule,
    AuthService,
    OwnApiKeysService,
    UserAccountsService,
    TenantProvisioningService,
    RateLimiter,
  ],
})
export class AuthModule {}
