import { Module } from '@nestjs/common';
import { ItemBanksModule } from '../item-banks/item-banks.module.js';
import { ExposureControlJobs } from './exposure-control-jobs.service.js';
import { ExposureCounts } from './exposure-counts.service.js';
import { ExposureController } from './exposure.controller.js';
import { ExposureRepository } from './exposure.repository.js';
import { ExposureService } from './exposure.service.js';

/** Exposure control: counts across the fleet, the exposure report, and Sympson–Hetter calibrations. */
@Module({
  imports: [ItemBanksModule],
  controllers: [ExposureController],
  providers: [ExposureRepository, ExposureCounts, ExposureService, ExposureControlJobs],
  exports: [ExposureCounts],
})
export class ExposureModule {}
