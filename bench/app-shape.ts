import { Body, Controller, Delete, Get, HttpCode, Module, Param, Post, Put, type DynamicModule, type Type } from '@nestjs/common';
import type { CorsOptions } from '@nestjs/common/internal';
import { Cors, CorsModule, type CorsPolicyOptions } from '../src/index.js';

/** The benchmark's app: 10 controllers × 5 routes under the global prefix `api`, half of them with `:id`. */
export const CONTROLLERS = 10;
export const ALLOWED_ORIGIN = 'https://app.example.com';
export const REFUSED_ORIGIN = 'https://evil.example.net';
/** The route every scenario calls: a controller with a `@Cors` override in D and E, a path with a parameter. */
export const MEASURED_PATH = '/api/c4/items/42';

/** The options every CORS variant starts from; B hands them to `app.enableCors()`. */
export const SAME_OPTIONS = {
  origin: [ALLOWED_ORIGIN, 'https://admin.example.com', 'http://localhost:5173'],
  methods: ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'],
  allowedHeaders: ['Content-Type', 'X-Request-Id'],
  exposedHeaders: ['X-Total-Count'],
  credentials: true,
  maxAge: 600,
} satisfies CorsOptions & CorsPolicyOptions;

export type Variant = 'A' | 'B' | 'C' | 'D' | 'E' | 'D2';

export const VARIANTS: Record<Variant, string> = {
  A: 'no CORS',
  B: 'app.enableCors()',
  C: 'CorsModule.forRoot()',
  D: 'forRoot + @Cors overrides',
  E: 'D + 10,000 origins + 2 patterns',
  D2: 'D again (control: the noise floor)',
};

/** 10,000 exact origins and two wildcard patterns, with the measured origins among them. */
export function largeOriginList(): string[] {
  const origins = Array.from({ length: 10_000 - SAME_OPTIONS.origin.length }, (_, i) => `https://tenant-${i}.customers.example.org`);
  return [...origins, ...SAME_OPTIONS.origin, 'https://*.example.io', 'https://*.partners.example.com'];
}

const item = (id: string) => ({ id, name: `item ${id}`, tags: ['alpha', 'beta'], price: 12.5 });

function makeController(index: number, overrides: boolean): Type {
  @Controller(`c${index}`)
  class ItemsController {
    @Get('items') list() { return [item('1'), item('2')]; }
    @Get('items/:id') one(@Param('id') id: string) { return item(id); }
    @Post('items') @HttpCode(201) create(@Body() body: unknown) { return { created: body }; }
    @Put('items/:id') update(@Param('id') id: string, @Body() body: unknown) { return { id, body }; }
    @Delete('items/:id') remove(@Param('id') id: string) { return { id }; }
  }
  Object.defineProperty(ItemsController, 'name', { value: `Items${index}Controller` });
  if (overrides && index % 2 === 0) {
    // Half of the controllers override fields other than the origin, so E's big list stays in force.
    Cors({ exposedHeaders: ['X-Total-Count', 'X-Request-Id'], maxAge: 300 })(ItemsController);
    const descriptor = Object.getOwnPropertyDescriptor(ItemsController.prototype, 'one')!;
    Cors({ exposedHeaders: ['X-Total-Count', 'ETag'] })(ItemsController.prototype, 'one', descriptor);
  }
  if (overrides && index % 3 === 1) {
    const descriptor = Object.getOwnPropertyDescriptor(ItemsController.prototype, 'create')!;
    Cors({ origin: ['https://admin.example.com'], allowedHeaders: ['Content-Type'] })(ItemsController.prototype, 'create', descriptor);
  }
  return ItemsController;
}

export function benchModule(variant: Variant): DynamicModule {
  const overrides = variant === 'D' || variant === 'D2' || variant === 'E';
  const controllers = Array.from({ length: CONTROLLERS }, (_, index) => makeController(index, overrides));
  const imports: DynamicModule[] = [];
  if (variant === 'C' || variant === 'D' || variant === 'D2') imports.push(CorsModule.forRoot(SAME_OPTIONS));
  if (variant === 'E') imports.push(CorsModule.forRoot({ ...SAME_OPTIONS, origin: largeOriginList() }));
  @Module({})
  class BenchModule {}
  return { module: BenchModule, imports, controllers };
}
