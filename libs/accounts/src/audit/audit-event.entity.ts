import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One security-relevant operation. Actor and tenant are stored as names, not foreign keys: the trail must
 * outlive the users and tenants it mentions.
 */
@Entity({ name: 'audit_events' })
@Index('ix_audit_events_at', ['at'])
@Index('ix_audit_events_tenant_at', ['tenant', 'at'])
export class AuditEvent {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: Date })
  at!: Date;

  @Column({ type: 'varchar', length: 150 })
  actor!: string;

  @Column({ type: 'varchar', length: 40, nullable: true })
  tenant!: string | null;

  /** What was done, as `<area>.<verb>`: `tenant.create`, `apikey.revoke`. */
  @Column({ type: 'varchar', length: 64 })
  action!: string;

  /** What it was done to: a tenant name, a userid, a key id. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  object!: string | null;

  @Column({ type: 'varchar', length: 16 })
  outcome!: 'success' | 'failure';

  @Column({ type: 'varchar', length: 64, nullable: true })
  remote!: string | null;

  /** JSON text: portable across drivers, and never queried by its content. */
  @Column({ type: 'text', nullable: true })
  details!: string | null;
}
