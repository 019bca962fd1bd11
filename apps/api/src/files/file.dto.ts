import { ApiProperty } from '@nestjs/swagger';
import { ListPageDto } from '../http/answer-docs';

/** A file's Metadata as the API shows it (what a put answers). */
export class FileDto {
  @ApiProperty({ example: 'reports/q3.pdf' }) name!: string;
  @ApiProperty({ example: 'file.blob' }) kind!: string;
  @ApiProperty({ example: 'default' }) bucket!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) attributes!: Record<string, unknown>;
  @ApiProperty({ description: 'bytes', example: 52_311 }) size!: number;
  @ApiProperty({ example: 'application/pdf' }) contentType!: string;
  @ApiProperty({ description: 'hex digest of the content, also its ETag' }) sha256!: string;
  @ApiProperty() created!: Date;
  @ApiProperty() modified!: Date;
}

export class FileListDto extends ListPageDto(FileDto) {}
