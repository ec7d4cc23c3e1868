import { Injectable } from '@nestjs/common';
import type { Prisma, TestDefinition } from '@prisma/client';
import { PrismaService } from '../prisma/prisma.service.js';

/** Postgres side of test definitions: the current revision in `test_definition`, every revision kept beside it. */
@Injectable()
export class TestDefinitionsRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(bankId: string, name: string, config: object): Promise<TestDefinition> {
    const json = config as Prisma.InputJsonValue;
    return this.prisma.testDefinition.create({ data: { bankId, name, config: json, revisions: { create: { revision: 1, name, config: json } } } });
  }

  listByBank(bankId: string): Promise<TestDefinition[]> {
    return this.prisma.testDefinition.findMany({ where: { bankId }, orderBy: { createdAt: 'asc' } });
  }

  find(definitionId: string): Promise<TestDefinition | null> {
    return this.prisma.testDefinition.findUnique({ where: { id: definitionId } });
  }

  /** The next revision, in one transaction with its copy in the history. Null when there is no such definition. */
  async revise(definitionId: string, change: { name?: string; config?: object }): Promise<TestDefinition | null> {
    return this.prisma.$transaction(async (tx) => {
      const current = await tx.testDefinition.findUnique({ where: { id: definitionId } });
      if (!current) return null;
      const name = change.name ?? current.name;
      const config = (change.config ?? current.config) as Prisma.InputJsonValue;
      // The row lock taken by this UPDATE orders concurrent revisions: each gets its own number.
      const next = await tx.testDefinition.update({
        where: { id: definitionId },
        data: { name, config, revision: { increment: 1 }, updatedAt: new Date() },
      });
      await tx.testDefinitionRevision.create({ data: { definitionId, revision: next.revision, name, config } });
      return next;
    });
  }
}
