import { Module } from '@nestjs/common';
import { SqlConnections } from './connections/sql-connections';
import { SqlReferencePlugin } from './reference/sql-reference.plugin';
import { SecretCipherProvider } from './secrets/secret-cipher';

/** Importing this module adds the `sql.reference` kind: the plugin registers itself. */
@Module({
  providers: [SqlReferencePlugin, SqlConnections, SecretCipherProvider],
  exports: [SqlConnections],
})
export class SqlModule {}
