import { Controller, Delete, Get, HttpCode, Post, Res, UseGuards } from '@nestjs/common';
import { Cors } from '../src/index.js';
import { nodeResponse, type AnyResponse } from './node-response.js';
import { SESSION_COOKIE, SESSION_VALUE, SessionGuard } from './session.guard.js';

/** Cookie-based session: the global origins, with credentials. */
@Controller('account')
@Cors({ credentials: true })
export class AccountController {
  @Post('session')
  @HttpCode(204)
  signIn(@Res({ passthrough: true }) res: AnyResponse): void {
    nodeResponse(res).setHeader('Set-Cookie', `${SESSION_COOKIE}=${SESSION_VALUE}; Path=/; HttpOnly; SameSite=Lax`);
  }

  @Delete('session')
  @HttpCode(204)
  signOut(@Res({ passthrough: true }) res: AnyResponse): void {
    nodeResponse(res).setHeader('Set-Cookie', `${SESSION_COOKIE}=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT`);
  }

  /** Guard-protected: a 401 without the cookie, which the page can read thanks to the CORS headers. */
  @Get('me')
  @UseGuards(SessionGuard)
  me() {
    return { user: 'demo' };
  }
}
