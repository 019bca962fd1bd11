import { Injectable } from '@nestjs/common';
import { Actor, AuditService } from '@omega/accounts';
import { LiveSettings, type LiveSettingView } from './live-settings';

/** `config get|set` of the cloud manager: live settings, each read and change audited. */
@Injectable()
export class CloudConfigService {
  constructor(
    private readonly settings: LiveSettings,
    private readonly audit: AuditService,
  ) {}

  /** One setting, or all when no name is given. */
  async get(name: string | undefined, by: Actor): Promise<LiveSettingView[]> {
    const subject = { action: 'cloud.config.get', object: name ?? null };
    return this.audit.audited(by, subject, async () => {
      if (name === undefined) return this.settings.list();
      LiveSettings.assertName(name);
      return [await this.settings.get(name)];
    });
  }

  async set(name: string, value: unknown, by: Actor): Promise<LiveSettingView> {
    const subject = { action: 'cloud.config.set', object: String(name), details: { value } };
    return this.audit.audited(by, subject, async () => {
      LiveSettings.assertName(name);
      return this.settings.set(name, value, by.actor);
    });
  }
}
