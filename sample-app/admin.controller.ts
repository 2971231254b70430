import { Controller, Get } from '@nestjs/common';
import { Cors } from '../src/index.js';

/**
 * Open only to the admin panel's origins. Decorators are evaluated before the .env file is read, so the
 * list is read when a request comes (ConfigModule has loaded it into process.env by then).
 */
const adminOrigins = () => (process.env.ADMIN_ORIGINS ?? '').split(',').map((origin) => origin.trim());

@Controller('admin')
@Cors({ origin: (origin) => adminOrigins().includes(origin), credentials: true })
export class AdminController {
  @Get('stats')
  stats() {
    return { users: 42, reports: 2 };
  }
}
