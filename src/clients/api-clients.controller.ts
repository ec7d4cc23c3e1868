import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../common/auth/auth.decorator.js';
import { ApiErrors } from '../common/errors/error-body.dto.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { uuidParam } from '../common/http/uuid-param.pipe.js';
import { ApiClientsService } from './api-clients.service.js';
import { ClientView, CreateClientDto, CreatedClientView, RotatedKeyView } from './dto/api-client.dto.js';

const { UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT } = ErrorCode;

/** Platform clients and their keys (admin). */
@ApiTags('clients')
@Controller('v1/admin/clients')
@Auth({ key: ['admin'] })
export class ApiClientsController {
  constructor(private readonly clients: ApiClientsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ operationId: 'createClient', summary: 'Create a client: returns its key, once' })
  @ApiErrors(UNAUTHORIZED, FORBIDDEN)
  @ApiCreatedResponse({ type: CreatedClientView })
  create(@Body() dto: CreateClientDto): Promise<CreatedClientView> {
    return this.clients.create(dto);
  }

  @Get()
  @ApiOperation({ operationId: 'listClients', summary: 'Every client, with its keys (prefixes and dates, never secrets)' })
  @ApiErrors(UNAUTHORIZED, FORBIDDEN)
  @ApiOkResponse({ type: [ClientView] })
  list(): Promise<ClientView[]> {
    return this.clients.list();
  }

  @Post(':clientId/rotate')
  @HttpCode(200)
  @ApiOperation({ operationId: 'rotateClientKey', summary: 'A new key; the previous ones keep working for CLIENT_KEY_ROTATION_GRACE_SECONDS' })
  @ApiErrors(UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT)
  @ApiOkResponse({ type: RotatedKeyView })
  rotate(@Param('clientId', uuidParam('clientId')) clientId: string): Promise<RotatedKeyView> {
    return this.clients.rotate(clientId);
  }

  @Delete(':clientId')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteClient', summary: 'Delete a client: its keys are refused on every instance within a second' })
  @ApiErrors(UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT)
  @ApiNoContentResponse()
  async delete(@Param('clientId', uuidParam('clientId')) clientId: string): Promise<void> {
    await this.clients.delete(clientId);
  }
}
