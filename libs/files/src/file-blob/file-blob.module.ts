import { Module } from '@nestjs/common';
import { FileBlobPlugin } from './file-blob.plugin';

@Module({ providers: [FileBlobPlugin], exports: [FileBlobPlugin] })
export class FileBlobModule {}
