import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ListPageDto, TaskAcceptedDto } from '../http/answer-docs';

/** One run in a job's history. */
export class JobRunDto {
  @ApiProperty({ enum: ['SUCCESS', 'FAILURE'] }) status!: string;
  @ApiProperty() started!: string;
  @ApiProperty() ended!: string;
  @ApiProperty() durationMs!: number;
  @ApiProperty({ description: 'the executed notebook', example: 'results/weekly_20261202T181958250Z.ipynb' })
  result!: string;
  @ApiPropertyOptional({ description: 'the first lines of the error of a failed run' }) error?: string;
  @ApiProperty() userid!: string;
}

/** `GET /api/v1/job/{name}`: the job with omega-ml's `{job, job_results, job_runs, created}`. */
export class JobDetailDto {
  @ApiProperty({ example: 'weekly' }) name!: string;
  @ApiProperty({ example: 'notebook.ipynb' }) kind!: string;
  @ApiProperty() bucket!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) attributes!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true }) kindMeta!: Record<string, unknown>;
  @ApiProperty() created!: Date;
  @ApiProperty() modified!: Date;
  @ApiProperty({ example: 'weekly.ipynb', description: "omega-ml's name of the job: its notebook" })
  job!: string;
  @ApiProperty({ type: [String], description: 'the executed notebooks of its runs, oldest first' })
  job_results!: string[];
  @ApiProperty({ type: [JobRunDto] }) job_runs!: JobRunDto[];
  @ApiPropertyOptional({ example: 'weekly.ipynb', description: 'for an executed notebook: its job' })
  source_job?: string;
}

class RunErrorDto {
  @ApiProperty({ example: 'SCRIPT_FAILED' }) code!: string;
  @ApiProperty() message!: string;
}

/** `POST /api/v1/job/{name}/run`: the job's detail after the run, with the run's own fields over it. */
export class JobRunAnswerDto {
  @ApiProperty({ example: 'weekly', description: "the job's name (the detail's `job` is its notebook)" })
  job!: string;
  @ApiProperty({ enum: ['SUCCESS', 'FAILURE'] }) status!: string;
  @ApiProperty({ description: 'the executed notebook of this run' }) result!: string;
  @ApiProperty({ description: 'seconds' }) runtimes!: number;
  @ApiProperty() started!: string;
  @ApiProperty() ended!: string;
  @ApiPropertyOptional({ type: RunErrorDto }) error?: RunErrorDto;
  @ApiProperty({ format: 'uuid' }) task_id!: string;
  @ApiProperty() bucket!: string;
  @ApiProperty() created!: Date;
  @ApiProperty() modified!: Date;
  @ApiProperty({ type: [String] }) job_results!: string[];
  @ApiProperty({ type: [JobRunDto] }) job_runs!: JobRunDto[];
}

/** A notebook's facts (a job's, or an executed notebook's under results/). */
export class JobKindMetaDto {
  @ApiPropertyOptional({ example: 4 }) nbformat?: number;
  @ApiPropertyOptional({ example: 'typescript' }) language?: string;
  @ApiPropertyOptional() cells?: number;
  @ApiPropertyOptional() codeCells?: number;
  @ApiPropertyOptional({ description: 'bytes' }) size?: number;
  @ApiPropertyOptional() sha256?: string;
  @ApiPropertyOptional({ description: 'the user it was stored by, whom its runs act for by default' })
  owner?: string;
  @ApiPropertyOptional({ type: [JobRunDto], description: 'oldest first' }) runs?: JobRunDto[];
  @ApiPropertyOptional({ description: 'for an executed notebook: the job it is a run of' }) job?: string;
}

/** A job's Metadata as stored and listed: its notebook's facts and run history under `kindMeta`. */
export class JobDto {
  @ApiProperty({ example: 'weekly' }) name!: string;
  @ApiProperty({ example: 'notebook.ipynb' }) kind!: string;
  @ApiProperty() bucket!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) attributes!: Record<string, unknown>;
  @ApiProperty({ type: JobKindMetaDto }) kindMeta!: JobKindMetaDto;
  @ApiProperty() created!: Date;
  @ApiProperty() modified!: Date;
}

export class JobListDto extends ListPageDto(JobDto) {}

/** 202: an async run was submitted; its result is at `resource_uri` (also the Location). */
export class JobRunAcceptedDto extends TaskAcceptedDto {
  @ApiProperty({ example: 'weekly' }) job!: string;
}

export class NotebookCellDto {
  @ApiProperty({ enum: ['code', 'markdown', 'raw'] }) cell_type!: string;
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] })
  source!: string | string[];
  @ApiPropertyOptional({ type: 'array', items: { type: 'object', additionalProperties: true } })
  outputs?: unknown[];
  @ApiPropertyOptional({ type: Number, nullable: true }) execution_count?: number | null;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) metadata?: Record<string, unknown>;
}

/** A Jupyter notebook (nbformat 4). */
export class NotebookDto {
  @ApiProperty({ example: 4 }) nbformat!: number;
  @ApiProperty({ example: 5 }) nbformat_minor!: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata!: Record<string, unknown>;
  @ApiProperty({ type: [NotebookCellDto] }) cells!: NotebookCellDto[];
}
