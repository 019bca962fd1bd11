import { ApiProperty, ApiPropertyOptional, IntersectionType, OmitType, PickType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsISO8601,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { SetScheduleDto } from '../schedules/schedule.dto';

export class TrackModelDto {
  @ApiProperty({ example: 'churn-production', description: 'made when it does not exist' })
  @IsString()
  @MaxLength(200)
  experiment!: string;
}

export class TrackingLinkDto {
  @ApiProperty() model!: string;
  @ApiProperty() experiment!: string;
  @ApiProperty({ description: "the experiment's run the model's actions are logged into" }) run!: number;
  @ApiProperty() since!: Date;
  @ApiProperty({ description: 'who linked it' }) user!: string;
}

export class UntrackedDto {
  @ApiProperty() untracked!: string;
}

export class MonitorModelDto {
  @ApiProperty({
    example: 'weather_2012_13',
    description: 'the reference dataset (a table), e.g. the training data',
  })
  @IsString()
  @MaxLength(200)
  baseline!: string;

  @ApiPropertyOptional({
    example: ['temp_max', 'wind'],
    description: "features to compare; the baseline's columns found in the logged inputs if absent",
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  features?: string[];

  @ApiPropertyOptional({ description: 'only inputs logged since this time (ISO 8601)' })
  @IsOptional()
  @IsISO8601()
  since?: string;

  @ApiPropertyOptional({ default: 0.2, description: 'PSI at or above this flags drift' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(100)
  psi_threshold?: number;

  @ApiPropertyOptional({ default: 0.01, description: 'a KS or chi-squared p-value below this flags drift' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  p_threshold?: number;
}

export class FeatureDriftDto {
  @ApiProperty() feature!: string;
  @ApiProperty({ enum: ['number', 'category'] }) type!: string;
  @ApiProperty() baselineCount!: number;
  @ApiProperty() recentCount!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'population stability index' }) psi!:
    number | null;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'Kolmogorov–Smirnov statistic' }) ks?:
    number | null;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'asymptotic two-sided p-value' })
  ksPValue?: number | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) chi2?: number | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) chi2PValue?: number | null;
  @ApiProperty() drift!: boolean;
  @ApiPropertyOptional() note?: string;
  @ApiProperty({ description: 'the feature label of this series on omega_model_drift' })
  gaugeFeature!: string;
}

export class MonitorResultDto {
  @ApiProperty() model!: string;
  @ApiProperty({ description: 'where results are stored, one run per check' }) experiment!: string;
  @ApiProperty() run!: number;
  @ApiProperty() baseline!: string;
  @ApiProperty({ description: 'logged input rows compared' }) recentRows!: number;
  @ApiProperty() psiThreshold!: number;
  @ApiProperty() pThreshold!: number;
  @ApiProperty({ description: 'some feature drifted' }) alert!: boolean;
  @ApiProperty({ description: 'the model label of this model on omega_model_drift' }) gaugeModel!: string;
  @ApiProperty({ type: [FeatureDriftDto] }) features!: FeatureDriftDto[];
}

/** `PUT /api/v1/model/{name}/monitor`: the check of `POST …/monitor` run on a schedule. */
export class MonitorScheduleDto extends IntersectionType(
  OmitType(MonitorModelDto, ['since'] as const),
  PickType(SetScheduleDto, ['text', 'timezone'] as const),
) {
  @ApiPropertyOptional({ example: '*/5 * * * *', description: 'five-field cron expression (or give text)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  schedule?: string;
}

export class MonitorCheckDto {
  @ApiProperty() baseline!: string;
  @ApiPropertyOptional({ type: [String] }) features?: string[];
  @ApiPropertyOptional() psiThreshold?: number;
  @ApiPropertyOptional() pThreshold?: number;
}

export class MonitorScheduleAnswerDto {
  @ApiProperty() model!: string;
  @ApiProperty({ example: '*/5 * * * *' }) cron!: string;
  @ApiPropertyOptional({ description: 'the plain-English form it was set in' }) text?: string;
  @ApiProperty() timezone!: string;
  @ApiProperty({ type: MonitorCheckDto, description: 'the check each firing runs' }) check!: MonitorCheckDto;
  @ApiProperty({ description: "who set it; the checks' runs name this user" }) user!: string;
  @ApiProperty() created!: Date;
  @ApiProperty() modified!: Date;
  @ApiPropertyOptional({ description: 'the due time it last fired for' }) lastRun?: Date;
  @ApiPropertyOptional({ description: 'the task of that firing' }) lastTaskId?: string;
  @ApiProperty({ type: [Date], description: 'the next times it fires' }) next!: Date[];
}

export class MonitorUnscheduledDto {
  @ApiProperty() unscheduled!: string;
}
