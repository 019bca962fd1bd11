import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Tenant } from '../tenants/tenant.entity';
import { User } from '../users/user.entity';

/** An API key of one user for one tenant. The key itself is never stored, only its SHA-256. */
@Entity({ name: 'api_keys' })
@Index('uq_api_keys_key_hash', ['keyHash'], { unique: true })
@Index('ix_api_keys_user_prefix', ['userId', 'keyPrefix'])
@Index('ix_api_keys_tenant', ['tenantId'])
export class ApiKey {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ name: 'tenant_id', type: 'varchar', length: 36 })
  tenantId!: string;

  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id' })
  tenant?: Tenant;

  /** A label the owner chose ("laptop", "ci"). */
  @Column({ type: 'varchar', length: 100 })
  name!: string;

  /** The key's first characters: shown in listings so an owner can tell keys apart, and used to look one up. */
  @Column({ name: 'key_prefix', type: 'varchar', length: 12 })
  keyPrefix!: string;

  /** Hex SHA-256 of the key. */
  @Column({ name: 'key_hash', type: 'varchar', length: 64 })
  keyHash!: string;

  @Column({ type: Date })
  created!: Date;

  @Column({ name: 'expires_at', type: Date, nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'revoked_at', type: Date, nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'last_used_at', type: Date, nullable: true })
  lastUsedAt!: Date | null;

  /** The key's own rate limits as JSON (`{"api": 100000}`); null: its role's, or the defaults. */
  @Column({ name: 'rate_limits', type: 'text', nullable: true })
  rateLimits!: string | null;
}
