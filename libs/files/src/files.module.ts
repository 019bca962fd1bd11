import { Module } from '@nestjs/common';
import { FileBlobModule } from './file-blob/file-blob.module';
import { FilesService } from './files.service';

@Module({ imports: [FileBlobModule], providers: [FilesService], exports: [FilesService] })
export class FilesModule {}
