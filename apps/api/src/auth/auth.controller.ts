import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
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
  AuthService,
  CurrentActor,
  CurrentPrincipal,
  LoginRoute,
  OwnApiKeysService,
  Principal,
  Public,
  RateLimiter,
  ReadOnlyAllowed,
} from '@omega/accounts';
import type { Request } from 'express';
import { ListQueryDto } from '../http/list-query.dto';
import { ApiKeyDto, CreatedApiKeyDto } from '../admin/admin.dto';
import { LoginAnswerDto, LoginDto, NewApiKeyDto, WhoAmIDto } from './auth.dto';

@ApiTags('auth')
@Controller('api/v1/auth')
// Managing one's own credentials is not a write to the tenant's objects: readonly users may do it.
@ReadOnlyAllowed()
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly keys: OwnApiKeysService,
    private readonly limits: RateLimiter,
  ) {}

  @Public()
  @LoginRoute()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Password login: answers a JWT for `Authorization: Bearer <token>`' })
  @ApiOkResponse({ type: LoginAnswerDto })
  async login(@Body() body: LoginDto, @Req() req: Request): Promise<LoginAnswerDto> {
    const { token, principal } = await this.auth.login(body.userid, body.password, fromOf(req), body.tenant);
    return {
      token,
      token_type: 'Bearer',
      userid: principal.userid,
      tenant: principal.tenant,
      role: principal.role,
    };
  }

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({
    summary: 'End this login: its Bearer token (or console session) is refused from now on',
  })
  @ApiNoContentResponse({ description: 'logged out' })
  async logout(@Req() req: Request): Promise<void> {
    await this.auth.logout(req);
  }

  @Get('me')
  @ApiOperation({ summary: 'Who the credentials speak for, with their rate limits and use in this window' })
  @ApiOkResponse({ type: WhoAmIDto })
  async me(@CurrentPrincipal() principal: Principal): Promise<WhoAmIDto> {
    const { rateLimits: _own, ...who } = principal;
    return { ...who, limits: await this.limits.usage(principal) };
  }

  @Get('keys')
  @ApiOperation({ summary: 'My API keys in my tenant (prefix only, never the key)' })
  @ApiOkResponse({ type: [ApiKeyDto] })
  listKeys(@CurrentPrincipal() principal: Principal, @Query() query: ListQueryDto): Promise<ApiKeyDto[]> {
    return this.keys.list(principal, query);
  }

  @Post('keys')
  @ApiOperation({ summary: 'A new API key for me: the key is in this answer only' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  createKey(
    @CurrentPrincipal() principal: Principal,
    @Body() body: NewApiKeyDto,
    @CurrentActor() by: Actor,
  ): Promise<CreatedApiKeyDto> {
    return this.keys.create(principal, body, by);
  }

  @Delete('keys/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke one of my API keys (effective on its next request)' })
  @ApiNoContentResponse({ description: 'revoked' })
  revokeKey(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentActor() by: Actor,
  ): Promise<void> {
    return this.keys.revoke(principal, id, by);
  }
}

function fromOf(req: Request) {
  return { ip: req.ip, userAgent: req.header('user-agent') };
}
