import { Injectable } from '@nestjs/common';
import { OmegaError } from '@omega/core';
import { AuditService } from '../audit/audit.service';
import { PrincipalChanges, principalTag } from '../auth/principal-changes';
import { Actor, SYSTEM_ACTOR } from '../common/actor';
import { NamePageQuery } from '../common/name-page';
import { pageOf, Paging } from '../common/paging';
import { TenantsRepository } from '../tenants/tenants.repository';
import { UsersRepository } from '../users/users.repository';
import type { Membership } from './membership.entity';
import { MembershipsRepository } from './memberships.repository';
import { assertRole, Role } from './role';

export interface MembershipView {
  userid: string;
  tenant: string;
  role: Role;
  created: Date;
}

/** Who belongs to which tenant, and in what role. */
@Injectable()
export class MembershipsService {
  constructor(
    private readonly memberships: MembershipsRepository,
    private readonly users: UsersRepository,
    private readonly tenants: TenantsRepository,
    private readonly audit: AuditService,
    private readonly changes: PrincipalChanges,
  ) {}

  /** ALREADY_EXISTS when the user is a member already (change the role with `setRole`). */
  async add(userid: string, tenant: string, role: Role, by: Actor = SYSTEM_ACTOR): Promise<MembershipView> {
    const subject = { action: 'membership.add', tenant, object: String(userid), details: { role } };
    return this.audit.audited(by, subject, async () => {
      assertRole(role);
      const user = await this.users.requireByUserid(String(userid));
      const found = await this.tenants.requireByName(String(tenant));
      const membership = await this.memberships.insert(user.id, found.id, role, {
        userid: user.userid,
        tenant: found.name,
      });
      return { userid: user.userid, tenant: found.name, role, created: membership.created };
    });
  }

  async setRole(userid: string, tenant: string, role: Role, by: Actor = SYSTEM_ACTOR): Promise<void> {
    const subject = { action: 'membership.role', tenant, object: String(userid), details: { role } };
    await this.audit.audited(by, subject, async () => {
      assertRole(role);
      const membership = await this.require(userid, tenant);
      await this.memberships.setRole(membership.id, role);
      await this.changes.changed(principalTag.user(membership.userId));
    });
  }

  async remove(userid: string, tenant: string, by: Actor = SYSTEM_ACTOR): Promise<void> {
    await this.audit.audited(
      by,
      { action: 'membership.remove', tenant, object: String(userid) },
      async () => {
        const membership = await this.require(userid, tenant);
        await this.memberships.delete(membership.id);
        await this.changes.changed(principalTag.user(membership.userId));
      },
    );
  }

  /** The user's role in the tenant, or null when they are not a member. */
  async roleOf(userid: string, tenant: string): Promise<Role | null> {
    const user = await this.users.findByUserid(String(userid));
    const found = await this.tenants.findByName(String(tenant));
    if (!user || !found) return null;
    return (await this.memberships.find(user.id, found.id))?.role ?? null;
  }

  async listByTenant(tenant: string, paging?: Paging): Promise<MembershipView[]> {
    const found = await this.tenants.requireByName(String(tenant));
    return (await this.memberships.listByTenant(found.id, pageOf(paging))).map(toMembershipView);
  }

  /** A page of the tenant's members by user name (the cursor is the last name shown), with the count. */
  async pageByTenant(
    tenant: string,
    query: NamePageQuery,
  ): Promise<{ items: MembershipView[]; total: number }> {
    const found = await this.tenants.requireByName(String(tenant));
    const { items, total } = await this.memberships.pageByTenant(found.id, {
      ...query,
      limit: pageOf({ limit: query.limit }).take,
    });
    return { items: items.map(toMembershipView), total };
  }

  async listByUser(userid: string): Promise<MembershipView[]> {
    const user = await this.users.requireByUserid(String(userid));
    return (await this.memberships.listByUser(user.id)).map(toMembershipView);
  }

  private async require(userid: string, tenant: string): Promise<Membership> {
    const user = await this.users.requireByUserid(String(userid));
    const found = await this.tenants.requireByName(String(tenant));
    const membership = await this.memberships.find(user.id, found.id);
    if (!membership) throw OmegaError.notFound(`Membership of '${user.userid}' in tenant '${found.name}'`);
    return membership;
  }
}

/** Needs the membership loaded with its user and tenant. */
function toMembershipView(membership: Membership): MembershipView {
  return {
    userid: membership.user?.userid ?? '',
    tenant: membership.tenant?.name ?? '',
    role: membership.role,
    created: membership.created,
  };
}
