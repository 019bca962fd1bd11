import { ValidationPipe } from '@nestjs/common';
import type { ClassConstructor } from 'class-transformer';
import { VALIDATION_OPTIONS } from './validation-options';

const pipe = new ValidationPipe(VALIDATION_OPTIONS);

/**
 * Validates a body against its DTO by hand: for routes that take either JSON (validated here) or a raw
 * stream (CSV, Arrow, bytes), where a `@Body()` parameter would reject every stream upload.
 */
export async function validateBody<T>(dto: ClassConstructor<T>, body: unknown): Promise<T> {
  return (await pipe.transform(body ?? {}, { type: 'body', metatype: dto })) as T;
}
