import { ROLES, Role } from '@omega/accounts';
import { TASK_STATUSES, TaskStatus } from '@omega/runtime';
import { Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

/** An empty form field means "not given". */
const EmptyIsAbsent = () => Transform(({ value }) => (value === '' ? undefined : value));

/** Every console form carries the anti-forgery token; the auth guard checks it, the DTO only allows it. */
export class CsrfForm {
  @IsOptional()
  @IsString()
  @MaxLength(256)
  _csrf?: string;
}

export class LoginForm extends CsrfForm {
  @IsString()
  @Length(1, 150)
  userid!: string;

  @IsString()
  @Length(1, 1024)
  password!: string;
}

export class NewApiKeyForm extends CsrfForm {
  @EmptyIsAbsent()
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;

  @Transform(({ value }) => (value === '' || value === undefined ? undefined : Number(value)))
  @IsOptional()
  @IsInt({ message: 'expiresInDays must be a whole number of days' })
  @Min(1)
  @Max(3650)
  expiresInDays?: number;
}

export class NewUserForm extends CsrfForm {
  @IsString()
  @Length(1, 150)
  userid!: string;

  @EmptyIsAbsent()
  @IsOptional()
  @IsString()
  @MaxLength(254)
  email?: string;

  @IsString()
  @Length(12, 1024, { message: 'password must be at least 12 characters' })
  password!: string;

  @IsIn(ROLES)
  role!: Role;
}

export class RoleForm extends CsrfForm {
  @IsIn(ROLES)
  role!: Role;
}

/** Search and cursor of a listing: names containing `q` (or matching it as a glob), after `after`. */
export class ListingQuery {
  @EmptyIsAbsent()
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;

  @EmptyIsAbsent()
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  after?: string;
}

/** Search, cursor and bucket of the object browser; TenantContext checks the bucket's name. */
export class ObjectListQuery extends ListingQuery {
  @EmptyIsAbsent()
  @IsOptional()
  @IsString()
  @MaxLength(63)
  bucket?: string;
}

export class BucketQuery {
  @EmptyIsAbsent()
  @IsOptional()
  @IsString()
  @MaxLength(63)
  bucket?: string;
}

/** A time as a `datetime-local` field sends it (or a date alone), read as UTC as the console shows times. */
const UTC_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?)?Z?$/;
const TimeField = () =>
  Matches(UTC_TIME, { message: '$property must be a time such as 2026-12-01T08:00 (UTC)' });

/** A filter field's time as a Date (UTC), or undefined when empty. */
export function utcTime(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const date = new Date(value.endsWith('Z') ? value : `${value}${value.includes('T') ? '' : 'T00:00'}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Filters shared by the task and audit listings: an action and a time range. */
class ActionTimeQuery {
  @EmptyIsAbsent()
  @IsOptional()
  @IsString()
  @MaxLength(64)
  action?: string;

  @EmptyIsAbsent()
  @IsOptional()
  @TimeField()
  from?: string;

  @EmptyIsAbsent()
  @IsOptional()
  @TimeField()
  to?: string;
}

export class TaskListQuery extends ActionTimeQuery {
  @EmptyIsAbsent()
  @IsOptional()
  @IsIn(TASK_STATUSES)
  status?: TaskStatus;

  @EmptyIsAbsent()
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  object?: string;

  /** The cursor: `<submitted ISO time>_<task id>` of the last task of the previous page. */
  @EmptyIsAbsent()
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z_[0-9a-f-]{36}$/, {
    message: 'before is not a page cursor',
  })
  before?: string;
}

export class AuditListQuery extends ActionTimeQuery {
  @EmptyIsAbsent()
  @IsOptional()
  @IsString()
  @MaxLength(150)
  actor?: string;

  /** The cursor: the id of the last event of the previous page. */
  @EmptyIsAbsent()
  @IsOptional()
  @IsUUID()
  before?: string;
}

/** What a redirect after a change tells the next page to confirm. */
export const NOTICES = [
  'revoked',
  'created',
  'role',
  'scheduled',
  'unscheduled',
  'removed',
  'disabled',
  'enabled',
  'password',
  'switched',
  'limits',
] as const;

export class NoticeQuery {
  @IsOptional()
  @IsIn(NOTICES)
  done?: (typeof NOTICES)[number];
}

/** A listing that also confirms a change (the users page after adding or removing one). */
export class ListingNoticeQuery extends ListingQuery {
  @IsOptional()
  @IsIn(NOTICES)
  done?: (typeof NOTICES)[number];
}

/** A run from the console: JSON arguments as the API takes them, answered at once or as a task. */
export class RunForm extends CsrfForm {
  @EmptyIsAbsent()
  @IsOptional()
  @IsString()
  @MaxLength(65536, { message: 'args may be at most 64 KiB of JSON' })
  args?: string;

  @EmptyIsAbsent()
  @IsOptional()
  @IsString()
  @MaxLength(65536, { message: 'kwargs may be at most 64 KiB of JSON' })
  kwargs?: string;

  @IsOptional()
  @IsIn(['sync', 'async'])
  mode?: 'sync' | 'async';
}

/** A job's schedule from the form: as the API's PUT takes it (cron or plain English, and a time zone). */
export class ScheduleForm extends CsrfForm {
  @EmptyIsAbsent()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cron?: string;

  @EmptyIsAbsent()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  text?: string;

  @EmptyIsAbsent()
  @IsOptional()
  @IsString()
  @MaxLength(64)
  timezone?: string;
}

export class PasswordForm extends CsrfForm {
  @IsString()
  @Length(12, 1024, { message: 'password must be at least 12 characters' })
  password!: string;
}

/** Another of the user's tenants, confirmed with their password (the new session's role is that tenant's). */
export class TenantSwitchForm extends CsrfForm {
  @IsString()
  @Length(1, 40)
  tenant!: string;

  @IsString()
  @Length(1, 1024)
  password!: string;
}
