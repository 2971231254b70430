import { RequestMethod, VersioningType, type Type, type VersioningOptions } from '@nestjs/common';
import type { VersionValue } from '@nestjs/common/internal';
import { METHOD_METADATA, MODULE_PATH, PATH_METADATA, VERSION_METADATA, addLeadingSlash } from '@nestjs/common/internal';
import { ApplicationConfig, MetadataScanner, ModulesContainer } from '@nestjs/core';
import { LegacyRouteConverter } from '@nestjs/core/internal';
import { RoutePathFactory } from '@nestjs/core/router/route-path-factory.js';
import { RouteSpecificitySorter } from '@nestjs/core/router/route-specificity-sorter.js';

/** One path of one handler, as the router registers it. */
export interface DiscoveredRoute {
  /** `GET`, `POST`, … or `ALL`. */
  readonly method: string;
  /** The full path (global prefix, URI version, `RouterModule` path, controller and handler paths). */
  readonly path: string;
  readonly controller: Type;
  readonly methodName: string;
  readonly handler: Function;
  /**
   * The version a header, media-type or custom versioning filter checks before the handler runs; such a
   * route passes requests of other versions on to the next route with the same path.
   */
  readonly filteredVersion: VersionValue | undefined;
}

/**
 * Lists every HTTP route of the app with the paths Nest registers for it. The paths come from Nest's
 * own `RoutePathFactory`, fed the way `RoutesResolver` feeds it, so a global prefix with `exclude`, URI
 * versioning and `RouterModule` paths come out exactly as routed; the order is the registration order,
 * including Nest's optional sorting by specificity.
 */
export function discoverRoutes(modules: ModulesContainer, config: ApplicationConfig): DiscoveredRoute[] {
  const globalPrefix = addLeadingSlash(config.getGlobalPrefix());
  const versioningOptions: VersioningOptions | undefined = config.getVersioning();
  const pathFactory = new RoutePathFactory(config);
  const scanner = new MetadataScanner();
  const routes: DiscoveredRoute[] = [];

  for (const moduleRef of modules.values()) {
    const modulePath =
      Reflect.getMetadata(MODULE_PATH + modules.applicationId, moduleRef.metatype) ??
      Reflect.getMetadata(MODULE_PATH, moduleRef.metatype);
    for (const wrapper of moduleRef.controllers.values()) {
      const controller = wrapper.metatype as Type | undefined;
      if (!controller?.prototype) continue;
      const controllerPaths = asList<string>(Reflect.getMetadata(PATH_METADATA, controller)).map(addLeadingSlash);
      const controllerVersion = versioningOptions
        ? (Reflect.getMetadata(VERSION_METADATA, controller) ?? versioningOptions.defaultVersion)
        : undefined;
      for (const ctrlPath of controllerPaths) {
        for (const methodName of scanner.getAllMethodNames(controller.prototype)) {
          const handler = controller.prototype[methodName];
          const handlerPaths = Reflect.getMetadata(PATH_METADATA, handler);
          if (handlerPaths === undefined) continue;
          const requestMethod: RequestMethod = Reflect.getMetadata(METHOD_METADATA, handler);
          const methodVersion = Reflect.getMetadata(VERSION_METADATA, handler);
          const version = methodVersion || controllerVersion;
          const filteredVersion = version && versioningOptions?.type !== VersioningType.URI ? version : undefined;
          for (const methodPath of asList<string>(handlerPaths).map(addLeadingSlash)) {
            const paths = pathFactory.create(
              { ctrlPath, modulePath, globalPrefix, controllerVersion, methodVersion, versioningOptions, methodPath },
              requestMethod,
            );
            for (const path of paths) {
              routes.push({
                method: RequestMethod[requestMethod],
                path: LegacyRouteConverter.tryConvert(path, { logs: false }),
                controller,
                methodName,
                handler,
                filteredVersion,
              });
            }
          }
        }
      }
    }
  }
  if (config.getRouteResolutionStrategy() !== 'specificity') return routes;
  // The sorter reads nothing but `path`, and keeps the declaration order of routes that tie.
  return RouteSpecificitySorter.sort(routes as never) as unknown as DiscoveredRoute[];
}

function asList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
