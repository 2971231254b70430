import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Test, TestingModule } from '@nestjs/testing';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { getCorsPolicyReport } from 'nestjs-cors-policy';
import { AppModule } from './../src/app.module';

const ALLOWED = 'http://localhost:5173';

describe('CORS (e2e)', () => {
  let app: INestApplication;
  let url: string;

  before(async () => {
    const moduleFixture: TestingModule = await Test.createTestingModule({
      imports: [AppModule],
    }).compile();

    app = moduleFixture.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });

  after(async () => {
    await app.close();
  });

  it('/ (GET)', async () => {
    await request(url).get('/').expect(200).expect('Hello World!');
  });

  it('answers a preflight from the allowed origin', async () => {
    const response = await request(url)
      .options('/reports')
      .set('Origin', ALLOWED)
      .set('Access-Control-Request-Method', 'GET');
    assert.equal(response.status, 204);
    assert.equal(response.headers['access-control-allow-origin'], ALLOWED);
    assert.equal(response.headers['access-control-allow-credentials'], 'true');
  });

  it('refuses a preflight from another origin', async () => {
    const response = await request(url)
      .options('/reports')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'GET');
    assert.equal(response.status, 403);
    assert.equal(response.headers['access-control-allow-origin'], undefined);
  });

  it('exposes the header the handler names to the allowed origin', async () => {
    const response = await request(url).get('/reports').set('Origin', ALLOWED);
    assert.equal(response.status, 200);
    assert.equal(response.headers['access-control-allow-origin'], ALLOWED);
    assert.equal(response.headers['access-control-expose-headers'], 'X-Total-Count');
  });

  it('reports the policy of each route', () => {
    const route = getCorsPolicyReport(app).find((entry) => entry.method === 'GET' && entry.path === '/reports');
    assert.equal(route?.handler, 'ReportsController.list');
    assert.equal(route?.credentials, true);
  });
});
