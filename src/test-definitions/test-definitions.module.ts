import { Module } from '@nestjs/common';
import { ItemBanksModule } from '../item-banks/item-banks.module.js';
import { TestDefinitionsController } from './test-definitions.controller.js';
import { TestDefinitionsRepository } from './test-definitions.repository.js';
import { TestDefinitionsService } from './test-definitions.service.js';

/** Test definitions: how a bank is examined, revised over time. */
@Module({
  imports: [ItemBanksModule],
  controllers: [TestDefinitionsController],
  providers: [TestDefinitionsRepository, TestDefinitionsService],
  exports: [TestDefinitionsService],
})
export class TestDefinitionsModule {}
