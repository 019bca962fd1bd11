import { ApiProperty } from '@nestjs/swagger';

/** `GET /api/v1/ping`: omega-ml's ping, with the server's version. */
export class PingDto {
  @ApiProperty({ example: 'ping return message' }) message!: string;
  @ApiProperty({ format: 'date-time' }) time!: string;
  @ApiProperty({ example: '0.1.0' }) version!: string;
}

/** `GET /health/live`: the process answers. */
export class LiveDto {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
}

/** One dependency's check: up or down, and how long it took to answer (or fail). */
export class HealthCheckDto {
  @ApiProperty({ enum: ['up', 'down'] }) status!: 'up' | 'down';
  @ApiProperty({ example: 2 }) ms!: number;
}

export class HealthChecksDto {
  @ApiProperty({ type: HealthCheckDto }) mongodb!: HealthCheckDto;
}

/** `GET /health`: ready (200, `ok`) or not (503, `unavailable`), with each dependency's check. */
export class HealthDto {
  @ApiProperty({ enum: ['ok', 'unavailable'] }) status!: 'ok' | 'unavailable';
  @ApiProperty({ type: HealthChecksDto }) checks!: HealthChecksDto;
}
