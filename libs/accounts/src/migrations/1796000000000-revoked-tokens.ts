import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { PortableColumns } from '../database/portable-columns';

/** Server-side revocation of login tokens: logouts, password changes, disabled users. */
export class RevokedTokens1796000000000 implements MigrationInterface {
  name = 'RevokedTokens1796000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = new PortableColumns(queryRunner.connection.options.type);
    await queryRunner.createTable(
      new Table({
        name: 'revoked_tokens',
        columns: [
          { ...c.string('id', 64), isPrimary: true },
          c.timestamp('revoked_at'),
          c.timestamp('expires_at'),
        ],
        indices: [{ name: 'ix_revoked_tokens_expires_at', columnNames: ['expires_at'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('revoked_tokens');
  }
}
