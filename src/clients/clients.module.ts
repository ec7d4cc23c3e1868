import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiClientsController } from './api-clients.controller.js';
import { ApiClientsRepository } from './api-clients.repository.js';
import { ApiClientsService } from './api-clients.service.js';
import { ApiKeys } from './api-keys.service.js';
import { AuthGuard } from './auth.guard.js';

/** Platform clients, their keys, and the guard that checks every request's credentials against route rules. */
@Global()
@Module({
  controllers: [ApiClientsController],
  providers: [ApiClientsRepository, ApiClientsService, ApiKeys, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [ApiKeys],
})
export class ClientsModule {}
