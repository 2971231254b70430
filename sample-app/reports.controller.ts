import { Body, Controller, Get, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { Cors } from '../src/index.js';
import { nodeResponse, type AnyResponse } from './node-response.js';

interface Report {
  id: number;
  title: string;
}

const reports: Report[] = [
  { id: 1, title: 'Q1 revenue' },
  { id: 2, title: 'Q2 revenue' },
];

/** Follows the global default policy; the list exposes its total count to the page. */
@Controller('reports')
export class ReportsController {
  @Get()
  @Cors({ exposedHeaders: ['X-Total-Count'] })
  list(@Res({ passthrough: true }) res: AnyResponse): Report[] {
    nodeResponse(res).setHeader('X-Total-Count', String(reports.length));
    return reports;
  }

  /** The global default policy. X-Total-Count is sent, but not exposed: the page cannot read it here. */
  @Get('summary')
  summary(@Res({ passthrough: true }) res: AnyResponse) {
    nodeResponse(res).setHeader('X-Total-Count', String(reports.length));
    return { count: reports.length };
  }

  /** JSON with a custom header: a browser sends a preflight first. */
  @Post()
  @HttpCode(201)
  create(@Body() body: { title?: string }, @Headers('x-request-id') requestId?: string) {
    const report = { id: reports.length + 1, title: body.title ?? 'untitled' };
    return { report, requestId: requestId ?? null };
  }
}
