import { Module } from '@nestjs/common';
import { AuthModule } from '@omega/accounts';
import { ModelsModule } from '@omega/models';
import { FilesModule } from '@omega/files';
import { JobRunsModule } from '@omega/jobs';
import { RuntimeCoreModule } from '@omega/runtime';
import { SchedulesModule } from '@omega/schedules';
import { TrackingModule } from '@omega/tracking';
import { ScriptRunsModule } from '@omega/scripts';
import { ConsoleAssetsController } from './assets/console-assets.controller';
import { ChartRenderer } from './charts/chart-renderer';
import { ConsoleExceptionFilter } from './http/console-exception.filter';
import { ConsoleTenantSwitchController } from './pages/accounts/console-tenant-switch.controller';
import { ConsoleUsersController } from './pages/accounts/console-users.controller';
import { ConsoleAdminController } from './pages/admin/console-admin.controller';
import { ConsoleHomeController } from './pages/home/console-home.controller';
import { ConsoleJobsController } from './pages/jobs/console-jobs.controller';
import { ConsoleKeysController } from './pages/keys/console-keys.controller';
import { ConsoleLoginController } from './pages/login/console-login.controller';
import { ConsoleFileDownloadController } from './pages/objects/console-file-download.controller';
import { ObjectBrowser } from './pages/objects/object-browser';
import { ConsoleObjectsController } from './pages/objects/console-objects.controller';
import { ConsoleRuntimeController } from './pages/runtime/console-runtime.controller';
import { ConsoleScriptsController } from './pages/scripts/console-scripts.controller';
import { ConsoleSqlController } from './pages/sql/console-sql.controller';
import { ConsoleTrackingController } from './pages/tracking/console-tracking.controller';
import { TrackingPages } from './pages/tracking/tracking-pages';
import { ConsoleRenderer } from './rendering/console-renderer';

/**
 * The admin console under /console: server-rendered pages (Nunjucks) over the libs' services, acting
 * only inside the logged-in user's tenant. Needs the storage core and an app that parses urlencoded
 * bodies and cookies on /console (see apps/api configure-app.ts).
 */
@Module({
  imports: [
    AuthModule,
    ModelsModule,
    FilesModule,
    RuntimeCoreModule,
    ScriptRunsModule,
    JobRunsModule,
    SchedulesModule,
    TrackingModule,
  ],
  controllers: [
    ConsoleAssetsController,
    ConsoleLoginController,
    ConsoleHomeController,
    ConsoleKeysController,
    ConsoleObjectsController,
    ConsoleFileDownloadController,
    ConsoleRuntimeController,
    ConsoleScriptsController,
    ConsoleJobsController,
    ConsoleSqlController,
    ConsoleAdminController,
    ConsoleUsersController,
    ConsoleTenantSwitchController,
    ConsoleTrackingController,
  ],
  providers: [ConsoleRenderer, ConsoleExceptionFilter, ObjectBrowser, ChartRenderer, TrackingPages],
})
export class ConsoleModule {}
