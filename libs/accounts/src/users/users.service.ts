import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AuditService } from '../audit/audit.service';
import { SessionRevocations } from '../auth/session-revocations';
import { Actor, SYSTEM_ACTOR } from '../common/actor';
import { pageOf, Paging } from '../common/paging';
import { hashPassword, needsRehash, verifyPassword } from './password-hash';
import { assertPasswordPolicy } from './password-policy';
import { assertValidEmail, assertValidUserid } from './userid';
import type { User } from './user.entity';
import { UsersRepository } from './users.repository';

export interface NewUserInput {
  userid: string;
  /** At least 12 characters. Without one the user signs in with API keys only. */
  password?: string;
  email?: string;
  isPlatformAdmin?: boolean;
}

/** A user as the platform shows it: never with the password hash. */
export interface UserView {
  id: string;
  userid: string;
  email: string | null;
  created: Date;
  disabled: boolean;
  isPlatformAdmin: boolean;
}

@Injectable()
export class UsersService {
  /** A hash to verify against when the user does not exist, so both cases take the same time. */
  private decoyHash?: Promise<string>;

  constructor(
    private readonly users: UsersRepository,
    private readonly audit: AuditService,
    private readonly revocations: SessionRevocations,
  ) {}

  async create(input: NewUserInput, by: Actor = SYSTEM_ACTOR): Promise<UserView> {
    return this.audit.audited(by, { action: 'user.create', object: String(input.userid) }, async () => {
      assertValidUserid(input.userid);
      if (input.email !== undefined) assertValidEmail(input.email);
      if (input.password !== undefined) assertPasswordPolicy(input.password);
      const user = await this.users.insert({
        userid: input.userid,
        email: input.email ?? null,
        passwordHash: input.password === undefined ? null : await hashPassword(input.password),
        isPlatformAdmin: input.isPlatformAdmin ?? false,
      });
      return toUserView(user);
    });
  }

  async get(userid: string): Promise<UserView> {
    return toUserView(await this.users.requireByUserid(String(userid)));
  }

  async list(paging?: Paging): Promise<UserView[]> {
    return (await this.users.list(pageOf(paging))).map(toUserView);
  }

  /**
   * The user when `password` is theirs and they may sign in; null otherwise (unknown, disabled, no
   * password, wrong password), without saying which. A hash made with weaker parameters than today's is
   * replaced on the way.
   */
  async verifyPassword(userid: unknown, password: unknown): Promise<UserView | null> {
    if (typeof userid !== 'string' || typeof password !== 'string') return null;
    const user = await this.users.findByUserid(userid);
    if (!user?.passwordHash) {
      await verifyPassword(password, await this.decoy());
      return null;
    }
    if (!(await verifyPassword(password, user.passwordHash)) || user.disabled) return null;
    if (needsRehash(user.passwordHash)) {
      await this.users.update(user.id, { passwordHash: await hashPassword(password) });
    }
    return toUserView(user);
  }

  async setPassword(userid: string, password: string, by: Actor = SYSTEM_ACTOR): Promise<void> {
    await this.audit.audited(by, { action: 'user.password', object: String(userid) }, async () => {
      assertPasswordPolicy(password);
      const user = await this.users.requireByUserid(String(userid));
      await this.users.update(user.id, { passwordHash: await hashPassword(password) });
      // Whoever knew the old password may hold a session: every login token issued until now ends.
      await this.revocations.revokeUser(user.id);
    });
  }

  /** A disabled user can neither sign in nor use any of their API keys; their login tokens end for good. */
  async setDisabled(userid: string, disabled: boolean, by: Actor = SYSTEM_ACTOR): Promise<void> {
    const action = disabled ? 'user.disable' : 'user.enable';
    await this.audit.audited(by, { action, object: String(userid) }, async () => {
      const user = await this.users.requireByUserid(String(userid));
      await this.users.update(user.id, { disabled });
      if (disabled) await this.revocations.revokeUser(user.id);
    });
  }

  private decoy(): Promise<string> {
    this.decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
    return this.decoyHash;
  }
}

export function toUserView(user: User): UserView {
  return {
    id: user.id,
    userid: user.userid,
    email: user.email,
    created: user.created,
    disabled: user.disabled,
    isPlatformAdmin: user.isPlatformAdmin,
  };
}
