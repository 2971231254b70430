import { Test, TestingModule } from '@nestjs/testing';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { getCorsPolicyReport } from 'nestjs-cors-policy';
import { AppModule } from './../src/app.module';

const ALLOWED = 'http://localhost:5173';

describe('CORS (e2e)', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    const moduleFixture: TestingModule = await Test.createTestingModule({
      imports: [AppModule],
    }).compile();

    app = moduleFixture.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });

  afterAll(async () => {
    await app.close();
  });

  it('/ (GET)', () => {
    return request(url).get('/').expect(200).expect('Hello World!');
  });

  it('answers a preflight from the allowed origin', async () => {
    const response = await request(url)
      .options('/reports')
      .set('Origin', ALLOWED)
      .set('Access-Control-Request-Method', 'GET');
    expect(response.status).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(response.headers['access-control-allow-credentials']).toBe('true');
  });

  it('refuses a preflight from another origin', async () => {
    const response = await request(url)
      .options('/reports')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'GET');
    expect(response.status).toBe(403);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('exposes the header the handler names to the allowed origin', async () => {
    const response = await request(url).get('/reports').set('Origin', ALLOWED);
    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(response.headers['access-control-expose-headers']).toBe('X-Total-Count');
  });

  it('reports the policy of each route', () => {
    expect(getCorsPolicyReport(app)).toContainEqual(
      expect.objectContaining({ method: 'GET', path: '/reports', handler: 'ReportsController.list', credentials: true }),
    );
  });
});
