import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity({ name: 'users' })
@Index('uq_users_userid', ['userid'], { unique: true })
export class User {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** The login name: what clients send in `Authorization: ApiKey <userid>:<apikey>`. */
  @Column({ type: 'varchar', length: 150 })
  userid!: string;

  @Column({ type: 'varchar', length: 254, nullable: true })
  email!: string | null;

  /** An encoded scrypt hash (see password-hash.ts); null for a user who signs in with API keys only. */
  @Column({ name: 'password_hash', type: 'varchar', length: 255, nullable: true })
  passwordHash!: string | null;

  @Column({ type: Date })
  created!: Date;

  @Column({ type: 'boolean' })
  disabled!: boolean;

  /** May administer every tenant (provisioning, audit of all tenants), not just its memberships. */
  @Column({ name: 'is_platform_admin', type: 'boolean' })
  isPlatformAdmin!: boolean;
}
