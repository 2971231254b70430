import { Controller, Get, Module, type Type } from '@nestjs/common';
import { Cors, CorsModule, getCorsPolicyReport, type CorsPolicyOptions } from '../../src/index.js';
import { createApp, PLATFORMS, initError } from './harness.js';

/** An app whose one route carries `policy`, under a valid global default. */
function appWithRoutePolicy(policy: CorsPolicyOptions): Type {
  @Controller('reports')
  class ReportsController {
    @Get() @Cors(policy) list() { return []; }
  }
  @Module({ imports: [CorsModule.forRoot({ origin: 'https://app.example.com' })], controllers: [ReportsController] })
  class AppModule {}
  return AppModule;
}

function appWithGlobalPolicy(policy: CorsPolicyOptions): Type {
  @Controller('reports')
  class ReportsController {
    @Get() list() { return []; }
  }
  @Module({ imports: [CorsModule.forRoot(policy)], controllers: [ReportsController] })
  class AppModule {}
  return AppModule;
}

describe.each(PLATFORMS)('start-up validation: a policy that cannot work or is unsafe fails app.init() and says what to write (%s)', (platform) => {
  it.each<[string, CorsPolicyOptions, RegExp]>([
    ["origin '*' with credentials", { origin: '*', credentials: true }, /ReportsController\.list: origin '\*' cannot be used with credentials: true.*list the origins/],
    ['an origin with a trailing slash', { origin: 'https://app.com/' }, /ReportsController\.list: origin 'https:\/\/app\.com\/' ends with a slash.*write 'https:\/\/app\.com'/],
    ['an origin with a path', { origin: 'https://app.com/login' }, /has a path, query or fragment.*write 'https:\/\/app\.com'/],
    ['an origin with a query', { origin: 'https://app.com?x=1' }, /has a path, query or fragment/],
    ['an origin without a scheme', { origin: 'app.example.com' }, /is not an origin.*scheme:\/\/host\[:port\]/],
    ['an origin with user info', { origin: 'https://user@app.com' }, /has user info.*write 'https:\/\/app\.com'/],
    ['a wildcard in the middle', { origin: 'https://app.*.com' }, /only a leading '\*\.' subdomain wildcard.*'https:\/\/\*\.example\.com'/],
    ['a wildcard over a top-level domain', { origin: 'https://*.com' }, /matches every site under a top-level domain/],
    ['an unanchored RegExp', { origin: /example\.com/ }, /\/example\\\.com\/ is not anchored.*names no scheme.*write \/\^https:\\\/\\\/\(\?:\[a-z0-9-\]\+\\\.\)\*example\\\.com\$\/$/],
    ['a RegExp anchored at one end only', { origin: /^https:\/\/example\.com/ }, /is not anchored/],
    ['a RegExp with a top-level alternation', { origin: /^https:\/\/a\.com|https:\/\/b\.com$/ }, /is not anchored/],
    ['a RegExp with the g flag', { origin: /^https:\/\/a\.com$/g }, /'g' or 'y' flag/],
    ['origin: true (reflect any origin)', { origin: true as never }, /origin true reflects every origin.*write '\*'.*or list the origins/],
    ['an invalid method name', { methods: ['GET', 'PO ST'] }, /methods 'PO ST' is not a valid method name/],
    ['a method browsers never send', { methods: ['TRACE'] }, /methods 'TRACE' is a method browsers never send/],
    ['an invalid header name', { allowedHeaders: ['X-Good', 'X Bad'] }, /allowedHeaders 'X Bad' is not a valid header name/],
    ['an invalid exposed header name', { exposedHeaders: 'X-Total-Count, X:Bad' }, /exposedHeaders 'X:Bad' is not a valid header name/],
    ["exposedHeaders '*' with credentials", { origin: 'https://app.com', exposedHeaders: '*', credentials: true }, /exposedHeaders '\*'.*credentialed.*list the response headers/],
    ['a negative maxAge', { maxAge: -1 }, /maxAge -1 is not a whole number of seconds.*write 0 or more/],
    ['a non-success optionsSuccessStatus', { optionsSuccessStatus: 404 }, /optionsSuccessStatus 404 is not a success status/],
    ['methods of the wrong type', { methods: {} as never }, /ReportsController\.list: methods \{\} is not a list/],
    ['allowedHeaders of the wrong type', { allowedHeaders: {} as never }, /ReportsController\.list: allowedHeaders \{\} is not a list/],
    ['exposedHeaders of the wrong type', { exposedHeaders: {} as never }, /ReportsController\.list: exposedHeaders \{\} is not a list/],
    ['origin of the wrong type', { origin: {} as never }, /ReportsController\.list: origin \{\} is not an origin, a list of origins or a function/],
    ['a header name that is not a string', { allowedHeaders: ['X-Id', 5] as never }, /allowedHeaders \['X-Id', 5\] lists 5, which is not a string/],
    ['maxAge as a string', { maxAge: '600' as never }, /maxAge '600' is a string, not a number: write maxAge: 600/],
    ['originCache of the wrong type', { originCache: 5 as never }, /originCache 5 is not \{ size, ttl \}/],
    ['a negative originTimeout', { originTimeout: -1 }, /originTimeout -1 is not a positive whole number of milliseconds/],
    ['timingAllowOrigin of the wrong type', { timingAllowOrigin: 'yes' as never }, /timingAllowOrigin 'yes' is not a boolean/],
    ['an empty method name', { methods: ['GET', ''] }, /methods \['GET', ''\] lists an empty name: remove it: write methods: \['GET'\]/],
    ['an empty origin', { origin: [''] }, /origin \[''\] lists an empty origin/],
    ['a pattern with a list of ports, quoted as written', { origin: ['https://*.specific.port.com:[8080,8081]'] }, /origin 'https:\/\/\*\.specific\.port\.com:\[8080,8081\]' has a port that is not a number/],
  ])('refuses %s on a handler', async (_case, policy, message) => {
    const error = await initError(appWithRoutePolicy(policy), undefined, platform);
    expect(error.name).toBe('CorsConfigurationError');
    expect(error.message).toMatch(message);
  });

  it('names the controller when the controller policy is at fault', async () => {
    @Controller('admin')
    @Cors({ origin: '*', credentials: true })
    class AdminController {
      @Get() list() { return []; }
    }
    @Module({ imports: [CorsModule.forRoot()], controllers: [AdminController] })
    class AppModule {}
    expect((await initError(AppModule, undefined, platform)).message).toMatch(/^AdminController: origin '\*' cannot be used with credentials/);
  });

  it("names 'global' for the module's own options", async () => {
    const error = await initError(appWithGlobalPolicy({ origin: 'https://app.com/' }), undefined, platform);
    expect(error.message).toMatch(/^global: origin 'https:\/\/app\.com\/' ends with a slash/);
  });

  it('names the handler whose override makes a valid global policy unsafe', async () => {
    @Controller('me')
    class MeController {
      @Get() @Cors({ credentials: true }) me() { return {}; }
    }
    @Module({ imports: [CorsModule.forRoot({ origin: '*' })], controllers: [MeController] })
    class AppModule {}
    expect((await initError(AppModule, undefined, platform)).message).toMatch(
      /^MeController\.me: origin '\*' from global cannot be used with credentials: true from MeController\.me, as browsers refuse a wildcard/,
    );
  });

  it("accepts allowedHeaders ['Authorization', '*']: the requested names are echoed, Authorization included", async () => {
    @Controller('me')
    class MeController {
      @Get() @Cors({ allowedHeaders: ['Authorization', '*'], timingAllowOrigin: true }) me() { return {}; }
    }
    @Module({ imports: [CorsModule.forRoot({ origin: 'https://app.example.com' })], controllers: [MeController] })
    class AppModule {}
    const app = await createApp(AppModule, platform, { logger: false });
    try {
      await app.init();
      expect(getCorsPolicyReport(app)).toEqual([expect.objectContaining({ allowedHeaders: '*', timingAllowOrigin: true })]);
    } finally {
      await app.close();
    }
  });
});

