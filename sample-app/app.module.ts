import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { CorsModule } from '../src/index.js';
import { AccountController } from './account.controller.js';
import { AdminController } from './admin.controller.js';
import { InternalController } from './internal.controller.js';
import { NotificationsGateway } from './notifications.gateway.js';
import { PublicController } from './public.controller.js';
import { ReportsController } from './reports.controller.js';

export const ENVIRONMENT = process.env.NODE_ENV === 'production' ? 'production' : 'development';

@Module({
  imports: [
    ConfigModule.forRoot({ envFilePath: `sample-app/.env.${ENVIRONMENT}` }),
    // The global default policy, per environment: CORS_ORIGINS=a,b in the .env file.
    CorsModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        origin: config.getOrThrow<string>('CORS_ORIGINS'),
        allowedHeaders: ['Content-Type', 'X-Request-Id'],
        maxAge: Number(config.get('CORS_MAX_AGE', 600)),
      }),
    }),
  ],
  controllers: [ReportsController, AdminController, PublicController, AccountController, InternalController],
  providers: [NotificationsGateway],
})
export class AppModule {}
