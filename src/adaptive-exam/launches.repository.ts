import { Injectable } from '@nestjs/common';
import type { Launch } from '@prisma/client';
import { PrismaService } from '../prisma/prisma.service.js';

/** Postgres side of launch tokens (only their SHA-256 is stored). Redemption happens with the exam's insert. */
@Injectable()
export class LaunchesRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(launch: Pick<Launch, 'tokenHash' | 'clientId' | 'testDefinitionId' | 'candidateId' | 'expiresAt'>): Promise<Launch> {
    return this.prisma.launch.create({ data: launch });
  }

  /** A launch by its token's hash, with whether its client was deleted since it was issued. */
  findByTokenHash(tokenHash: string): Promise<(Launch & { client: { revokedAt: Date | null } }) | null> {
    return this.prisma.launch.findUnique({ where: { tokenHash }, include: { client: { select: { revokedAt: true } } } });
  }

  find(launchId: string): Promise<Launch | null> {
    return this.prisma.launch.findUnique({ where: { id: launchId } });
  }
}
