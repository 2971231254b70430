import { Controller, Get } from '@nestjs/common';
import { Cors } from '../src/index.js';

@Controller('internal')
export class InternalController {
  /** For servers only: no CORS headers, preflights refused. */
  @Get('metrics')
  @Cors(false)
  metrics() {
    return { uptime: Math.round(process.uptime()) };
  }
}
