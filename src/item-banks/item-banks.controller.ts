import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Auth } from '../common/auth/auth.decorator.js';
import type { Caller } from '../common/auth/auth.types.js';
import { CurrentCaller } from '../common/auth/caller.decorator.js';
import { ApiErrors } from '../common/errors/error-body.dto.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { uuidParam } from '../common/http/uuid-param.pipe.js';
import { perCallerRouteLimit } from '../edge/rate-limits.js';
import { INFORMATION_REQUESTS_PER_MINUTE, InformationQuery } from './dto/bank-information.dto.js';
import { BankInformationView } from './dto/bank-information.views.js';
import { CreateBankDto, ImportItemsDto, ListItemsQuery, UpdateBankDto, UpdateItemDto } from './dto/item-bank.dto.js';
import { BankPageView, BankView, CreatedBankView, ImportResultView, ItemPageView, ItemVersionView, ItemView } from './dto/item-bank.views.js';
import { ListBanksQuery } from './dto/list-banks.dto.js';
import { ItemBanksService } from './item-banks.service.js';

const { UNAUTHORIZED, FORBIDDEN, NOT_FOUND, PAYLOAD_TOO_LARGE, CONFLICT } = ErrorCode;

const likert = ['Never', 'Sometimes', 'Often', 'Always'].map((text, score) => ({ key: String.fromCharCode(65 + score), text, score }));

/** One item of each model, as the OpenAPI document shows them. */
const ITEM_MODEL_EXAMPLES = {
  '4PL': {
    summary: 'A right/wrong item (4PL: a, b, c, d and the right option)',
    value: { items: [{ externalId: 'alg-1', stem: '2x + 3 = 11. x = ?', options: [{ key: 'A', text: '4' }, { key: 'B', text: '7' }], correctKey: 'A', a: 1.2, b: -0.4, c: 0.2 }] },
  },
  GRM: {
    summary: "Samejima's graded response model: ordered categories, strictly increasing thresholds",
    value: { items: [{ externalId: 'mood-1', model: 'GRM', stem: 'I felt calm.', a: 1.6, thresholds: [-1.2, 0.1, 1.3], options: likert }] },
  },
  GPCM: {
    summary: "Muraki's generalized partial credit model: step thresholds",
    value: {
      items: [
        {
          externalId: 'essay-1',
          model: 'GPCM',
          stem: 'Rate the argument.',
          a: 0.9,
          thresholds: [-0.5, 0.8],
          options: ['Weak', 'Fair', 'Strong'].map((text, score) => ({ key: String(score), text, score })),
        },
      ],
    },
  },
  PCM: {
    summary: 'The partial credit model: GPCM with a = 1',
    value: { items: [{ externalId: 'pc-1', model: 'PCM', stem: 'Steps solved?', a: 1, thresholds: [0.3], options: [{ key: 'N', text: 'None', score: 0 }, { key: 'Y', text: 'All', score: 1 }] }] },
  },
};

/** Item banks and items: banks:write to author them, banks:read to read them (keys and parameters included). */
@ApiTags('item banks')
@Controller('v1')
export class ItemBanksController {
  constructor(private readonly banks: ItemBanksService) {}

  @Post('item-banks')
  @HttpCode(201)
  @Auth({ key: ['banks:write'] })
  @ApiOperation({ operationId: 'createItemBank', summary: 'Create an item bank (not with a key limited to some banks)' })
  @ApiErrors(UNAUTHORIZED, FORBIDDEN)
  @ApiCreatedResponse({ type: CreatedBankView })
  createBank(@CurrentCaller() caller: Caller, @Body() dto: CreateBankDto): Promise<CreatedBankView> {
    return this.banks.createBank(caller, dto);
  }

  @Get('item-banks')
  @Auth({ key: ['banks:read'] })
  @ApiOperation({ operationId: 'listItemBanks', summary: 'The banks this key may use, in id order, page by page' })
  @ApiErrors(UNAUTHORIZED, FORBIDDEN)
  @ApiOkResponse({ type: BankPageView })
  listBanks(@CurrentCaller() caller: Caller, @Query() query: ListBanksQuery): Promise<BankPageView> {
    return this.banks.listBanks(caller, query);
  }

