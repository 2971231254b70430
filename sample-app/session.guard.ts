import { Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';

export const SESSION_COOKIE = 'demo_session';
export const SESSION_VALUE = 'signed-in';

/** Lets a request through when it carries the demo session cookie; otherwise answers 401. */
@Injectable()
export class SessionGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: IncomingHttpHeaders }>();
    const cookies = request.headers.cookie ?? '';
    const signedIn = cookies.split(';').some((cookie) => cookie.trim() === `${SESSION_COOKIE}=${SESSION_VALUE}`);
    if (!signedIn) throw new UnauthorizedException('Sign in first');
    return true;
  }
}
