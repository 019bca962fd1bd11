import { Inject, Injectable } from '@nestjs/common';
import { OMEGA_CONFIG, OmegaConfig, OmegaError, OmegaErrorCode } from '@omega/core';
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const INFO = 'omega-ts sql.reference secrets v1';

/**
 * Encrypts secrets at rest: AES-256-GCM under a key derived with HKDF-SHA256 from `OMEGA_SECRET_KEY` and
 * a random salt per blob. The associated data binds a blob to its object (tenant, bucket, name), so a
 * blob copied into another entry does not decrypt there.
 */
export class SecretCipher {
  constructor(private readonly secretKey: string | undefined) {}

  get available(): boolean {
    return this.secretKey !== undefined && this.secretKey.length > 0;
  }

  encrypt(secrets: Record<string, string>, boundTo: string): string {
    const key = this.key('store');
    const salt = randomBytes(16);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', derive(key, salt), iv);
    cipher.setAAD(Buffer.from(boundTo, 'utf8'));
    const data = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
    return [VERSION, salt, iv, cipher.getAuthTag(), data]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64')))
      .join('.');
  }

  decrypt(blob: string, boundTo: string): Record<string, string> {
    const key = this.key('read');
    const [version, ...parts] = blob.split('.');
    if (version !== VERSION || parts.length !== 4) throw unreadable();
    const [salt, iv, tag, data] = parts.map((part) => Buffer.from(part, 'base64'));
    try {
      const decipher = createDecipheriv('aes-256-gcm', derive(key, salt), iv);
      decipher.setAAD(Buffer.from(boundTo, 'utf8'));
      decipher.setAuthTag(tag);
      const text = Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
      return JSON.parse(text) as Record<string, string>;
    } catch {
      throw unreadable();
    }
  }

  private key(purpose: 'store' | 'read'): string {
    if (!this.available) {
      throw new OmegaError(
        OmegaErrorCode.Conflict,
        purpose === 'store'
          ? 'OMEGA_SECRET_KEY is not set: the platform cannot encrypt secrets, so it will not store them'
          : 'OMEGA_SECRET_KEY is not set: stored secrets cannot be decrypted',
      );
    }
    return this.secretKey as string;
  }
}

function derive(secretKey: string, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secretKey, 'utf8'), salt, INFO, 32));
}

function unreadable(): OmegaError {
  return new OmegaError(
    OmegaErrorCode.Conflict,
    'stored secrets cannot be decrypted (was OMEGA_SECRET_KEY changed?); store the reference again',
  );
}

/** The process' cipher, keyed from the validated configuration. */
@Injectable()
export class SecretCipherProvider extends SecretCipher {
  constructor(@Inject(OMEGA_CONFIG) config: OmegaConfig) {
    super(config.secretKey);
  }
}
