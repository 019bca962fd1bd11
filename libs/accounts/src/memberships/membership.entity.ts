import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Tenant } from '../tenants/tenant.entity';
import { User } from '../users/user.entity';
import type { Role } from './role';

/** A user's role in one tenant; at most one per user and tenant. */
@Entity({ name: 'memberships' })
@Index('uq_memberships_user_tenant', ['userId', 'tenantId'], { unique: true })
@Index('ix_memberships_tenant', ['tenantId'])
export class Membership {
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

  // A plain varchar rather than a database enum: enums differ per driver; the service checks the value.
  @Column({ type: 'varchar', length: 16 })
  role!: Role;

  @Column({ type: Date })
  created!: Date;
}
