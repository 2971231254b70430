import { Controller, Get, Header } from '@nestjs/common';
import { Cors } from 'nestjs-cors-policy';

@Controller('reports')
@Cors({ credentials: true })
export class ReportsController {
  @Get()
  @Cors({ exposedHeaders: ['X-Total-Count'] })
  @Header('X-Total-Count', '0')
  list(): string[] {
    return [];
  }
}
