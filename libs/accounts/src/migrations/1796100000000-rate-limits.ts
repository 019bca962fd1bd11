import { MigrationInterface, QueryRunner, Table, TableColumn } from 'typeorm';
import { PortableColumns } from '../database/portable-columns';

/**
 * Rate limits: a key's own limits (JSON, null = the role's or the defaults), and the counters every API
 * replica shares, one row per limit, tracker and fixed window.
 */
export class RateLimits1796100000000 implements MigrationInterface {
  name = 'RateLimits1796100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = new PortableColumns(queryRunner.connection.options.type);
    await queryRunner.addColumn('api_keys', new TableColumn(c.text('rate_limits', { nullable: true })));
    await queryRunner.createTable(
      new Table({
        name: 'rate_counters',
        columns: [
          { ...c.string('id', 200), isPrimary: true },
          { name: 'hits', type: 'integer', isNullable: false },
          // Milliseconds since the epoch: raw upserts bind it as a plain number on every driver.
          { name: 'window_end', type: 'bigint', isNullable: false },
        ],
        indices: [{ name: 'ix_rate_counters_window_end', columnNames: ['window_end'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('rate_counters');
    await queryRunner.dropColumn('api_keys', 'rate_limits');
  }
}
