import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import {
  Actor,
  ApiKeysService,
  AuditService,
  CurrentActor,
  PlatformAdmin,
  Roles,
  TenantProvisioningService,
  TenantsService,
  UserAccountsService,
  UsersService,
} from '@omega/accounts';
import {
  ApiKeyDto,
  AuditEventDto,
  AuditQueryDto,
  CreatedApiKeyDto,
  KeyQueryDto,
  KeyRateLimitsDto,
  MembershipDto,
  NewKeyDto,
  NewTenantDto,
  NewUserDto,
  PageQueryDto,
  TenantDto,
  UserAccountDto,
  UserDto,
} from './admin.dto';

/**
 * Platform administration: tenants, users, memberships, API keys and the audit trail of all tenants.
 * Only for platform admins who are also admins of the tenant they signed in to. Every change is audited
 * with the caller and their address.
 */
@ApiTags('admin')
@Roles('admin')
@PlatformAdmin()
@Controller('api/v1/admin')
export class AdminController {
  constructor(
    private readonly tenants: TenantsService,
    private readonly provisioning: TenantProvisioningService,
    private readonly users: UsersService,
    private readonly accounts: UserAccountsService,
    private readonly keys: ApiKeysService,
    private readonly audit: AuditService,
  ) {}

  @Get('tenants')
  @ApiOperation({ summary: 'List tenants' })
  @ApiOkResponse({ type: [TenantDto] })
  listTenants(@Query() page: PageQueryDto): Promise<TenantDto[]> {
    return this.tenants.list(page);
  }

  @Post('tenants')
  @ApiOperation({ summary: 'Create a tenant with its database' })
  @ApiCreatedResponse({ type: TenantDto })
  createTenant(@Body() body: NewTenantDto, @CurrentActor() by: Actor): Promise<TenantDto> {
    return this.provisioning.create(body.name, by);
  }

  @Get('tenants/:name')
  @ApiOperation({ summary: 'One tenant' })
  @ApiOkResponse({ type: TenantDto })
  getTenant(@Param('name') name: string): Promise<TenantDto> {
    return this.tenants.get(name);
  }

  @Post('tenants/:name/disable')
  @HttpCode(204)
  @ApiOperation({ summary: 'Disable a tenant: its keys and logins stop working at once, its data stays' })
  @ApiNoContentResponse({ description: 'disabled' })
  disableTenant(@Param('name') name: string, @CurrentActor() by: Actor): Promise<void> {
    return this.tenants.setDisabled(name, true, by);
  }

  @Post('tenants/:name/enable')
  @HttpCode(204)
  @ApiOperation({ summary: 'Enable a disabled tenant again' })
  @ApiNoContentResponse({ description: 'enabled' })
  enableTenant(@Param('name') name: string, @CurrentActor() by: Actor): Promise<void> {
    return this.tenants.setDisabled(name, false, by);
  }

  @Get('users')
  @ApiOperation({ summary: 'List users' })
  @ApiOkResponse({ type: [UserDto] })
  listUsers(@Query() page: PageQueryDto): Promise<UserDto[]> {
    return this.users.list(page);
  }

  @Post('users')
  @ApiOperation({ summary: 'Create a user, optionally with a password and a membership' })
  @ApiCreatedResponse({ type: UserAccountDto })
  createUser(@Body() body: NewUserDto, @CurrentActor() by: Actor): Promise<UserAccountDto> {
    return this.accounts.create(body, by);
  }

  @Get('users/:userid')
  @ApiOperation({ summary: 'One user with their memberships' })
  @ApiOkResponse({ type: UserAccountDto })
  getUser(@Param('userid') userid: string): Promise<UserAccountDto> {
    return this.accounts.get(userid);
  }

  @Post('users/:userid/disable')
  @HttpCode(204)
  @ApiOperation({ summary: 'Disable a user: logins, tokens and keys stop working at once' })
  @ApiNoContentResponse({ description: 'disabled' })
  disableUser(@Param('userid') userid: string, @CurrentActor() by: Actor): Promise<void> {
    return this.users.setDisabled(userid, true, by);
  }

  @Post('users/:userid/enable')
  @HttpCode(204)
  @ApiOperation({ summary: 'Enable a disabled user again' })
  @ApiNoContentResponse({ description: 'enabled' })
  enableUser(@Param('userid') userid: string, @CurrentActor() by: Actor): Promise<void> {
    return this.users.setDisabled(userid, false, by);
  }

  @Put('users/:userid/memberships/:tenant')
  @ApiOperation({ summary: 'Make the user a member of the tenant, or change their role there' })
  @ApiOkResponse({ type: UserAccountDto, description: 'the user with their memberships' })
  setMembership(
    @Param('userid') userid: string,
    @Param('tenant') tenant: string,
    @Body() body: MembershipDto,
    @CurrentActor() by: Actor,
  ): Promise<UserAccountDto> {
    return this.accounts.setMembership(userid, tenant, body.role, by);
  }

  @Delete('users/:userid/memberships/:tenant')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove the user from the tenant' })
  @ApiNoContentResponse({ description: 'removed' })
  removeMembership(
    @Param('userid') userid: string,
    @Param('tenant') tenant: string,
    @CurrentActor() by: Actor,
  ): Promise<void> {
    return this.accounts.removeMembership(userid, tenant, by);
  }

  @Get('keys')
  @ApiOperation({ summary: 'List API keys (prefix only, never the key)' })
  @ApiOkResponse({ type: [ApiKeyDto] })
  listKeys(@Query() query: KeyQueryDto): Promise<ApiKeyDto[]> {
    const { userid, tenant, ...page } = query;
    return this.keys.list({ userid, tenant }, page);
  }

  @Post('keys')
  @ApiOperation({ summary: 'Create an API key for a member of a tenant: the key is in this answer only' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  createKey(@Body() body: NewKeyDto, @CurrentActor() by: Actor): Promise<CreatedApiKeyDto> {
    return this.keys.create(body, by);
  }

  @Delete('keys/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key (effective on its next request)' })
  @ApiNoContentResponse({ description: 'revoked' })
  revokeKey(@Param('id', new ParseUUIDPipe()) id: string, @CurrentActor() by: Actor): Promise<void> {
    return this.keys.revoke(id, by);
  }

  @Put('keys/:id/limits')
  @ApiOperation({
    summary: "Set an API key's own rate limits (requests per window; 0 = none, null = the role's or default)",
  })
  @ApiOkResponse({ type: ApiKeyDto, description: 'the key with its limits' })
  setKeyLimits(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: KeyRateLimitsDto,
    @CurrentActor() by: Actor,
  ): Promise<ApiKeyDto> {
    // Only the limits the body names: absent ones stay as they are.
    const limits = Object.fromEntries(
      Object.entries({ api: body.api, uploads: body.uploads, keys: body.keys }).filter(
        ([, v]) => v !== undefined,
      ),
    ) as Record<string, number | null>;
    return this.keys.setRateLimits(id, limits, by);
  }

  @Get('audit')
  @ApiOperation({ summary: 'The audit trail, newest first, filtered by tenant, actor or action' })
  @ApiOkResponse({ type: [AuditEventDto] })
  listAudit(@Query() query: AuditQueryDto): Promise<AuditEventDto[]> {
    const { tenant, actor, action, ...page } = query;
    return this.audit.list({ tenant, actor, action }, page);
  }
}
