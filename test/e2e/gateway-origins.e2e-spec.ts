import { Module, type Type } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { SubscribeMessage, WebSocketGateway, type OnGatewayConnection } from '@nestjs/websockets';
import * as websocketConstants from '@nestjs/websockets/constants.js';
import request from 'supertest';
import { Cors, CorsConfigurationError, CorsModule, CorsSetupError, getCorsPolicyReport } from '../../src/index.js';
import { GATEWAY_METADATA, GATEWAY_OPTIONS, GATEWAY_PORT_METADATA } from '../../src/nest/nest-internals.js';
import { CaptureLogger } from '../security/capture-logger.js';
import { connectSocketIo, connectWebSocket, freePort, type ConnectionOutcome, type SocketIoTransport } from '../support/socket-clients.js';
import { createApp, initError, PLATFORMS, type AnyApp } from './harness.js';

const APP = 'https://app.example.com';
const CHAT = 'https://chat.example.com';
const ADMIN = 'https://admin.example.com';
const EVIL = 'https://evil.example';

const GLOBAL_POLICY = { origin: [APP], credentials: true, logRefusals: 'warn' as const };

/** Every test gateway answers `ping` with `'pong'`, and counts the connections it was given. */
function gatewayClass(name: string): Type & { connections: number } {
  const gateway = {
    [name]: class implements OnGatewayConnection {
      static connections = 0;
      handleConnection() {
        (this.constructor as unknown as { connections: number }).connections++;
      }
      ping() {
        return 'pong';
      }
    },
  }[name];
  SubscribeMessage('ping')(gateway.prototype, 'ping', Object.getOwnPropertyDescriptor(gateway.prototype, 'ping')!);
  return gateway as unknown as Type & { connections: number };
}

const opened = (outcome: ConnectionOutcome) => outcome.opened;

async function startWith(gateways: Type[], platform: (typeof PLATFORMS)[number], configure: (app: AnyApp) => void = () => {}) {
  @Module({ imports: [CorsModule.forRoot(GLOBAL_POLICY)], providers: gateways })
  class AppModule {}
  const logger = new CaptureLogger();
  const app = await createApp(AppModule, platform, { logger });
  configure(app);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, logger };
}

it('the gateway metadata keys are those @nestjs/websockets writes', () => {
  expect([GATEWAY_METADATA, GATEWAY_OPTIONS, GATEWAY_PORT_METADATA]).toEqual([
    websocketConstants.GATEWAY_METADATA,
    websocketConstants.GATEWAY_OPTIONS,
    websocketConstants.PORT_METADATA,
  ]);
});

