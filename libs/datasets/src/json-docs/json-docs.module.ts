import { Module } from '@nestjs/common';
import { JsonDocsPlugin } from './json-docs.plugin';

@Module({ providers: [JsonDocsPlugin], exports: [JsonDocsPlugin] })
export class JsonDocsModule {}
