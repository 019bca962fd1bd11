import { ApiProperty } from '@nestjs/swagger';
import { Role, ROLES } from '@omega/accounts';

/** `GET /api/v1/config`: what a client needs to talk to its platform, for the caller's tenant and qualifier. */
export class ClientConfigDto {
  @ApiProperty({ example: 'http://localhost:5000', description: "the platform's public URL" }) url!: string;
  @ApiProperty({ example: '/api/v1/' }) api!: string;
  @ApiProperty({ example: 'admin' }) userid!: string;
  @ApiProperty({ example: 'default' }) tenant!: string;
  @ApiProperty({ example: 'default' }) qualifier!: string;
  @ApiProperty({ example: 'default' }) bucket!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty({ type: [String], example: ['default'], description: 'the labels workers serve, sorted' })
  worker_labels!: string[];
  @ApiProperty({ enum: ['broker', 'in-process'] }) runtime!: 'broker' | 'in-process';
  @ApiProperty({ example: '0.1.0' }) version!: string;
}
