import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule } from '@nestjs/throttler';
import { OMEGA_CONFIG, OmegaConfig } from '@omega/core';
import { AccountsModule } from '../accounts.module';
import { UserAccountsService } from '../admin/user-accounts.service';
import { BootstrapOnStart } from '../bootstrap/bootstrap-on-start';
import { TenantProvisioningService } from '../tenants/tenant-provisioning.service';
import { AuthService } from './auth.service';
import { OmegaAuthGuard } from './omega-auth.guard';
import { OmegaStrategy } from './omega.strategy';
import { OwnApiKeysService } from './own-api-keys.service';
import { OmegaThrottlerGuard, rateLimitOptions } from './rate-limits';

/**
 * Accounts in an app that serves HTTP: the global guard (every route authenticated unless `@Public()`),
 * rate limits, login tokens, tenant provisioning and the first admin on start. Needs `OMEGA_CONFIG` and
 * the storage core (`OmegaCoreModule`) for tenant databases.
 */
@Module({
  imports: [
    AccountsModule,
    PassportModule,
    ThrottlerModule.forRootAsync({
      inject: [OMEGA_CONFIG],
      useFactory: (config: OmegaConfig) => rateLimitOptions(config),
    }),
  ],
  providers: [
    AuthService,
    OmegaStrategy,
    OmegaThrottlerGuard,
    OwnApiKeysService,
    UserAccountsService,
    TenantProvisioningService,
    BootstrapOnStart,
    { provide: APP_GUARD, useClass: OmegaAuthGuard },
  ],
  exports: [AccountsModule, AuthService, OwnApiKeysService, UserAccountsService, TenantProvisioningService],
})
export class AuthModule {}
