import { ROLES, Role } from '@omega/accounts';
import { TASK_STATUSES, TaskStatus } from '@omega/runtime';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Max, MaxLength, Min } from 'class-validator';

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

export class TaskListQuery {
  @EmptyIsAbsent()
  @IsOptional()
  @IsIn(TASK_STATUSES)
  status?: TaskStatus;
}

/** What a redirect after a change tells the next page to confirm. */
export const NOTICES = ['revoked', 'created', 'role', 'scheduled', 'unscheduled'] as const;

export class NoticeQuery {
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
