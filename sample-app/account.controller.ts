import { Controller, Delete, Get, HttpCode, Post, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { Cors } from '../src/index.js';
import { SESSION_COOKIE, SESSION_VALUE, SessionGuard } from './session.guard.js';

/** Cookie-based session: the global origins, with credentials. */
@Controller('account')
@Cors({ credentials: true })
export class AccountController {
  @Post('session')
  @HttpCode(204)
  signIn(@Res({ passthrough: true }) res: Response): void {
    res.cookie(SESSION_COOKIE, SESSION_VALUE, { httpOnly: true, sameSite: 'lax', path: '/' });
  }

  @Delete('session')
  @HttpCode(204)
  signOut(@Res({ passthrough: true }) res: Response): void {
    res.clearCookie(SESSION_COOKIE, { path: '/' });
  }

  /** Guard-protected: a 401 without the cookie, which the page can read thanks to the CORS headers. */
  @Get('me')
  @UseGuards(SessionGuard)
  me() {
    return { user: 'demo' };
  }
}
