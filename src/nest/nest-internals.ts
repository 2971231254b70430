/**
 * The one place the library reads Nest's internals: metadata keys, Nest's own scanner of a controller's
 * routes, and its host filter. The end-to-end suites fail when one of them changes.
 */
import type { HttpServer } from '@nestjs/common';
import { HOST_METADATA, VERSION_METADATA } from '@nestjs/common/constants.js';
import { ApplicationConfig, MetadataScanner, type ModuleRef } from '@nestjs/core';
import { PathsExplorer } from '@nestjs/core/router/paths-explorer.js';
import { RouterExplorer } from '@nestjs/core/router/router-explorer.js';

export { HOST_METADATA, VERSION_METADATA };

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
