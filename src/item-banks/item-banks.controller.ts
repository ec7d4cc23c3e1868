import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { AdminApiKeyGuard } from '../common/auth/admin-api-key.guard.js';
import { ApiErrors } from '../common/errors/error-body.dto.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { uuidParam } from '../common/http/uuid-param.pipe.js';
import { CreateBankDto, ImportItemsDto, ListItemsQuery, UpdateItemDto } from './dto/item-bank.dto.js';
import { BankView, CreatedBankView, ImportResultView, ItemPageView, ItemView } from './dto/item-bank.views.js';
import { ItemBanksService } from './item-banks.service.js';

const { UNAUTHORIZED, NOT_FOUND, PAYLOAD_TOO_LARGE, CONFLICT } = ErrorCode;

/** Item banks and items (admin). */
@ApiTags('item banks')
@ApiSecurity('admin-key')
@Controller('v1')
@UseGuards(AdminApiKeyGuard)
export class ItemBanksController {
  constructor(private readonly banks: ItemBanksService) {}

  @Post('item-banks')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an item bank' })
  @ApiErrors(UNAUTHORIZED)
  @ApiCreatedResponse({ type: CreatedBankView })
  createBank(@Body() dto: CreateBankDto): Promise<CreatedBankView> {
    return this.banks.createBank(dto.name);
  }

  @Get('item-banks/:bankId')
  @ApiOperation({ summary: 'A bank with its item count and version' })
  @ApiErrors(UNAUTHORIZED, NOT_FOUND)
  @ApiOkResponse({ type: BankView })
  getBank(@Param('bankId', uuidParam('bankId')) bankId: string): Promise<BankView> {
    return this.banks.getBank(bankId);
  }

  @Post('item-banks/:bankId/items')
  @HttpCode(201)
  @ApiOperation({ summary: 'Import up to 10,000 items, all or nothing; bumps the bank version' })
  @ApiErrors(UNAUTHORIZED, NOT_FOUND, CONFLICT, PAYLOAD_TOO_LARGE)
  @ApiCreatedResponse({ type: ImportResultView })
  importItems(@Param('bankId', uuidParam('bankId')) bankId: string, @Body() dto: ImportItemsDto): Promise<ImportResultView> {
    return this.banks.importItems(bankId, dto.items);
  }

  @Get('item-banks/:bankId/items')
  @ApiOperation({ summary: 'Items of a bank, with keys and parameters, page by page' })
  @ApiErrors(UNAUTHORIZED, NOT_FOUND)
  @ApiOkResponse({ type: ItemPageView })
  listItems(@Param('bankId', uuidParam('bankId')) bankId: string, @Query() query: ListItemsQuery): Promise<ItemPageView> {
    return this.banks.listItems(bankId, query);
  }

  @Patch('items/:itemId')
  @ApiOperation({ summary: 'Change an item (enabled: false removes it from selection); bumps the bank version' })
  @ApiErrors(UNAUTHORIZED, NOT_FOUND, CONFLICT)
  @ApiOkResponse({ type: ItemView })
  updateItem(@Param('itemId', uuidParam('itemId')) itemId: string, @Body() dto: UpdateItemDto): Promise<ItemView> {
    return this.banks.updateItem(itemId, dto);
  }
}
