import { Controller, Module, Post } from '@nestjs/common';
import { Cors, CorsModule, trustCorsPolicyOrigins } from '../../src/index.js';
import { PLATFORMS, startApp, type RunningApp } from '../e2e/harness.js';

const APP = 'https://app.example.com';
const OTHER = 'https://other.example.net';

@Controller()
class TransfersController {
  @Post('transfers') transfer() { return { done: true }; }
  @Post('newsletter') @Cors({ origin: '*', credentials: false }) subscribe() { return { done: true }; }
}

@Module({ imports: [CorsModule.forRoot({ origin: APP, credentials: true })], controllers: [TransfersController] })
class AppModule {}

/** A credentialed cross-site POST as Chromium sends it: fetch(url, { method: 'POST', credentials: 'include' }). */
const crossSitePost = (running: RunningApp, path: string, origin: string) =>
  running.http.post(path).set('Origin', origin).set('Sec-Fetch-Site', 'cross-site').set('Cookie', 'session=abc');

describe.each(PLATFORMS)("Nest's enableCsrfProtection() beside CorsModule (%s)", (platform) => {
  describe('without trusted origins', () => {
    let running: RunningApp;
    beforeAll(async () => { running = await startApp(AppModule, (app) => app.enableCsrfProtection(), platform); });
    afterAll(() => running.close());

    it('refuses the credentialed cross-origin POST with a 403 the allowed page can read', async () => {
      const response = await crossSitePost(running, '/transfers', APP);
      expect(response.status).toBe(403);
      expect(response.headers['access-control-allow-origin']).toBe(APP);
      expect(response.headers['access-control-allow-credentials']).toBe('true');
    });
  });

  describe('with the origin in trustedOrigins', () => {
    let running: RunningApp;
    beforeAll(async () => { running = await startApp(AppModule, (app) => app.enableCsrfProtection({ trustedOrigins: [APP] }), platform); });
    afterAll(() => running.close());

    it('accepts it', async () => {
      const response = await crossSitePost(running, '/transfers', APP);
      expect(response.status).toBe(201);
      expect(response.headers['access-control-allow-origin']).toBe(APP);
    });
  });

  describe('with trust derived from the route policy: exclude: trustCorsPolicyOrigins(app)', () => {
    let running: RunningApp;
    beforeAll(async () => { running = await startApp(AppModule, (app) => app.enableCsrfProtection({ exclude: trustCorsPolicyOrigins(app) }), platform); });
    afterAll(() => running.close());

    it('accepts an origin the route policy names', async () => {
      expect((await crossSitePost(running, '/transfers', APP)).status).toBe(201);
    });

    it('refuses an origin the route policy does not name, without CORS headers', async () => {
      const response = await crossSitePost(running, '/transfers', OTHER);
      expect(response.status).toBe(403);
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    });

    it("keeps a public '*' route protected: '*' trusts no one", async () => {
      const response = await crossSitePost(running, '/newsletter', APP);
      expect(response.status).toBe(403);
      expect(response.headers['access-control-allow-origin']).toBe('*');
    });
  });
});
