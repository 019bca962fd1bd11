export * from './files.module';
export * from './files.service';
export * from './byte-range';
export * from './file-download';
export * from './file-blob/file-input';
export * from './file-blob/file-blob.plugin';
export * from './file-blob/file-blob.module';