describe.each(PLATFORMS)('start-up validation points at the level where the bad value was written (%s)', (platform) => {
  it('names the controller that holds a bad origin, not the handler that overrides another field', async () => {
    @Controller('admin')
    @Cors({ origin: 'https://admin.example.com/' })
    class AdminController {
      @Get() @Cors({ exposedHeaders: ['X-Total-Count'] }) list() { return []; }
    }
    @Module({ imports: [CorsModule.forRoot()], controllers: [AdminController] })
    class AppModule {}
    expect((await initError(AppModule, undefined, platform)).message).toMatch(/^AdminController: origin 'https:\/\/admin\.example\.com\/' ends with a slash/);
  });

  it("names 'global' for a bad global value, under controllers and handlers with their own policies", async () => {
    @Controller('reports')
    @Cors({ origin: 'https://app.example.com' })
    class ReportsController {
      @Get() @Cors({ credentials: true }) list() { return []; }
    }
    @Module({ imports: [CorsModule.forRoot({ maxAge: '600' as never })], controllers: [ReportsController] })
    class AppModule {}
    expect((await initError(AppModule, undefined, platform)).message).toMatch(/^global: maxAge '600' is a string, not a number: write maxAge: 600$/);
  });

  it('names both levels when a controller value clashes with a global one', async () => {
    @Controller('reports')
    @Cors({ credentials: true })
    class ReportsController {
      @Get() @Cors({ maxAge: 60 }) list() { return []; }
    }
    @Module({ imports: [CorsModule.forRoot({ origin: 'https://app.example.com', exposedHeaders: '*' })], controllers: [ReportsController] })
    class AppModule {}
    expect((await initError(AppModule, undefined, platform)).message).toMatch(
      /^ReportsController: exposedHeaders '\*' from global cannot be used with credentials: true from ReportsController, as/,
    );
  });

  it('names the controller once when both clashing values are its own', async () => {
    @Controller('admin')
    @Cors({ origin: '*', credentials: true })
    class AdminController {
      @Get() @Cors({ maxAge: 60 }) list() { return []; }
    }
    @Module({ imports: [CorsModule.forRoot()], controllers: [AdminController] })
    class AppModule {}
    expect((await initError(AppModule, undefined, platform)).message).toMatch(/^AdminController: origin '\*' cannot be used with credentials: true, as/);
  });
});
