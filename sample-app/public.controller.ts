import { Controller, Get } from '@nestjs/common';
import { Cors } from '../src/index.js';

@Controller('public')
export class PublicController {
  /** Public data: any site may read it, without credentials. */
  @Get('status')
  @Cors({ origin: '*' })
  status() {
    return { status: 'ok' };
  }
}
