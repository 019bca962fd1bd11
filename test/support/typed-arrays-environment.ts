import { TestEnvironment } from 'jest-environment-node';
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';

/**
 * Jest runs each test file in a realm of its own, with its own Float32Array & co., while
 * onnxruntime-node's native code creates output arrays in the host realm; onnxruntime-common's
 * `instanceof` check then fails ("A float32 tensor's data must be type of function Float32Array()").
 * Node runs one realm, so only tests need this: the test realm gets the host's typed arrays, as Jest
 * already does for Uint8Array and ArrayBuffer. jest.config.js uses it for every project.
 */
export default class TypedArraysEnvironment extends TestEnvironment {
  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    Object.assign(this.global, {
      Int8Array,
      Uint8ClampedArray,
      Int16Array,
      Uint16Array,
      Int32Array,
      Uint32Array,
      Float32Array,
      Float64Array,
      BigInt64Array,
      BigUint64Array,
    });
  }
}
