import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { WORKER_LABEL_PATTERN } from '@omega/runtime';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

const TENANT = /^[a-z0-9][a-z0-9_]{0,39}$/;
const USERID = /^[A-Za-z0-9][A-Za-z0-9.@+_-]{0,149}$/;

// ---- requests

export class ScaleWorkersDto {
  @ApiProperty({ minimum: 0, description: 'workers wanted (with KEDA: the lower bound)' })
  @IsInt()
  @Min(0)
  @Max(1000)
  replicas!: number;

  @ApiPropertyOptional({ description: 'with KEDA (kubernetes): the upper bound' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1000)
  maxReplicas?: number;
}

export class AddLabelDto {
  @ApiProperty({ example: 'gpu', description: 'lowercase letters, digits, - and _' })
  @Matches(WORKER_LABEL_PATTERN, { message: 'label must be lowercase letters, digits, - and _ (at most 63)' })
  label!: string;

  @ApiPropertyOptional({ minimum: 0, default: 1 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1000)
  replicas?: number;
}

export class WaitQueryDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: 300,
    default: 60,
    description: 'seconds to wait for the manager to report the workers ready (0: answer at once)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(300)
  wait?: number;
}

export class AddTenantDto {
  @ApiProperty({ example: 'acme' })
  @Matches(TENANT, {
    message: 'name must be 1-40 lowercase letters, digits or _, starting with a letter or digit',
  })
  name!: string;

  @ApiProperty({ example: 'alice', description: "the tenant's admin: a new user, or an existing one" })
  @Matches(USERID, { message: 'admin must be 1-150 letters, digits or . @ + - _' })
  admin!: string;

  @ApiPropertyOptional({
    description: 'a new admin user’s password (at least 12 characters); keys only without',
  })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  password?: string;
}

export class RemoveTenantDto {
  @ApiProperty({ description: "the tenant's name again: removal drops its data" })
  @IsString()
  @MaxLength(40)
  confirm!: string;
}

export class SetConfigDto {
  @ApiProperty({ example: 8, description: 'a whole number within the setting’s range' })
  @IsInt()
  value!: number;
}

// ---- answers

export class ServiceCheckDto {
  @ApiProperty({ enum: ['up', 'down', 'in-process'] }) status!: 'up' | 'down' | 'in-process';
  @ApiProperty() ms!: number;
  @ApiPropertyOptional() error?: string;
}

export class ServiceChecksDto {
  @ApiProperty({ type: ServiceCheckDto }) mongodb!: ServiceCheckDto;
  @ApiProperty({ type: ServiceCheckDto }) broker!: ServiceCheckDto;
  @ApiProperty({ type: ServiceCheckDto }) accounts!: ServiceCheckDto;
}

export class ManagerDto {
  @ApiProperty() id!: string;
  @ApiProperty() driver!: string;
  @ApiProperty() host!: string;
  @ApiProperty() pid!: number;
  @ApiProperty({ description: 'whether it holds the lease and carries out pool requests' }) leader!: boolean;
  @ApiProperty() seen!: Date;
}

export class AppliedPoolDto {
  @ApiProperty() generation!: number;
  @ApiProperty() running!: number;
  @ApiProperty() ready!: number;
  @ApiProperty() driver!: string;
  @ApiProperty() manager!: string;
  @ApiProperty() at!: Date;
  @ApiPropertyOptional() error?: string;
}

export class WorkerPoolDto {
  @ApiProperty() label!: string;
  @ApiProperty() replicas!: number;
  @ApiPropertyOptional() maxReplicas?: number;
  @ApiProperty() generation!: number;
  @ApiProperty() requestedBy!: string;
  @ApiProperty() requestedAt!: Date;
  @ApiPropertyOptional({ type: AppliedPoolDto }) applied?: AppliedPoolDto;
}

export class PoolAnswerDto {
  @ApiProperty({ type: WorkerPoolDto }) pool!: WorkerPoolDto;
  @ApiProperty({ enum: ['done', 'pending', 'failed'] }) state!: 'done' | 'pending' | 'failed';
}

export class PoolListDto {
  @ApiProperty({ type: [PoolAnswerDto] }) pools!: PoolAnswerDto[];
}

export class LabelWorkerDto {
  @ApiProperty() id!: string;
  @ApiProperty() host!: string;
  @ApiProperty() pid!: number;
  @ApiProperty() concurrency!: number;
  @ApiProperty() inFlight!: number;
  @ApiProperty() processed!: number;
  @ApiProperty() started!: Date;
  @ApiProperty({ description: 'the last heartbeat' }) seen!: Date;
}

export class LabelStatusDto {
  @ApiProperty() label!: string;
  @ApiProperty({ nullable: true, type: Number, description: 'messages waiting; null: no queue yet' })
  queued!: number | null;
  @ApiProperty({ type: [LabelWorkerDto] }) workers!: LabelWorkerDto[];
  @ApiPropertyOptional({ type: PoolAnswerDto }) pool?: PoolAnswerDto;
}

export class TenantSummaryDto {
  @ApiProperty() total!: number;
  @ApiProperty() disabled!: number;
  @ApiProperty({ type: [String], description: 'the first 100 by name' }) names!: string[];
}

export class CloudStatusDto {
  @ApiProperty({ type: ServiceChecksDto }) services!: ServiceChecksDto;
  @ApiProperty({ type: [ManagerDto] }) managers!: ManagerDto[];
  @ApiProperty({ type: [LabelStatusDto] }) labels!: LabelStatusDto[];
  @ApiProperty({ type: TenantSummaryDto }) tenants!: TenantSummaryDto;
}

export class CloudTenantDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() created!: Date;
  @ApiProperty() disabled!: boolean;
}

export class TenantAdminDto {
  @ApiProperty() userid!: string;
  @ApiProperty({ description: 'false when an existing user was made admin' }) created!: boolean;
}

export class AddedTenantDto {
  @ApiProperty({ type: CloudTenantDto }) tenant!: CloudTenantDto;
  @ApiProperty() database!: string;
  @ApiProperty({ type: TenantAdminDto }) admin!: TenantAdminDto;
  @ApiProperty({ description: "the admin's new API key, shown this once" }) apikey!: string;
  @ApiProperty() keyId!: string;
}

export class RemovedTenantDto {
  @ApiProperty() tenant!: string;
  @ApiProperty({ type: [String] }) databasesDropped!: string[];
  @ApiProperty() keysRevoked!: number;
  @ApiProperty() membershipsRemoved!: number;
}

export class LiveSettingDto {
  @ApiProperty() name!: string;
  @ApiProperty() value!: number;
  @ApiProperty({ enum: ['default', 'set'] }) source!: 'default' | 'set';
  @ApiProperty() description!: string;
  @ApiProperty() min!: number;
  @ApiProperty() max!: number;
  @ApiPropertyOptional() setBy?: string;
  @ApiPropertyOptional() setAt?: Date;
}

export class LiveSettingListDto {
  @ApiProperty({ type: [LiveSettingDto] }) settings!: LiveSettingDto[];
}
