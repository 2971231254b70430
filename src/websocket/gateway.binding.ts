import type { Type } from '@nestjs/common';
import type { ApplicationConfig, ModulesContainer } from '@nestjs/core';
import type { Server as HttpServer } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { CORS_POLICY_METADATA } from '../cors.constants.js';
import type { CompiledPolicy } from '../core/compile.js';
import { GATEWAY_METHOD, reportPolicy, type CorsRoutePolicyReport } from '../core/report.js';
import type { CorsPolicyRegistry } from '../nest/cors-policy.registry.js';
import { CorsSetupError } from '../nest/cors-setup.error.js';
import { GATEWAY_METADATA, GATEWAY_OPTIONS, GATEWAY_PORT_METADATA, onWebSocketAdapter, type WebSocketAdapter } from '../nest/nest-internals.js';
import { HandshakeCheck } from './handshake-check.js';
import { ParkedRequestListeners } from './request-listeners.js';
import { checkSocketIoHandshakes, isSocketIoServer } from './socket-io.server.js';
import { checkWsHandshakes, isWsServer } from './ws.server.js';

/** A `@WebSocketGateway()` class of the app, with what its decorator wrote. */
interface Gateway {
  readonly type: Type;
  readonly port: number;
  readonly options: Readonly<Record<string, unknown>>;
}

const BOUND = Symbol('nestjs-cors-policy.gateways');

/**
 * Gives every WebSocket gateway's handshakes an origin check with the gateway's policy (`@Cors()` on the
 * class over the global default), on `@nestjs/platform-socket.io` and `@nestjs/platform-ws`, on the app's
 * port and on a port of the gateway's own. Nothing of `@nestjs/websockets` is imported: the gateways are
 * found by the metadata their decorator writes, and the check is set on each server right after the app's
 * WebSocket adapter creates it (`create(port, options)`), before it can accept a connection.
 */
export class GatewayBinding {
  private readonly gateways: Gateway[];
  private readonly reports: CorsRoutePolicyReport[] = [];
  private readonly listeners = new ParkedRequestListeners();

  constructor(
    private readonly registry: CorsPolicyRegistry,
    modules: ModulesContainer,
    config: ApplicationConfig,
  ) {
    this.gateways = discoverGateways(modules);
    onWebSocketAdapter(config, (adapter) => this.bindAdapter(adapter));
  }

  /** Once the HTTP first layer is installed: socket.io's listeners go back in front of it. */
  httpFirstLayerInstalled(): void {
    this.listeners.restore();
  }

  /** Every gateway's policy, once the app's `init()` created their servers. */
  report(): CorsRoutePolicyReport[] {
    return [...this.reports];
  }

  private bindAdapter(adapter: WebSocketAdapter & { [BOUND]?: GatewayBinding }): void {
    if (adapter[BOUND] === this) return;
    adapter[BOUND] = this;
    const create = adapter.create;
    const binding = this;
    adapter.create = function createCheckingOrigins(this: WebSocketAdapter, port: number, options?: Record<string, unknown>) {
      // A namespace of a server already made (socket.io) shares that server's engine and its check.
      if (options?.server !== undefined) return create.call(this, port, options);
      const plan = binding.plan(port, options);
      const server =
        port === 0 && isRequestEmitter(this.httpServer)
          ? binding.listeners.around(this.httpServer, () => create.call(this, port, options))
          : create.call(this, port, options);
      binding.attach(server, port, plan);
      return server;
    };
  }

