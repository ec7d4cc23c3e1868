import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { SCOPES, type Scope } from '../../common/auth/auth.types.js';

/** POST /v1/admin/clients. */
export class CreateClientDto {
  @IsString()
  @Length(1, 200)
  name!: string;

  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(SCOPES.length)
  @IsIn(SCOPES, { each: true })
  scopes!: Scope[];

  /** Banks the client may use; omitted or empty: every bank. */
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(1_000)
  @IsUUID('all', { each: true })
  bankIds?: string[];
}

export class ClientKeyView {
  /** Its public part: `cat_<prefix>_…` */
  prefix!: string;
  createdAt!: Date;
  lastUsedAt!: Date | null;
  /** Set once the key is rotated out; it works until then. */
  expiresAt!: Date | null;
}

export class ClientView {
  id!: string;
  name!: string;
  scopes!: Scope[];
  bankIds!: string[];
  createdAt!: Date;
  /** When it was deleted (its keys refused since); null while it is live. */
  revokedAt!: Date | null;
  keys!: ClientKeyView[];
}

export class CreatedClientView {
  id!: string;
  name!: string;
  scopes!: Scope[];
  bankIds!: string[];
  /** The key, shown this once: `cat_<prefix>_<secret>`. Only its hash is stored. */
  key!: string;
}

export class RotatedKeyView {
  /** The new key, shown this once; the previous ones keep working for CLIENT_KEY_ROTATION_GRACE_SECONDS. */
  key!: string;
}
