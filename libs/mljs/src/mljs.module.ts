import { Module } from '@nestjs/common';
import { MljsEngine } from './mljs.engine';

/** Provides the `mljs.*` engine; the models lib's registry finds it by its `@ModelEngine` mark. */
@Module({ providers: [MljsEngine], exports: [MljsEngine] })
export class MljsModule {}