  /**
   * Validates and compiles the policy of the gateways served by one server (Nest makes one per port and
   * path), before the server exists: a mistake fails the start without a port left open.
   */
  private plan(port: number, options: Record<string, unknown> | undefined): { names: string; policy: CompiledPolicy; gateways: Gateway[] } {
    const path = options?.path;
    const gateways = this.gateways.filter((gateway) => gateway.port === port && gateway.options.path === path);
    for (const gateway of gateways) refuseMisplacedCors(gateway);
    const ownCors = gateways.filter((gateway) => gateway.options.cors !== undefined);
    if (options?.cors !== undefined || ownCors.length > 0) {
      const names = (ownCors.length > 0 ? ownCors : gateways).map((gateway) => gateway.type.name).join(', ') || `the WebSocket server on port ${port}`;
      throw new CorsSetupError(
        `${names}: @WebSocketGateway({ cors }) is used beside CorsModule: socket.io would answer the long-polling transport with a policy of its own, ` +
          'and no cors option checks the WebSocket transport, which browsers open from any site. Remove the cors option: ' +
          'the gateway gets the global policy, and @Cors({ … }) on the gateway class overrides it.',
      );
    }
    if (gateways.length === 0) return { names: `the WebSocket server on port ${port}`, policy: this.registry.compileGateway(undefined).policy, gateways };
    const compiled = gateways.map((gateway) => ({ gateway, ...this.registry.compileGateway(gateway.type) }));
    const [first, ...others] = compiled;
    const differing = others.find(({ merged }) => merged.enabled !== first.merged.enabled || !isDeepStrictEqual(merged.options, first.merged.options));
    if (differing !== undefined) {
      throw new CorsSetupError(
        `${first.gateway.type.name} and ${differing.gateway.type.name} share one WebSocket server (port ${port}, path ${String(path ?? 'default')}, ` +
          'namespaces apart) but not their CORS policy: a browser\'s handshake reaches the server before it names a namespace. ' +
          'Give them the same @Cors(), or give one a path or port of its own.',
      );
    }
    return { names: gateways.map((gateway) => gateway.type.name).join(' & '), policy: first.policy, gateways };
  }

  private attach(server: unknown, port: number, plan: { names: string; policy: CompiledPolicy; gateways: Gateway[] }): void {
    const where = (path: string) => `${port === 0 ? '' : `:${port}`}${path}`;
    let path: string;
    if (isSocketIoServer(server)) {
      path = where(server.path());
      checkSocketIoHandshakes(server, new HandshakeCheck(plan.policy, this.registry.log, `socket.io connection to ${plan.names} on ${path}`), this.registry.log);
    } else if (isWsServer(server)) {
      // `WsAdapter` dispatches by path on a shared server (`path`); a server of its own checks `options.path`.
      const own = server.path ?? server.options.path ?? undefined;
      path = where(own ?? '/*');
      checkWsHandshakes(server, new HandshakeCheck(plan.policy, this.registry.log, `WebSocket connection to ${plan.names} on ${path}`));
    } else {
      (server as { close?: () => void } | undefined)?.close?.();
      throw new CorsSetupError(
        `${plan.names}: the WebSocket adapter made a server that is neither socket.io's Server nor ws's WebSocketServer, so the origin of its ` +
          'handshakes cannot be checked. Use @nestjs/platform-socket.io or @nestjs/platform-ws (or an adapter that extends IoAdapter or WsAdapter).',
      );
    }
    for (const gateway of plan.gateways) {
      this.reports.push(reportPolicy({ method: GATEWAY_METHOD, path, handler: gateway.type.name }, plan.policy));
    }
  }
}

/** An HTTP or HTTPS server: what socket.io attaches to on the app's port. */
function isRequestEmitter(server: unknown): server is HttpServer {
  const candidate = server as Partial<HttpServer> | undefined;
  return typeof candidate?.listeners === 'function' && typeof candidate.removeAllListeners === 'function' && typeof candidate.on === 'function';
}

function discoverGateways(modules: ModulesContainer): Gateway[] {
  const gateways = new Map<Type, Gateway>();
  for (const moduleRef of modules.values()) {
    for (const wrapper of moduleRef.providers.values()) {
      const type = wrapper.metatype as Type | undefined;
      if (typeof type !== 'function' || gateways.has(type) || !Reflect.getMetadata(GATEWAY_METADATA, type)) continue;
      gateways.set(type, {
        type,
        port: Reflect.getMetadata(GATEWAY_PORT_METADATA, type) || 0,
        options: Reflect.getMetadata(GATEWAY_OPTIONS, type) ?? {},
      });
    }
  }
  return [...gateways.values()];
}

/** `@Cors()` on a message handler would do nothing: a connection's origin is checked once, at its handshake. */
function refuseMisplacedCors(gateway: Gateway): void {
  let prototype: object | null = gateway.type.prototype;
  while (prototype !== null && prototype !== Object.prototype) {
    for (const name of Object.getOwnPropertyNames(prototype)) {
      if (name === 'constructor') continue;
      const value = Object.getOwnPropertyDescriptor(prototype, name)?.value;
      if (typeof value === 'function' && Reflect.getMetadata(CORS_POLICY_METADATA, value) !== undefined) {
        throw new CorsSetupError(
          `@Cors() on ${gateway.type.name}.${name} has no effect: a WebSocket connection's origin is checked once, at its handshake, ` +
            `with the gateway's policy. Put @Cors() on the ${gateway.type.name} class.`,
        );
      }
    }
    prototype = Object.getPrototypeOf(prototype);
  }
}