describe.each(PLATFORMS)('socket.io gateways check the handshake origin (%s)', (platform) => {
  const Chat = gatewayClass('ChatGateway');
  const Rooms = gatewayClass('RoomsGateway');
  const Admin = gatewayClass('AdminGateway');
  const Closed = gatewayClass('ClosedGateway');
  let app: AnyApp;
  let url: string;
  let adminUrl: string;
  let logger: CaptureLogger;
  let startupLines: string[];

  beforeAll(async () => {
    const adminPort = await freePort();
    // On the app's port: the global policy, and a policy of its own on another path.
    WebSocketGateway()(Chat);
    WebSocketGateway({ path: '/rooms' })(Rooms);
    Cors({ origin: CHAT })(Rooms);
    // On a port of its own.
    WebSocketGateway(adminPort)(Admin);
    Cors({ origin: ADMIN, credentials: true })(Admin);
    WebSocketGateway({ path: '/closed' })(Closed);
    Cors(false)(Closed);
    ({ app, url, logger } = await startWith([Chat, Rooms, Admin, Closed], platform));
    startupLines = logger.cors('debug');
    adminUrl = `http://127.0.0.1:${adminPort}`;
  });
  afterAll(() => app.close());

  describe.each<SocketIoTransport>(['polling', 'websocket'])('over the %s transport', (transport) => {
    it('lets an allowed origin connect, and messages flow', async () => {
      const before = Chat.connections;
      expect(await connectSocketIo(url, { origin: APP, transport })).toEqual({ opened: true, reply: 'pong' });
      expect(Chat.connections).toBe(before + 1);
    });

    it('refuses an origin the policy does not allow before the connection opens', async () => {
      const before = Chat.connections;
      const outcome = await connectSocketIo(url, { origin: EVIL, transport });
      expect(opened(outcome)).toBe(false);
      expect(Chat.connections).toBe(before);
    });

    it('refuses a look-alike of an allowed origin', async () => {
      expect(opened(await connectSocketIo(url, { origin: 'https://app.example.com.evil.example', transport }))).toBe(false);
    });

    it('lets a client without Origin (not a browser) connect', async () => {
      expect(await connectSocketIo(url, { transport })).toEqual({ opened: true, reply: 'pong' });
    });

    it("gives a gateway with @Cors() its own policy, over the global one", async () => {
      expect(opened(await connectSocketIo(url, { path: '/rooms', origin: CHAT, transport }))).toBe(true);
      expect(opened(await connectSocketIo(url, { path: '/rooms', origin: APP, transport }))).toBe(false);
    });

    it('checks a gateway on a port of its own with its policy', async () => {
      expect(opened(await connectSocketIo(adminUrl, { origin: ADMIN, transport }))).toBe(true);
      expect(opened(await connectSocketIo(adminUrl, { origin: APP, transport }))).toBe(false);
      expect(opened(await connectSocketIo(adminUrl, { transport }))).toBe(true);
    });

    it('@Cors(false) refuses every cross-origin handshake, the global policy\'s origins too, and lets clients without Origin in', async () => {
      expect(opened(await connectSocketIo(url, { path: '/closed', origin: APP, transport }))).toBe(false);
      expect(opened(await connectSocketIo(url, { path: '/closed', transport }))).toBe(true);
    });
  });

  describe('the long-polling handshake over HTTP', () => {
    const handshake = '/socket.io/?EIO=4&transport=polling';

    it("answers an allowed origin with the policy's headers: the origin echoed, credentials, Vary: Origin", async () => {
      const response = await request(url).get(handshake).set('Origin', APP);
      expect(response.status).toBe(200);
      expect(response.text).toMatch(/^0\{"sid":/);
      expect(response.headers['access-control-allow-origin']).toBe(APP);
      expect(response.headers['access-control-allow-credentials']).toBe('true');
      expect(response.headers.vary).toMatch(/\bOrigin\b/);
    });

    it('answers a refused origin 403, with nothing that grants access and no session', async () => {
      const response = await request(url).get(handshake).set('Origin', EVIL);
      expect(response.status).toBe(403);
      expect(response.text).toBe('WebSocket handshake refused: origin not allowed');
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
      expect(response.headers['access-control-allow-credentials']).toBeUndefined();
      expect(response.headers.vary).toMatch(/\bOrigin\b/);
    });

    it("answers a preflight of the polling transport with the gateway's policy, not the global one", async () => {
      const preflight = await request(url)
        .options('/rooms/?EIO=4&transport=polling')
        .set('Origin', CHAT)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'x-room');
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe(CHAT);
      expect(preflight.headers['access-control-allow-headers']).toBe('x-room');
      const refused = await request(url).options('/rooms/?EIO=4&transport=polling').set('Origin', APP).set('Access-Control-Request-Method', 'POST');
      expect(refused.status).toBe(403);
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    });

    it("serves the app's HTTP routes as before, with the HTTP policy", async () => {
      const response = await request(url).get('/nothing-here').set('Origin', APP);
      expect(response.status).toBe(404);
      expect(response.headers['access-control-allow-origin']).toBe(APP);
    });
  });

  it('logs one line per refused connection, naming the gateway, its policy and the origin', async () => {
    logger.clear();
    await connectSocketIo(url, { origin: EVIL, transport: 'websocket' });
    await connectSocketIo(url, { path: '/closed', origin: APP, transport: 'polling' });
    expect(logger.cors('warn')).toEqual([
      "Refused socket.io connection to ChatGateway on /socket.io (policy of global): origin not allowed: 'https://evil.example'",
      "Refused socket.io connection to ClosedGateway on /closed (policy of ClosedGateway): @Cors(false) allows no cross-origin connection: 'https://app.example.com'",
    ]);
  });

  it('lists every gateway in the policy report, with its effective policy', () => {
    const gateways = getCorsPolicyReport(app).filter((entry) => entry.method === 'WEBSOCKET');
    const adminPort = new URL(adminUrl).port;
    expect(gateways.map(({ path, handler, enabled, origin, credentials }) => ({ path, handler, enabled, origin, credentials }))).toEqual(
      expect.arrayContaining([
        { path: '/socket.io', handler: 'ChatGateway', enabled: true, origin: [APP], credentials: true },
        { path: '/rooms', handler: 'RoomsGateway', enabled: true, origin: [CHAT], credentials: true },
        { path: `:${adminPort}/socket.io`, handler: 'AdminGateway', enabled: true, origin: [ADMIN], credentials: true },
        { path: '/closed', handler: 'ClosedGateway', enabled: false, origin: [APP], credentials: true },
      ]),
    );
    expect(gateways).toHaveLength(4);
    expect(gateways.find((entry) => entry.handler === 'RoomsGateway')!.sources).toMatchObject({ origin: 'RoomsGateway', credentials: 'global' });
  });

  it('logs every gateway\'s policy at start-up at debug level', () => {
    const lines = startupLines;
    expect(lines).toContain('WEBSOCKET /closed (ClosedGateway): CORS disabled, every cross-origin connection refused (by @Cors(false))');
    expect(lines).toContainEqual(expect.stringMatching(/^WEBSOCKET \/rooms \(RoomsGateway\): origin \[https:\/\/chat\.example\.com\] from RoomsGateway, credentials true from global, /));
  });
});

