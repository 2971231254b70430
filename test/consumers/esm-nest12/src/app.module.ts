import { Module } from '@nestjs/common';
import { CorsModule } from 'nestjs-cors-policy';
import { AppController } from './app.controller.js';
import { AppService } from './app.service.js';
import { ReportsController } from './reports.controller.js';

@Module({
  imports: [CorsModule.forRoot({ origin: 'http://localhost:5173' })],
  controllers: [AppController, ReportsController],
  providers: [AppService],
})
export class AppModule {}
