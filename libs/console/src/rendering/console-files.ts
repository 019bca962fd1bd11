import { join } from 'node:path';

/**
 * Where the templates and static files are. The same relative place from this file's folder under ts-jest
 * (libs/console/src) and after `nest build` (dist/apps/api/libs/console/src, copied by nest-cli.json's
 * `assets`).
 */
export const CONSOLE_VIEWS_DIR = join(__dirname, '..', 'views');
export const CONSOLE_STATIC_DIR = join(__dirname, '..', 'static');

/** The console's URL prefix. */
export const CONSOLE_BASE = '/console';
export const CONSOLE_LOGIN = `${CONSOLE_BASE}/login`;
