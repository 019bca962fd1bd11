import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { PrincipalChanges, principalTag } from '../auth/principal-changes';
import { Actor, SYSTEM_ACTOR } from '../common/actor';
import { NamePageQuery } from '../common/name-page';
import { pageOf, Paging } from '../common/paging';
import { assertValidTenantName } from './tenant-name';
import type { Tenant } from './tenant.entity';
import { TenantsRepository } from './tenants.repository';

export interface TenantView {
  id: string;
  name: string;
  created: Date;
  disabled: boolean;
}

@Injectable()
export class TenantsService {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly audit: AuditService,
    private readonly changes: PrincipalChanges,
  ) {}

  /** INVALID_NAME for a name the tenancy context would refuse, ALREADY_EXISTS for a taken one. */
  async create(name: string, by: Actor = SYSTEM_ACTOR): Promise<TenantView> {
    return this.audit.audited(by, { action: 'tenant.create', tenant: null, object: name }, async () => {
      assertValidTenantName(name);
      return toTenantView(await this.tenants.insert(name));
    });
  }

  async get(name: string): Promise<TenantView> {
    return toTenantView(await this.tenants.requireByName(String(name)));
  }

  async list(paging?: Paging): Promise<TenantView[]> {
    return (await this.tenants.list(pageOf(paging))).map(toTenantView);
  }

  /** A page of tenants by name (the cursor is the last name shown), with the count. */
  async page(query: NamePageQuery): Promise<{ items: TenantView[]; total: number }> {
    const { items, total } = await this.tenants.page({
      ...query,
      limit: pageOf({ limit: query.limit }).take,
    });
    return { items: items.map(toTenantView), total };
  }

  /** A disabled tenant's keys and logins stop working at once, on every API process; its data stays. */
  async setDisabled(name: string, disabled: boolean, by: Actor = SYSTEM_ACTOR): Promise<void> {
    const action = disabled ? 'tenant.disable' : 'tenant.enable';
    await this.audit.audited(by, { action, tenant: name, object: name }, async () => {
      const tenant = await this.tenants.requireByName(String(name));
      await this.tenants.setDisabled(tenant.id, disabled);
      if (disabled) await this.changes.changed(principalTag.tenant(tenant.name));
    });
  }
}

export function toTenantView(tenant: Tenant): TenantView {
  return { id: tenant.id, name: tenant.name, created: tenant.created, disabled: tenant.disabled };
}
