export * from './console.module';
export * from './rendering/console-files';
