/**
 * The one place the library reads Nest's internals, and decides where Nest 11 and 12 differ: metadata
 * keys, Nest's own scanner of a controller's routes, its host filter, log levels. Every import here exists
 * in both majors (`npm run test:nest11` runs the end-to-end suites on Nest 11).
 */
import { Logger, type HttpServer, type LogLevel } from '@nestjs/common';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { HOST_METADATA, VERSION_METADATA } from '@nestjs/common/constants.js';
import { ApplicationConfig, MetadataScanner, type ModuleRef } from '@nestjs/core';
import { PathsExplorer } from '@nestjs/core/router/paths-explorer.js';
import { RouterExplorer } from '@nestjs/core/router/router-explorer.js';

export { HOST_METADATA, VERSION_METADATA };

export const SUPPORTED_NEST_VERSIONS = 'NestJS 11 and 12';

/**
 * The major version of the running `@nestjs/core`, told by what it has: 12 added route resolution
 * strategies, 11 is the first with Express 5 and the `PathsExplorer` and host filter the library asks.
 */
export function nestMajor(): 11 | 12 | undefined {
  if (typeof (ApplicationConfig.prototype as { getRouteResolutionStrategy?: unknown }).getRouteResolutionStrategy === 'function') return 12;
  const explorer = RouterExplorer.prototype as unknown as Record<string, unknown>;
  if (typeof explorer.applyHostFilter === 'function' && typeof explorer.copyMetadataToCallback === 'function') return 11;
  return undefined;
}

/** Fails the start on a Nest the library does not know, naming the versions it supports. */
export function assertSupportedNest(): void {
  if (nestMajor() === undefined) throw unsupportedNest(runningNestCore());
}

export function unsupportedNest(found: string): Error {
  return new Error(`nestjs-cors-policy supports ${SUPPORTED_NEST_VERSIONS} (with Express 5 or Fastify 5); this app runs ${found}.`);
}

function runningNestCore(): string {
  try {
    return `@nestjs/core ${createRequire(join(process.cwd(), 'package.json'))('@nestjs/core/package.json').version}`;
  } catch {
    return 'a version of @nestjs/core it cannot read';
  }
}

/**
 * Whether Nest's logger writes `level`. Nest 11 answers `false` for every level while none were set
 * explicitly (the default logger, or a logger instance), where Nest 12 reads that as all enabled.
 */
export function isLogLevelEnabled(level: LogLevel): boolean {
  if (Logger.isLevelEnabled(level)) return true;
  const logger = Logger as unknown as { logLevels?: LogLevel[]; staticInstanceRef?: unknown };
  return nestMajor() === 11 && logger.logLevels === undefined && logger.staticInstanceRef !== undefined;
}

/** A controller method Nest registers as a route, as Nest's `PathsExplorer` finds it. */
export interface RouteDefinition {
  readonly methodName: string;
  /** The function Nest copies its metadata from onto the handler it registers with the router. */
  readonly targetCallback: Function;
  /** `@Version()` of the method. */
  readonly version: unknown;
}

const pathsExplorer = new PathsExplorer(new MetadataScanner());

export function routeDefinitionsOf(instance: object, prototype: object): RouteDefinition[] {
  return pathsExplorer.scanForPaths(instance as never, prototype) as unknown as RouteDefinition[];
}

type Filter = (request: unknown, response: unknown, next: () => unknown) => unknown;
const ACCEPT = () => true;
const REJECT = () => false;

/** Nest's own host filter for a controller's `host` option, as a predicate on a request. */
export function hostFilter(adapter: HttpServer, host: unknown): (request: unknown) => boolean {
  const context = { container: { getHttpAdapterRef: () => adapter }, logger: { warn() {}, error() {} } };
  const filter: Filter = (RouterExplorer.prototype as unknown as { applyHostFilter(host: unknown, handler: Filter): Filter }).applyHostFilter.call(
    context,
    host,
    ACCEPT,
  );
  return (request) => filter(request, undefined, REJECT) === true;
}

/** The platform's own version filter (header, media-type or custom versioning), as a predicate. */
export function versionFilter(adapter: HttpServer, version: unknown, config: ApplicationConfig): (request: unknown) => boolean {
  const filter = adapter.applyVersionFilter(ACCEPT as never, version as never, config.getVersioning()!) as unknown as Filter;
  return (request) => filter(request, undefined, REJECT) === true;
}

/**
 * Nest does not offer `ApplicationConfig` (global prefix, versioning) to providers; the container that
 * `ModuleRef` holds has it.
 */
export function applicationConfigOf(moduleRef: ModuleRef): ApplicationConfig {
  const config = (moduleRef as unknown as { container?: { applicationConfig?: ApplicationConfig } }).container
    ?.applicationConfig;
  if (!(config instanceof ApplicationConfig)) {
    throw new Error('nestjs-cors-policy: cannot read the application configuration from this version of @nestjs/core.');
  }
  return config;
}

/**
 * The metadata `@WebSocketGateway(port, options)` writes on a gateway class (`@nestjs/websockets`
 * `constants`), written out here so that the library loads without the optional `@nestjs/websockets`.
 * `test/e2e/gateway-origins.e2e-spec.ts` compares them with the package's own.
 */
export const GATEWAY_METADATA = 'websockets:is_gateway';
export const GATEWAY_OPTIONS = 'websockets:gateway_options';
export const GATEWAY_PORT_METADATA = 'port';

/**
 * A WebSocket adapter as Nest's `SocketServerProvider` uses it: `create(port, options)` makes the server of
 * a gateway (socket.io's `Server`, ws's `WebSocketServer`), once per port and path.
 */
export interface WebSocketAdapter {
  create(port: number, options?: Record<string, unknown>): unknown;
  /** `AbstractWsAdapter`'s: the app's HTTP server, which gateways on port 0 attach to. */
  readonly httpServer?: unknown;
}

/**
 * Calls `bind` with the app's WebSocket adapter as soon as it is set: by `app.useWebSocketAdapter()`, or
 * by Nest's `SocketModule` (its default `IoAdapter`) in `app.init()`, before it creates the gateways'
 * servers. Both go through `ApplicationConfig#setIoAdapter`, which Nest offers no hook for.
 */
export function onWebSocketAdapter(config: ApplicationConfig, bind: (adapter: WebSocketAdapter) => void): void {
  const slot = config as unknown as { setIoAdapter(adapter: unknown): void; getIoAdapter(): unknown };
  if (typeof slot.setIoAdapter !== 'function' || typeof slot.getIoAdapter !== 'function') {
    throw new Error('nestjs-cors-policy: cannot find ApplicationConfig#setIoAdapter in this version of @nestjs/core.');
  }
  const setIoAdapter = slot.setIoAdapter;
  slot.setIoAdapter = function setIoAdapterWithCorsPolicy(this: unknown, adapter: unknown) {
    if (adapter) bind(adapter as WebSocketAdapter);
    return setIoAdapter.call(this, adapter);
  };
  const current = slot.getIoAdapter();
  if (current) bind(current as WebSocketAdapter);
}
