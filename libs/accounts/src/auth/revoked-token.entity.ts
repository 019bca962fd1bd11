import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A revocation of login tokens (Bearer tokens and console sessions), kept until the tokens it covers
 * have expired anyway. Two kinds share the table so that checking a token is one read by primary key:
 * `token:<jti>` revokes one token (a logout), `user:<user id>` revokes every token of that user issued
 * up to `revokedAt` (a password change, a disabled user).
 */
@Entity({ name: 'revoked_tokens' })
@Index('ix_revoked_tokens_expires_at', ['expiresAt'])
export class RevokedToken {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @Column({ name: 'revoked_at', type: Date })
  revokedAt!: Date;

  /** After this no token the row covers is valid anyway: the row may go. */
  @Column({ name: 'expires_at', type: Date })
  expiresAt!: Date;
}
