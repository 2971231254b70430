/**
 * A real GraphQL endpoint: `@nestjs/graphql` with its Apollo driver, which mounts `/graphql` itself
 * (Express: `app.use(path, expressMiddleware(…))` from `@as-integrations/express5`; Fastify: a route
 * of its own from `@as-integrations/fastify`), so no controller route serves it. Not run on Nest 11
 * (`jest.nest11.config.js`): `@nestjs/graphql` 14 needs Nest 12.
 */
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Controller, Get, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { GraphQLModule, Query, Resolver } from '@nestjs/graphql';
import { CorsModule, getCorsPolicyReport, type CorsModuleOptions } from '../../src/index.js';
import { PLATFORMS, startApp, type RunningApp } from './harness.js';

const SPA = 'https://app.example.com';
const STUDIO = 'https://studio.example.com';
const EVIL = 'https://evil.example';

@Resolver()
class HelloResolver {
  @Query() hello() { return 'world'; }
}

@Controller('reports')
class ReportsController {
  @Get() list() { return []; }
}

const graphql = GraphQLModule.forRoot<ApolloDriverConfig>({
  driver: ApolloDriver,
  typeDefs: 'type Query { hello: String }',
  graphiql: false,
});

const QUERY = JSON.stringify({ query: '{ hello }' });

describe.each(PLATFORMS)('a GraphQL endpoint (@nestjs/graphql + Apollo) with its own path policy (%s)', (platform) => {
  let running: RunningApp;

  beforeAll(async () => {
    @Module({
      imports: [
        CorsModule.forRoot({
          origin: SPA,
          paths: [{ path: '/graphql', policy: { origin: [SPA, STUDIO], credentials: true, maxAge: 120 } }],
        }),
        graphql,
      ],
      controllers: [ReportsController],
      providers: [HelloResolver],
    })
    class AppModule {}
    running = await startApp(AppModule, undefined, platform);
  });
  afterAll(() => running.close());

  it.each([
    ['the global origin', SPA],
    ['an origin only the path policy allows', STUDIO],
  ])('answers an actual POST /graphql with JSON from %s with the path policy', async (_case, origin) => {
    const response = await running.http.post('/graphql').set('Origin', origin).set('Content-Type', 'application/json').send(QUERY);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ data: { hello: 'world' } });
    expect(response.headers['access-control-allow-origin']).toBe(origin);
    expect(response.headers['access-control-allow-credentials']).toBe('true');
    expect(response.headers.vary).toMatch(/\bOrigin\b/);
  });

  it('runs the query for a refused origin, and grants it nothing', async () => {
    const response = await running.http.post('/graphql').set('Origin', EVIL).set('Content-Type', 'application/json').send(QUERY);
    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('answers the preflight that content-type: application/json triggers with the path policy', async () => {
    const allowed = await running.http
      .options('/graphql')
      .set('Origin', STUDIO)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type');
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe(STUDIO);
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');
    expect(allowed.headers['access-control-allow-headers']).toBe('content-type');
    expect(allowed.headers['access-control-max-age']).toBe('120');
    const refused = await running.http
      .options('/graphql')
      .set('Origin', EVIL)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type');
    expect(refused.status).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('leaves the controller routes their own (here the global) policy', async () => {
    expect((await running.http.get('/reports').set('Origin', STUDIO)).headers['access-control-allow-origin']).toBeUndefined();
    expect((await running.http.get('/reports').set('Origin', SPA)).headers['access-control-allow-origin']).toBe(SPA);
  });

  it('shows the path policy in the report', () => {
    const entry = getCorsPolicyReport(running.app).find((route) => route.path === '/graphql');
    expect(entry).toMatchObject({ method: 'ALL', handler: "path policy '/graphql'", origin: [SPA, STUDIO], credentials: true, maxAge: 120 });
  });
});

describe.each(PLATFORMS)('the GraphQL path policy from forRootAsync with ConfigService (%s)', (platform) => {
  let running: RunningApp;

  beforeAll(async () => {
    @Module({
      imports: [
        CorsModule.forRootAsync({
          imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ CORS_ORIGINS: SPA, GRAPHQL_ORIGINS: `${SPA},${STUDIO}` })] })],
          inject: [ConfigService],
          useFactory: (config: ConfigService): CorsModuleOptions => ({
            origin: config.getOrThrow<string>('CORS_ORIGINS'),
            paths: [{ path: '/graphql', policy: { origin: config.getOrThrow<string>('GRAPHQL_ORIGINS') } }],
          }),
        }),
        graphql,
      ],
      providers: [HelloResolver],
    })
    class AppModule {}
    running = await startApp(AppModule, undefined, platform);
  });
  afterAll(() => running.close());

  it('allows the origins read from configuration, on the POST and its preflight', async () => {
    const actual = await running.http.post('/graphql').set('Origin', STUDIO).set('Content-Type', 'application/json').send(QUERY);
    expect(actual.body).toEqual({ data: { hello: 'world' } });
    expect(actual.headers['access-control-allow-origin']).toBe(STUDIO);
    const preflight = await running.http.options('/graphql').set('Origin', STUDIO).set('Access-Control-Request-Method', 'POST').set('Access-Control-Request-Headers', 'content-type');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(STUDIO);
    const refused = await running.http.post('/graphql').set('Origin', EVIL).set('Content-Type', 'application/json').send(QUERY);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });
});
