import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** An account: its objects live in their own MongoDB database, its people and keys here. */
@Entity({ name: 'tenants' })
@Index('uq_tenants_name', ['name'], { unique: true })
export class Tenant {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 40 })
  name!: string;

  // `type: Date` (not a driver's type name) lets each driver pick its own timestamp type.
  @Column({ type: Date })
  created!: Date;

  @Column({ type: 'boolean' })
  disabled!: boolean;
}
