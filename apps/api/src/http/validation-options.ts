import type { ValidationPipeOptions } from '@nestjs/common';

/** Strict everywhere: unknown properties are an error, not silently dropped. */
export const VALIDATION_OPTIONS: ValidationPipeOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  forbidUnknownValues: true,
  stopAtFirstError: false,
};
