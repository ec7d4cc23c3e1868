import { Injectable } from '@nestjs/common';
import type { TestDefinition } from '@prisma/client';
import type { ExamConfigDto } from '../adaptive-exam/dto/exam.dto.js';
import { assertValidConfigInput } from '../adaptive-exam/start-config.js';
import { assertBankAllowed, type Caller } from '../common/auth/auth.types.js';
import { ApiException } from '../common/errors/api-exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { BankSnapshots } from '../item-banks/bank-snapshots.js';
import type { CreateTestDefinitionDto, TestDefinitionView, UpdateTestDefinitionDto } from './dto/test-definition.dto.js';
import { TestDefinitionsRepository } from './test-definitions.repository.js';

const definitionNotFound = () => new ApiException(ErrorCode.NOT_FOUND, 'Test definition not found');

const toView = ({ id, bankId, name, revision, config, createdAt, updatedAt }: TestDefinition): TestDefinitionView => ({
  id,
  bankId,
  name,
  revision,
  config: config as ExamConfigDto,
  createdAt,
  updatedAt,
});

/** Named exam configs of a bank, revised in place (exams keep the revision they started with). */
@Injectable()
export class TestDefinitionsService {
  constructor(
    private readonly definitions: TestDefinitionsRepository,
    private readonly banks: BankSnapshots,
  ) {}

  async create(caller: Caller, bankId: string, dto: CreateTestDefinitionDto): Promise<TestDefinitionView> {
    assertBankAllowed(caller, bankId);
    assertValidConfigInput(dto.config, await this.areasOf(bankId));
    return toView(await this.definitions.create(bankId, dto.name, { ...dto.config }));
  }

  async list(caller: Caller, bankId: string): Promise<TestDefinitionView[]> {
    assertBankAllowed(caller, bankId);
    return (await this.definitions.listByBank(bankId)).map(toView);
  }

  async get(caller: Caller, definitionId: string): Promise<TestDefinitionView> {
    return toView(await this.require(caller, definitionId));
  }

  async update(caller: Caller, definitionId: string, dto: UpdateTestDefinitionDto): Promise<TestDefinitionView> {
    const definition = await this.require(caller, definitionId);
    if (dto.config) assertValidConfigInput(dto.config, await this.areasOf(definition.bankId));
    const revised = await this.definitions.revise(definitionId, { name: dto.name, config: dto.config && { ...dto.config } });
    if (!revised) throw definitionNotFound();
    return toView(revised);
  }

  /**
   * The definition a launch starts from, if the caller may use its bank; `null` for a launch token's redemption,
   * whose client was checked when the token was issued.
   */
  async forLaunch(caller: Caller | null, definitionId: string): Promise<TestDefinitionView> {
    return toView(await this.require(caller, definitionId));
  }

  /** The content areas of a bank, whose existence this checks. */
  private async areasOf(bankId: string): Promise<readonly string[]> {
    const bank = await this.banks.get(bankId);
    if (!bank) throw new ApiException(ErrorCode.NOT_FOUND, 'Item bank not found');
    return bank.engine.areas;
  }

  private async require(caller: Caller | null, definitionId: string): Promise<TestDefinition> {
    const definition = await this.definitions.find(definitionId);
    if (!definition) throw definitionNotFound();
    if (caller) assertBankAllowed(caller, definition.bankId);
    return definition;
  }
}
