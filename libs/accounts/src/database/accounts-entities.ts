import { ApiKey } from '../api-keys/api-key.entity';
import { AuditEvent } from '../audit/audit-event.entity';
import { RevokedToken } from '../auth/revoked-token.entity';
import { Membership } from '../memberships/membership.entity';
import { Tenant } from '../tenants/tenant.entity';
import { User } from '../users/user.entity';

export const ACCOUNTS_ENTITIES = [Tenant, User, Membership, ApiKey, AuditEvent, RevokedToken];
