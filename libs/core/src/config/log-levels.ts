import type { LogLevel } from '@nestjs/common';
import type { OmegaConfig } from './omega-config';

/** Nest's logger levels for `OMEGA_LOG_LEVEL`: the named level and every more severe one. */
export function nestLogLevels(level: OmegaConfig['logLevel']): LogLevel[] {
  const order = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
  return order.slice(0, order.indexOf(level) + 1);
}
