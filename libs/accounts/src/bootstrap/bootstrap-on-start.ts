import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OMEGA_CONFIG, OmegaConfig } from '@omega/core';
import { TenantProvisioningService } from '../tenants/tenant-provisioning.service';
import { BootstrapAdminService } from './bootstrap-admin.service';
import { writeCredentialsFile } from './credentials-file';

/**
 * Makes sure an installation can be used from its first start: an admin (OMEGA_ADMIN_USERID), a tenant
 * (OMEGA_ADMIN_TENANT) with its database, and an API key. Secrets the platform generated are written to
 * `<data dir>/credentials.json` (mode 0600) and shown on the terminal only: never through the logger, and
 * never when stdout is not a terminal (a container's stdout is a log file someone else reads).
 */
@Injectable()
export class BootstrapOnStart implements OnApplicationBootstrap {
  private readonly logger = new Logger('Accounts');

  constructor(
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
    private readonly bootstrap: BootstrapAdminService,
    private readonly provisioning: TenantProvisioningService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const created = await this.bootstrap.ensureBootstrapAdmin({
      userid: this.config.adminUserid,
      tenant: this.config.adminTenant,
      password: this.config.adminPassword,
      apikey: this.config.adminApikey,
    });
    // Not awaited: the API must come up (and report itself unready) while MongoDB is down; the Metadata
    // indexes are made on first use anyway.
    this.provisioning
      .prepareDatabase(this.config.adminTenant)
      .catch((error: Error) =>
        this.logger.warn(`could not prepare the tenant database yet: ${error.message}`),
      );
    if (!created || created.apikey === null) return;
    const url = this.config.publicUrl ?? `http://${displayHost(this.config.apiHost)}:${this.config.apiPort}`;
    const file = writeCredentialsFile(this.config.dataDir, {
      url,
      userid: created.userid,
      apikey: created.apikey,
      tenant: created.tenant,
      ...(created.password === null ? {} : { password: created.password }),
    });
    this.logger.log(`the first admin's credentials are in ${file} (readable by this user only)`);
    if (process.stdout.isTTY) {
      process.stdout.write(
        `\nFirst start: created the admin '${created.userid}' in tenant '${created.tenant}' (shown once)\n` +
          (created.password === null ? '' : `  password  ${created.password}\n`) +
          `  API key   ${created.apikey}\n` +
          `  header    Authorization: ApiKey ${created.userid}:${created.apikey}\n\n`,
      );
    }
  }
}

function displayHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}
