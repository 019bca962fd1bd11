export * from './onnx.module';
export * from './onnx.engine';
