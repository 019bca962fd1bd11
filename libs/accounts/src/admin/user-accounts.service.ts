import { Injectable } from '@nestjs/common';
import { OmegaError, OmegaErrorCode } from '@omega/core';
import type { Actor } from '../common/actor';
import { MembershipsService, MembershipView } from '../memberships/memberships.service';
import type { Role } from '../memberships/role';
import { NewUserInput, UsersService, UserView } from '../users/users.service';

export interface UserAccountView extends UserView {
  memberships: MembershipView[];
}

/** A user together with their tenants and roles: what the admin API creates and shows in one call. */
@Injectable()
export class UserAccountsService {
  constructor(
    private readonly users: UsersService,
    private readonly memberships: MembershipsService,
  ) {}

  /** The user, and their membership when a tenant is given (role `member` unless another is named). */
  async create(input: NewUserInput & { tenant?: string; role?: Role }, by: Actor): Promise<UserAccountView> {
    const { tenant, role, ...user } = input;
    const created = await this.users.create(user, by);
    if (tenant !== undefined) await this.memberships.add(created.userid, tenant, role ?? 'member', by);
    return this.get(created.userid);
  }

  async get(userid: string): Promise<UserAccountView> {
    const user = await this.users.get(userid);
    return { ...user, memberships: await this.memberships.listByUser(user.userid) };
  }

  /** Adds the membership, or changes the role of an existing one. */
  async setMembership(userid: string, tenant: string, role: Role, by: Actor): Promise<UserAccountView> {
    try {
      await this.memberships.add(userid, tenant, role, by);
    } catch (error) {
      if (!(error instanceof OmegaError && error.code === OmegaErrorCode.AlreadyExists)) throw error;
      await this.memberships.setRole(userid, tenant, role, by);
    }
    return this.get(userid);
  }

  async removeMembership(userid: string, tenant: string, by: Actor): Promise<void> {
    await this.memberships.remove(userid, tenant, by);
  }
}