  @Get('item-banks/:bankId/information')
  @Auth({ key: ['banks:read'] })
  // Up to about a second of CPU for a 100,000-item bank on 401 points: a limit of its own per key.
  @RouteConfig(perCallerRouteLimit('bank-information', INFORMATION_REQUESTS_PER_MINUTE))
  @ApiOperation({
    operationId: 'getItemBankInformation',
    summary: "The bank's test information and SE(θ) over a θ grid (operational items: enabled, not pretest), with item counts by content area",
  })
  @ApiErrors(UNAUTHORIZED, FORBIDDEN, NOT_FOUND, ErrorCode.TOO_MANY_REQUESTS)
  @ApiOkResponse({ type: BankInformationView })
  information(
    @Param('bankId', uuidParam('bankId')) bankId: string,
    @CurrentCaller() caller: Caller,
    @Query() query: InformationQuery,
  ): Promise<BankInformationView> {
    return this.banks.information(caller, bankId, query);
  }

  @Get('item-banks/:bankId')
  @Auth({ key: ['banks:read'] })
  @ApiOperation({ operationId: 'getItemBank', summary: 'A bank with its item count and version' })
  @ApiErrors(UNAUTHORIZED, FORBIDDEN, NOT_FOUND)
  @ApiOkResponse({ type: BankView })
  getBank(@Param('bankId', uuidParam('bankId')) bankId: string, @CurrentCaller() caller: Caller): Promise<BankView> {
    return this.banks.getBank(caller, bankId);
  }

  @Patch('item-banks/:bankId')
  @Auth({ key: ['banks:write'] })
  @ApiOperation({ operationId: 'updateItemBank', summary: 'Rename a bank or set its reporting scale (null removes it); bumps the bank version' })
  @ApiErrors(UNAUTHORIZED, FORBIDDEN, NOT_FOUND)
  @ApiOkResponse({ type: BankView })
  updateBank(@Param('bankId', uuidParam('bankId')) bankId: string, @CurrentCaller() caller: Caller, @Body() dto: UpdateBankDto): Promise<BankView> {
    return this.banks.updateBank(caller, bankId, dto);
  }

  @Post('item-banks/:bankId/items')
  @HttpCode(201)
  @Auth({ key: ['banks:write'] })
  @ApiOperation({ operationId: 'importItems', summary: 'Import up to 10,000 items, all or nothing; bumps the bank version' })
  @ApiErrors(UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT, PAYLOAD_TOO_LARGE)
  @ApiCreatedResponse({ type: ImportResultView })
  @ApiBody({ type: ImportItemsDto, examples: ITEM_MODEL_EXAMPLES })
  importItems(
    @Param('bankId', uuidParam('bankId')) bankId: string,
    @CurrentCaller() caller: Caller,
    // Validated by the service, in chunks (see item-import.ts), once the caller is known.
    @Req() request: FastifyRequest,
  ): Promise<ImportResultView> {
    return this.banks.importItems(caller, bankId, request.body);
  }

  @Get('item-banks/:bankId/items')
  @Auth({ key: ['banks:read'] })
  @ApiOperation({ operationId: 'listItems', summary: 'Items of a bank, with keys and parameters, page by page' })
  @ApiErrors(UNAUTHORIZED, FORBIDDEN, NOT_FOUND)
  @ApiOkResponse({ type: ItemPageView })
  listItems(
    @Param('bankId', uuidParam('bankId')) bankId: string,
    @CurrentCaller() caller: Caller,
    @Query() query: ListItemsQuery,
  ): Promise<ItemPageView> {
    return this.banks.listItems(caller, bankId, query);
  }

  @Get('items/:itemId/versions')
  @Auth({ key: ['banks:read'] })
  @ApiOperation({ operationId: 'listItemVersions', summary: "Every version of an item's parameters and content, oldest first" })
  @ApiErrors(UNAUTHORIZED, FORBIDDEN, NOT_FOUND)
  @ApiOkResponse({ type: ItemVersionView, isArray: true })
  itemVersions(@Param('itemId', uuidParam('itemId')) itemId: string, @CurrentCaller() caller: Caller): Promise<ItemVersionView[]> {
    return this.banks.itemVersions(caller, itemId);
  }

  @Patch('items/:itemId')
  @Auth({ key: ['banks:write'] })
  @ApiOperation({ operationId: 'updateItem', summary: 'Change an item (enabled: false removes it from selection); a new parameter or content version leaves running exams on theirs' })
  @ApiErrors(UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT)
  @ApiOkResponse({ type: ItemView })
  updateItem(@Param('itemId', uuidParam('itemId')) itemId: string, @CurrentCaller() caller: Caller, @Body() dto: UpdateItemDto): Promise<ItemView> {
    return this.banks.updateItem(caller, itemId, dto);
  }
}
