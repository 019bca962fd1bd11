/** Unit tests sit beside the code (`*.spec.ts`); integration and end-to-end tests in test/ (`*.e2e-spec.ts`). */
const moduleNameMapper = {
  '^@omega/(core|datasets|sql|files|embedded|metrics|runtime|models|onnx|mljs|accounts|console|client|schedules|scripts|jobs|tracking|cloud)$':
    '<rootDir>/libs/$1/src',
  '^@omega/(core|datasets|sql|files|embedded|metrics|runtime|models|onnx|mljs|accounts|console|client|schedules|scripts|jobs|tracking|cloud)/(.*)$':
    '<rootDir>/libs/$1/src/$2',
};
const transform = { '^.+\\.ts$': ['ts-jest', {}] };

module.exports = {
  testTimeout: 120000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: '<rootDir>/test/support/typed-arrays-environment.ts',
      rootDir: __dirname,
      roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/test/support'],
      testRegex: '\\.spec\\.ts$',
      moduleFileExtensions: ['ts', 'js', 'json'],
      moduleNameMapper,
      transform,
    },
    {
      displayName: 'integration',
      testEnvironment: '<rootDir>/test/support/typed-arrays-environment.ts',
      rootDir: __dirname,
      roots: ['<rootDir>/test'],
      testRegex: '\\.e2e-spec\\.ts$',
      moduleFileExtensions: ['ts', 'js', 'json'],
      moduleNameMapper,
      transform,
      setupFiles: ['<rootDir>/test/support/load-services-env.ts'],
    },
  ],
};
