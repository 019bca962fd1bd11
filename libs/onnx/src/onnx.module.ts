import { Module } from '@nestjs/common';
import { OnnxEngine } from './onnx.engine';

/** Provides the `onnx.model` engine; the models lib's registry finds it by its `@ModelEngine` mark. */
@Module({ providers: [OnnxEngine], exports: [OnnxEngine] })
export class OnnxModule {}
