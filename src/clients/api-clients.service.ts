import { Injectable } from '@nestjs/common';
import { ROOT_CLIENT_ID } from '../common/auth/auth.types.js';
import { generateClientKey } from '../common/auth/tokens.js';
import { ApiException } from '../common/errors/api-exception.js';
import { ErrorCode } from '../common/errors/error-code.js';
import { AppConfig } from '../config/app-config.service.js';
import { ApiClientsRepository, type ClientRow } from './api-clients.repository.js';
import type { ClientView, CreateClientDto, CreatedClientView, RotatedKeyView } from './dto/api-client.dto.js';

const clientNotFound = () => new ApiException(ErrorCode.NOT_FOUND, 'Client not found');

/** The root client is ADMIN_API_KEY: it has no stored key to rotate or revoke. */
function refuseRoot(clientId: string): void {
  if (clientId === ROOT_CLIENT_ID) throw new ApiException(ErrorCode.CONFLICT, 'The root client is ADMIN_API_KEY: change it in the environment');
}

const toView = ({ id, name, scopes, bankIds, createdAt, revokedAt, keys }: ClientRow): ClientView => ({
  id,
  name,
  scopes,
  bankIds: bankIds ?? [],
  createdAt,
  revokedAt,
  keys,
});

/** Platform clients: created, listed, their keys rotated, deleted (admin). */
@Injectable()
export class ApiClientsService {
  constructor(
    private readonly clients: ApiClientsRepository,
    private readonly config: AppConfig,
  ) {}

  async create(dto: CreateClientDto): Promise<CreatedClientView> {
    const { key, prefix, secretHash } = generateClientKey();
    const row = await this.clients.create({ name: dto.name, scopes: dto.scopes, bankIds: dto.bankIds ?? [] }, { prefix, secretHash });
    return { id: row.id, name: row.name, scopes: row.scopes, bankIds: row.bankIds ?? [], key };
  }

  async list(): Promise<ClientView[]> {
    return (await this.clients.list()).map(toView);
  }

  async rotate(clientId: string): Promise<RotatedKeyView> {
    refuseRoot(clientId);
    const { key, prefix, secretHash } = generateClientKey();
    const rotated = await this.clients.rotate(clientId, { prefix, secretHash }, this.config.get('CLIENT_KEY_ROTATION_GRACE_SECONDS'));
    if (!rotated) throw clientNotFound();
    return { key };
  }

  async delete(clientId: string): Promise<void> {
    refuseRoot(clientId);
    if (!(await this.clients.revoke(clientId))) throw clientNotFound();
  }
}
