import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { SCOPES, type Scope } from '../../common/auth/auth.types.js';
import { EXAMPLE } from '../../common/http/api-examples.js';

/** POST /v1/admin/clients. */
export class CreateClientDto {
  @ApiProperty({ example: 'Riverside LMS' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ example: ['exams:launch', 'results:read'] })
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(SCOPES.length)
  @IsIn(SCOPES, { each: true })
  scopes!: Scope[];

  /** Banks the client may use; omitted or empty: every bank. */
  @ApiProperty({ example: [EXAMPLE.bankId] })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(1_000)
  @IsUUID('all', { each: true })
  bankIds?: string[];
}

export class ClientKeyView {
  /** Its public part: `cat_<prefix>_…` */
  @ApiProperty({ example: EXAMPLE.keyPrefix })
  prefix!: string;
  @ApiProperty({ example: EXAMPLE.createdAt })
  createdAt!: Date;
  @ApiProperty({ example: EXAMPLE.startedAt })
  lastUsedAt!: Date | null;
  /** Set once the key is rotated out; it works until then. */
  @ApiProperty({ example: null })
  expiresAt!: Date | null;
}

/** A client and what it may use: the part of a client every view of it shows. */
class ClientAccessView {
  @ApiProperty({ example: EXAMPLE.clientId })
  id!: string;
  @ApiProperty({ example: 'Riverside LMS' })
  name!: string;
  @ApiProperty({ example: ['exams:launch', 'results:read'] })
  scopes!: Scope[];
  @ApiProperty({ example: [EXAMPLE.bankId] })
  bankIds!: string[];
}

export class ClientView extends ClientAccessView {
  @ApiProperty({ example: EXAMPLE.createdAt })
  createdAt!: Date;
  /** When it was deleted (its keys refused since); null while it is live. */
  @ApiProperty({ example: null })
  revokedAt!: Date | null;
  keys!: ClientKeyView[];
}

export class CreatedClientView extends ClientAccessView {
  /** The key, shown this once: `cat_<prefix>_<secret>`. Only its hash is stored. */
  @ApiProperty({ example: EXAMPLE.clientKey })
  key!: string;
}

export class RotatedKeyView {
  /** The new key, shown this once; the previous ones keep working for CLIENT_KEY_ROTATION_GRACE_SECONDS. */
  @ApiProperty({ example: EXAMPLE.clientKey })
  key!: string;
}
