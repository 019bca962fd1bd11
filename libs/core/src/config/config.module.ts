import { DynamicModule, Global, Module } from '@nestjs/common';
import { loadConfig, OmegaConfig } from './omega-config';

export const OMEGA_CONFIG = Symbol('OMEGA_CONFIG');

/**
 * Hands the validated configuration to every module. Apps load it once at boot (so a bad variable stops
 * the process before anything listens) and pass it in; tests pass their own.
 */
@Global()
@Module({})
export class OmegaConfigModule {
  static forRoot(config: OmegaConfig = loadConfig()): DynamicModule {
    return {
      module: OmegaConfigModule,
      providers: [{ provide: OMEGA_CONFIG, useValue: config }],
      exports: [OMEGA_CONFIG],
    };
  }
}