describe.each(PLATFORMS)('ws gateways check the upgrade origin (%s)', (platform) => {
  const Events = gatewayClass('EventsGateway');
  const Own = gatewayClass('OwnPortGateway');
  const Closed = gatewayClass('ClosedWsGateway');
  const Guarded = gatewayClass('GuardedGateway');
  const Dynamic = gatewayClass('DynamicGateway');
  const Slow = gatewayClass('SlowGateway');
  let app: AnyApp;
  let base: string;
  let ownUrl: string;
  let logger: CaptureLogger;

  beforeAll(async () => {
    const ownPort = await freePort();
    WebSocketGateway({ path: '/events' })(Events);
    WebSocketGateway(ownPort)(Own);
    Cors({ origin: ADMIN })(Own);
    WebSocketGateway({ path: '/closed' })(Closed);
    Cors(false)(Closed);
    // The gateway's own verifyClient runs after the origin check, for the handshakes it allows.
    WebSocketGateway({ path: '/guarded', verifyClient: (info: { req: { headers: Record<string, unknown> } }) => info.req.headers['x-token'] === 'yes' })(Guarded);
    WebSocketGateway({ path: '/dynamic' })(Dynamic);
    Cors({ origin: async (origin, request) => origin === CHAT && typeof (request as { headers?: { host?: string } }).headers?.host === 'string' })(Dynamic);
    WebSocketGateway({ path: '/slow' })(Slow);
    Cors({ origin: () => new Promise<boolean>(() => {}), originTimeout: 50 })(Slow);
    let url: string;
    ({ app, url, logger } = await startWith([Events, Own, Closed, Guarded, Dynamic, Slow], platform, (created) => created.useWebSocketAdapter(new WsAdapter(created))));
    base = url.replace('http:', 'ws:');
    ownUrl = `ws://127.0.0.1:${ownPort}/anything`;
  });
  afterAll(() => app.close());

  it('lets an allowed origin connect, and messages flow', async () => {
    expect(await connectWebSocket(`${base}/events`, { origin: APP })).toEqual({ opened: true, reply: 'pong' });
  });

  it('refuses an origin the policy does not allow with a 403, before the connection opens', async () => {
    const before = Events.connections;
    expect(await connectWebSocket(`${base}/events`, { origin: EVIL })).toEqual({ opened: false, status: 403, error: 'WebSocket handshake refused: origin not allowed' });
    expect(Events.connections).toBe(before);
  });

  it('lets a client without Origin connect', async () => {
    expect(opened(await connectWebSocket(`${base}/events`))).toBe(true);
  });

  it('checks a gateway on a port of its own with its policy', async () => {
    expect(opened(await connectWebSocket(ownUrl, { origin: ADMIN }))).toBe(true);
    expect(await connectWebSocket(ownUrl, { origin: APP })).toMatchObject({ opened: false, status: 403 });
  });

  it("@Cors(false) refuses every cross-origin handshake, the global policy's origins too", async () => {
    expect(await connectWebSocket(`${base}/closed`, { origin: APP })).toMatchObject({ opened: false, status: 403 });
    expect(opened(await connectWebSocket(`${base}/closed`))).toBe(true);
  });

  it("runs the gateway's own verifyClient after the origin check", async () => {
    expect(opened(await connectWebSocket(`${base}/guarded`, { origin: APP, headers: { 'X-Token': 'yes' } }))).toBe(true);
    expect(await connectWebSocket(`${base}/guarded`, { origin: APP })).toMatchObject({ opened: false, status: 401 });
    expect(await connectWebSocket(`${base}/guarded`, { origin: EVIL, headers: { 'X-Token': 'yes' } })).toMatchObject({ opened: false, status: 403 });
  });

  it('asks an origin function, with the handshake request, and refuses when it does not answer in time', async () => {
    expect(opened(await connectWebSocket(`${base}/dynamic`, { origin: CHAT }))).toBe(true);
    expect(await connectWebSocket(`${base}/dynamic`, { origin: APP })).toMatchObject({ opened: false, status: 403 });
    expect(await connectWebSocket(`${base}/slow`, { origin: CHAT })).toMatchObject({ opened: false, status: 403 });
    expect(logger.lines.some((line) => line.level === 'error' && line.message.startsWith("The origin function of SlowGateway failed for 'https://chat.example.com', which was refused: no answer within 50 ms"))).toBe(true);
  });

  it('logs the refusal naming the gateway and the origin, and lists the gateways in the report', async () => {
    logger.clear();
    await connectWebSocket(`${base}/events`, { origin: EVIL });
    expect(logger.cors('warn')).toEqual(["Refused WebSocket connection to EventsGateway on /events (policy of global): origin not allowed: 'https://evil.example'"]);
    const gateways = getCorsPolicyReport(app).filter((entry) => entry.method === 'WEBSOCKET');
    expect(gateways.map((entry) => `${entry.handler} ${entry.path} ${entry.enabled}`).sort()).toEqual([
      'ClosedWsGateway /closed false',
      'DynamicGateway /dynamic true',
      'EventsGateway /events true',
      'GuardedGateway /guarded true',
      `OwnPortGateway :${new URL(ownUrl).port}/* true`,
      'SlowGateway /slow true',
    ]);
  });
});

