export * from './embedded-mongo';
