import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { PortableColumns } from '../database/portable-columns';

/**
 * The first accounts schema: tenants, users, memberships, API keys and the audit trail. Written with
 * TypeORM's `Table` API and portable column types, so one file runs on PostgreSQL, MySQL/MariaDB and
 * SQLite alike. Later changes get a new migration; this one is never edited once released.
 */
export class InitialAccountsSchema1795877335152 implements MigrationInterface {
  name = 'InitialAccountsSchema1795877335152';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = new PortableColumns(queryRunner.connection.options.type);

    await queryRunner.createTable(
      new Table({
        name: 'tenants',
        columns: [c.id(), c.string('name', 40), c.timestamp('created'), c.boolean('disabled')],
        indices: [{ name: 'uq_tenants_name', columnNames: ['name'], isUnique: true }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          c.id(),
          c.string('userid', 150),
          c.string('email', 254, { nullable: true }),
          c.string('password_hash', 255, { nullable: true }),
          c.timestamp('created'),
          c.boolean('disabled'),
          c.boolean('is_platform_admin'),
        ],
        indices: [{ name: 'uq_users_userid', columnNames: ['userid'], isUnique: true }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'memberships',
        columns: [
          c.id(),
          c.string('user_id', 36),
          c.string('tenant_id', 36),
          c.string('role', 16),
          c.timestamp('created'),
        ],
        indices: [
          { name: 'uq_memberships_user_tenant', columnNames: ['user_id', 'tenant_id'], isUnique: true },
          { name: 'ix_memberships_tenant', columnNames: ['tenant_id'] },
        ],
        foreignKeys: [
          {
            name: 'fk_memberships_user',
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
          {
            name: 'fk_memberships_tenant',
            columnNames: ['tenant_id'],
            referencedTableName: 'tenants',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'api_keys',
        columns: [
          c.id(),
          c.string('user_id', 36),
          c.string('tenant_id', 36),
          c.string('name', 100),
          c.string('key_prefix', 12),
          c.string('key_hash', 64),
          c.timestamp('created'),
          c.timestamp('expires_at', { nullable: true }),
          c.timestamp('revoked_at', { nullable: true }),
          c.timestamp('last_used_at', { nullable: true }),
        ],
        indices: [
          { name: 'uq_api_keys_key_hash', columnNames: ['key_hash'], isUnique: true },
          { name: 'ix_api_keys_user_prefix', columnNames: ['user_id', 'key_prefix'] },
          { name: 'ix_api_keys_tenant', columnNames: ['tenant_id'] },
        ],
        foreignKeys: [
          {
            name: 'fk_api_keys_user',
            columnNames: ['user_id'],
            referencedTableName: 'users',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
          {
            name: 'fk_api_keys_tenant',
            columnNames: ['tenant_id'],
            referencedTableName: 'tenants',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'audit_events',
        columns: [
          c.id(),
          c.timestamp('at'),
          c.string('actor', 150),
          c.string('tenant', 40, { nullable: true }),
          c.string('action', 64),
          c.string('object', 255, { nullable: true }),
          c.string('outcome', 16),
          c.string('remote', 64, { nullable: true }),
          c.text('details', { nullable: true }),
        ],
        indices: [
          { name: 'ix_audit_events_at', columnNames: ['at'] },
          { name: 'ix_audit_events_tenant_at', columnNames: ['tenant', 'at'] },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Children before parents, so no foreign key stands in the way.
    for (const table of ['audit_events', 'api_keys', 'memberships', 'users', 'tenants']) {
      await queryRunner.dropTable(table);
    }
  }
}
