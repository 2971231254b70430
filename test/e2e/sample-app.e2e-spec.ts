import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createSampleApp } from '../../sample-app/app.js';
import { PLATFORMS } from './harness.js';

const SPA = 'http://localhost:5173';
const ELSEWHERE = 'http://127.0.0.1:5174';

describe.each(PLATFORMS)('the sample app (development environment) (%s)', (platform) => {
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  beforeAll(async () => {
    app = await createSampleApp({ logger: false }, platform);
    await app.listen(0, '127.0.0.1');
    http = request((await app.getUrl()).replace('[::1]', '127.0.0.1'));
  });
  afterAll(() => app.close());

  it('reads its global origins from .env.development', async () => {
    const response = await http.get('/api/reports').set('Origin', SPA);
    expect(response.headers['access-control-allow-origin']).toBe(SPA);
    expect(response.headers['access-control-expose-headers']).toBe('X-Total-Count');
    expect(response.headers['x-total-count']).toBe('2');
  });

  it('answers the JSON POST preflight with the configured headers and max-age', async () => {
    const response = await http
      .options('/api/reports')
      .set('Origin', SPA)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type, x-request-id');
    expect(response.status).toBe(204);
    expect(response.headers['access-control-allow-headers']).toBe('Content-Type, X-Request-Id');
    expect(response.headers['access-control-max-age']).toBe('60');
  });

  it.each([
    ['/api/admin/stats', SPA, SPA],
    ['/api/admin/stats', ELSEWHERE, undefined],
    ['/api/public/status', ELSEWHERE, '*'],
    ['/api/internal/metrics', SPA, undefined],
    ['/api/reports', ELSEWHERE, undefined],
  ])('GET %s from %s: Access-Control-Allow-Origin %s', async (path, origin, expected) => {
    const response = await http.get(path).set('Origin', origin);
    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe(expected);
  });

  it('answers the guard-protected route with a 401 the page can read', async () => {
    const response = await http.get('/api/account/me').set('Origin', SPA);
    expect(response.status).toBe(401);
    expect(response.headers['access-control-allow-origin']).toBe(SPA);
    expect(response.headers['access-control-allow-credentials']).toBe('true');
  });

  it('signs in with a cookie that the guard then accepts', async () => {
    const signIn = await http.post('/api/account/session').set('Origin', SPA);
    expect(signIn.status).toBe(204);
    const cookie = signIn.headers['set-cookie'][0].split(';')[0];
    const me = await http.get('/api/account/me').set('Origin', SPA).set('Cookie', cookie);
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ user: 'demo' });
  });
});
