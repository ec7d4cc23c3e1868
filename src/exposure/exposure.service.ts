import { Injectable } from '@nestjs/common';
import { ApiException } from '../common/errors/api-exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { testOverlapRate } from '../irt/index.js';
import type { ExposurePageQuery } from './dto/exposure.dto.js';
import type { BankExposureView } from './dto/exposure.views.js';
import { ExposureRepository } from './exposure.repository.js';

const DEFAULT_PAGE_SIZE = 100;

/** The exposure report of a bank, from the fleet's durable totals (at most about a second behind). */
@Injectable()
export class ExposureService {
  constructor(private readonly repository: ExposureRepository) {}

  async report(bankId: string, query: ExposurePageQuery): Promise<BankExposureView> {
    const bank = await this.repository.bankRates(bankId);
    if (!bank) throw new ApiException(ErrorCode.NOT_FOUND, 'Item bank not found');
    const rateOf = (administrations: number) => (bank.exams === 0 ? 0 : administrations / bank.exams);
    const rates = bank.administrations.map(rateOf);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.repository.itemPage(bankId, query.cursor === undefined ? -1 : Number(query.cursor), limit + 1);
    const page = rows.slice(0, limit);
    return {
      bankId,
      examsStarted: bank.exams,
      maxRate: rates.reduce((max, rate) => Math.max(max, rate), 0),
      testOverlapRate: testOverlapRate(rates),
      items: page.map(({ itemId, externalId, administrations, exposureK }) => ({
        itemId,
        externalId,
        administrations,
        rate: rateOf(administrations),
        sympsonHetterK: exposureK,
      })),
      nextCursor: rows.length > limit ? String(page[page.length - 1].ordinal) : null,
    };
  }
}
