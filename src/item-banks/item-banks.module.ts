import { Module } from '@nestjs/common';
import { BankSnapshots } from './bank-snapshots.js';
import { ItemBanksController } from './item-banks.controller.js';
import { ItemBanksRepository } from './item-banks.repository.js';
import { ItemBanksService } from './item-banks.service.js';

/** Item banks and their calibrated items (admin), and the in-process snapshots the exams read them from. */
@Module({
  controllers: [ItemBanksController],
  providers: [ItemBanksRepository, ItemBanksService, BankSnapshots],
  exports: [BankSnapshots],
})
export class ItemBanksModule {}
