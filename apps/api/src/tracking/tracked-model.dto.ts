import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';

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
