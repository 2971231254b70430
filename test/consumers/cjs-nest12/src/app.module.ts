import { Module } from '@nestjs/common';
import { CorsModule } from 'nestjs-cors-policy';
import { AppController } from './app.controller';
import { AppService } from './app.service';
import { ReportsController } from './reports.controller';

@Module({
  imports: [CorsModule.forRoot({ origin: 'http://localhost:5173' })],
  controllers: [AppController, ReportsController],
  providers: [AppService],
})
export class AppModule {}