describe.each(PLATFORMS)('gateway mistakes fail the start (%s)', (platform) => {
  const moduleWith = (gateways: Type[]) => {
    @Module({ imports: [CorsModule.forRoot(GLOBAL_POLICY)], providers: gateways })
    class AppModule {}
    return AppModule;
  };

  it("validates a gateway's @Cors() as a controller's, naming the gateway", async () => {
    const Gateway = gatewayClass('TrailingSlashGateway');
    WebSocketGateway({ path: '/bad' })(Gateway);
    Cors({ origin: 'https://app.example.com/' })(Gateway);
    const error = await initError(moduleWith([Gateway]), () => {}, platform);
    expect(error).toBeInstanceOf(CorsConfigurationError);
    expect(error.message).toBe("TrailingSlashGateway: origin 'https://app.example.com/' ends with a slash, which an Origin header never has: write 'https://app.example.com'");
  });

  it("refuses socket.io's own cors option beside the module, saying to remove it", async () => {
    const Gateway = gatewayClass('OwnCorsGateway');
    WebSocketGateway({ path: '/own-cors', cors: { origin: '*' } })(Gateway);
    const error = await initError(moduleWith([Gateway]), () => {}, platform);
    expect(error).toBeInstanceOf(CorsSetupError);
    expect(error.message).toMatch(/^OwnCorsGateway: @WebSocketGateway\(\{ cors \}\) is used beside CorsModule: .* Remove the cors option/);
  });

  it('refuses @Cors() on a message handler, which could do nothing', async () => {
    const Gateway = gatewayClass('HandlerCorsGateway');
    WebSocketGateway({ path: '/handler-cors' })(Gateway);
    Cors({ origin: ADMIN })(Gateway.prototype, 'ping', Object.getOwnPropertyDescriptor(Gateway.prototype, 'ping')!);
    const error = await initError(moduleWith([Gateway]), () => {}, platform);
    expect(error).toBeInstanceOf(CorsSetupError);
    expect(error.message).toMatch(/^@Cors\(\) on HandlerCorsGateway\.ping has no effect: .* Put @Cors\(\) on the HandlerCorsGateway class\.$/);
  });

  it('refuses two namespaces of one server with different policies', async () => {
    const News = gatewayClass('NewsGateway');
    const Sport = gatewayClass('SportGateway');
    WebSocketGateway({ path: '/shared', namespace: 'news' })(News);
    WebSocketGateway({ path: '/shared', namespace: 'sport' })(Sport);
    Cors({ origin: ADMIN })(Sport);
    const error = await initError(moduleWith([News, Sport]), () => {}, platform);
    expect(error).toBeInstanceOf(CorsSetupError);
    expect(error.message).toMatch(/^NewsGateway and SportGateway share one WebSocket server \(port 0, path \/shared, namespaces apart\) but not their CORS policy/);
  });

  it("runs the gateway's own allowRequest after the origin check", async () => {
    const Gateway = gatewayClass('AllowRequestGateway');
    WebSocketGateway({ path: '/allow', allowRequest: (req: { headers: Record<string, unknown> }, callback: (error: string | null, ok: boolean) => void) => callback(null, req.headers['x-token'] === 'yes') })(Gateway);
    const { app, url } = await startWith([Gateway], platform);
    try {
      const connect = (origin: string, token: string | undefined, transport: SocketIoTransport) =>
        connectSocketIo(url, { path: '/allow', origin, transport, headers: token === undefined ? {} : { 'X-Token': token } });
      for (const transport of ['polling', 'websocket'] as const) {
        expect(opened(await connect(APP, 'yes', transport))).toBe(true);
        expect(opened(await connect(APP, undefined, transport))).toBe(false);
        expect(opened(await connect(EVIL, 'yes', transport))).toBe(false);
      }
    } finally {
      await app.close();
    }
  });

  it('lets namespaces of one server with the same policy connect, each checked', async () => {
    const News = gatewayClass('SameNewsGateway');
    const Sport = gatewayClass('SameSportGateway');
    WebSocketGateway({ path: '/same', namespace: 'news' })(News);
    WebSocketGateway({ path: '/same', namespace: 'sport' })(Sport);
    const { app, url } = await startWith([News, Sport], platform);
    try {
      expect(opened(await connectSocketIo(url, { path: '/same', namespace: '/sport', origin: APP, transport: 'websocket' }))).toBe(true);
      expect(opened(await connectSocketIo(url, { path: '/same', namespace: '/news', origin: EVIL, transport: 'polling' }))).toBe(false);
    } finally {
      await app.close();
    }
  });
});
