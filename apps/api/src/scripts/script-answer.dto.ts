import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ANY_JSON, ListPageDto, TaskAcceptedDto } from '../http/answer-docs';

class ScriptSourceDto {
  @ApiPropertyOptional({ example: 'index.ts' }) filename?: string;
  @ApiPropertyOptional({ description: 'bytes' }) size?: number;
}

/** What a script's Metadata shows of its build. */
export class ScriptKindMetaDto {
  @ApiPropertyOptional({ example: 'typescript' }) language?: string;
  @ApiPropertyOptional({ example: 'index.ts' }) entry?: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'npm packages bundled in, name to version',
    example: { ms: '2.1.3' },
  })
  dependencies?: Record<string, string>;
  @ApiPropertyOptional({ description: 'bytes of the built bundle' }) bundleSize?: number;
  @ApiPropertyOptional() sha256?: string;
  @ApiPropertyOptional({ type: ScriptSourceDto }) source?: ScriptSourceDto;
  @ApiPropertyOptional({ description: 'the user it was stored by, whom its runs act for by default' })
  owner?: string;
}

/** A script's Metadata as the API shows it. */
export class ScriptDto {
  @ApiProperty({ example: 'hello' }) name!: string;
  @ApiProperty({ example: 'script.js' }) kind!: string;
  @ApiProperty({ example: 'default' }) bucket!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) attributes!: Record<string, unknown>;
  @ApiProperty({ type: ScriptKindMetaDto }) kindMeta!: ScriptKindMetaDto;
  @ApiProperty() created!: Date;
  @ApiProperty() modified!: Date;
}

export class ScriptListDto extends ListPageDto(ScriptDto) {}

/** `POST /api/v1/script/{name}/run`: omega-ml's answer plus what the script printed. */
export class ScriptRunAnswerDto {
  @ApiProperty({ example: 'hello' }) script!: string;
  @ApiProperty({ ...ANY_JSON, description: 'what run(om, ...args) returned' }) result!: unknown;
  @ApiProperty({ description: 'seconds' }) runtimes!: number;
  @ApiProperty() started!: string;
  @ApiProperty() ended!: string;
  @ApiProperty() stdout!: string;
  @ApiProperty() stderr!: string;
  @ApiProperty({ format: 'uuid' }) task_id!: string;
}

/** 202: an async run was submitted; its result is at `resource_uri` (also the Location). */
export class ScriptRunAcceptedDto extends TaskAcceptedDto {
  @ApiProperty({ example: 'hello' }) script!: string;
}
