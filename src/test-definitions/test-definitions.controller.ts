import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth } from '../common/auth/auth.decorator.js';
import type { Caller } from '../common/auth/auth.types.js';
import { CurrentCaller } from '../common/auth/caller.decorator.js';
import { ApiErrors } from '../common/errors/error-body.dto.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { uuidParam } from '../common/http/uuid-param.pipe.js';
import { CreateTestDefinitionDto, TestDefinitionView, UpdateTestDefinitionDto } from './dto/test-definition.dto.js';
import { TestDefinitionsService } from './test-definitions.service.js';

const { UNAUTHORIZED, FORBIDDEN, NOT_FOUND } = ErrorCode;

/** How a bank is examined: named, revised exam configs (banks:write to define, banks:read to read). */
@ApiTags('test definitions')
@Controller('v1')
export class TestDefinitionsController {
  constructor(private readonly definitions: TestDefinitionsService) {}

  @Post('item-banks/:bankId/test-definitions')
  @HttpCode(201)
  @Auth({ key: ['banks:write'] })
  @ApiOperation({ operationId: 'createTestDefinition', summary: 'Define how the bank is examined' })
  @ApiErrors(UNAUTHORIZED, FORBIDDEN, NOT_FOUND)
  @ApiCreatedResponse({ type: TestDefinitionView })
  create(
    @Param('bankId', uuidParam('bankId')) bankId: string,
    @CurrentCaller() caller: Caller,
    @Body() dto: CreateTestDefinitionDto,
  ): Promise<TestDefinitionView> {
    return this.definitions.create(caller, bankId, dto);
  }

  @Get('item-banks/:bankId/test-definitions')
  @Auth({ key: ['banks:read'] })
  @ApiOperation({ operationId: 'listTestDefinitions', summary: "The bank's test definitions, each at its current revision" })
  @ApiErrors(UNAUTHORIZED, FORBIDDEN)
  @ApiOkResponse({ type: [TestDefinitionView] })
  list(@Param('bankId', uuidParam('bankId')) bankId: string, @CurrentCaller() caller: Caller): Promise<TestDefinitionView[]> {
    return this.definitions.list(caller, bankId);
  }

  @Get('test-definitions/:definitionId')
  @Auth({ key: ['banks:read'] })
  @ApiOperation({ operationId: 'getTestDefinition', summary: 'One test definition at its current revision' })
  @ApiErrors(UNAUTHORIZED, FORBIDDEN, NOT_FOUND)
  @ApiOkResponse({ type: TestDefinitionView })
  get(@Param('definitionId', uuidParam('definitionId')) definitionId: string, @CurrentCaller() caller: Caller): Promise<TestDefinitionView> {
    return this.definitions.get(caller, definitionId);
  }

  @Patch('test-definitions/:definitionId')
  @Auth({ key: ['banks:write'] })
  @ApiOperation({ operationId: 'updateTestDefinition', summary: 'A new revision (exams already running keep theirs)' })
  @ApiErrors(UNAUTHORIZED, FORBIDDEN, NOT_FOUND)
  @ApiOkResponse({ type: TestDefinitionView })
  update(
    @Param('definitionId', uuidParam('definitionId')) definitionId: string,
    @CurrentCaller() caller: Caller,
    @Body() dto: UpdateTestDefinitionDto,
  ): Promise<TestDefinitionView> {
    return this.definitions.update(caller, definitionId, dto);
  }
}
