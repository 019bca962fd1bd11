import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

/** Paging and filtering of object lists, shared by every `GET /api/v1/<kind>/`. */
export class ListQueryDto {
  @ApiPropertyOptional({ description: 'glob over names, e.g. `sales/*`' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  pattern?: string;

  @ApiPropertyOptional({ description: 'only objects of this kind, e.g. `table.rows`' })
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9_.-]{0,63}$/, { message: 'kind must be a kind name such as table.rows' })
  kind?: string;

  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

/** omega-ml's (tastypie's) list envelope. */
export function listEnvelope<T>(items: T[], total: number, query: ListQueryDto) {
  return {
    objects: items,
    meta: { limit: query.limit ?? 100, offset: query.offset ?? 0, total_count: total },
  };
}
