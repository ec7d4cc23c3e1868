import pg from 'pg';
import { createDatabase, databaseUrl, dropDatabase, prismaCli, uniqueTestDatabaseName } from './setup/test-env.js';

/** The Prisma CLI as users and CI run it (JS schema engine, no downloads), on a database of its own. */
describe('Migrations (e2e)', () => {
  const database = uniqueTestDatabaseName('migrations');
  let client: pg.Client;

  beforeAll(async () => {
    await createDatabase(database);
  });
  afterAll(async () => {
    await client?.end();
    await dropDatabase(database);
  });

  it('should deploy on an empty database, report it up to date, and show no drift', () => {
    const pending = prismaCli(['migrate', 'status'], database);
    expect(pending).toMatchObject({ status: 1, output: expect.stringMatching(/not yet been applied/) });

    const deploy = prismaCli(['migrate', 'deploy'], database);
    expect(deploy).toMatchObject({ status: 0, output: expect.stringMatching(/successfully applied/) });

    const upToDate = prismaCli(['migrate', 'status'], database);
    expect(upToDate).toMatchObject({ status: 0, output: expect.stringMatching(/Database schema is up to date/) });

    // --exit-code: 2 when the schema and the migrations disagree.
    const diff = prismaCli(
      ['migrate', 'diff', '--from-migrations', 'prisma/migrations', '--to-schema-datamodel', 'prisma/schema.prisma', '--exit-code'],
      database,
    );
    expect(diff).toMatchObject({ status: 0, output: expect.stringMatching(/No difference detected/) });
    // Nothing was fetched from the network: the JS schema engine needs no binaries.
    expect(`${pending.output}${deploy.output}${diff.output}`).not.toMatch(/binaries\.prisma\.sh|Downloading/);
  });

  it('should enforce the IRT constraints Prisma cannot express', async () => {
    client = new pg.Client({ connectionString: databaseUrl(database) });
    await client.connect();
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO item_bank (id, name, updated_at) VALUES (gen_random_uuid(), 'b', now()) RETURNING id`,
    );
    const bankId = rows[0]!.id;
    let externalIds = 0;
    const insertItem = (ordinal: number, a: string, b: string, c: number, d: number) =>
      client.query(
        `INSERT INTO item (id, bank_id, ordinal, external_id, stem, options, correct_key, a, b, c, d, updated_at)
         VALUES (gen_random_uuid(), $1, $2, $3, 's', '[]', 'A', $4::float8, $5::float8, $6, $7, now())`,
        [bankId, ordinal, `x${externalIds++}`, a, b, c, d],
      );
    await expect(insertItem(0, '1.2', '0', 0.2, 1)).resolves.toBeDefined();
    await expect(insertItem(1, '0', '0', 0, 1)).rejects.toThrow(/item_a_positive_finite/);
    await expect(insertItem(2, 'Infinity', '0', 0, 1)).rejects.toThrow(/item_a_positive_finite/);
    await expect(insertItem(3, '1', 'NaN', 0, 1)).rejects.toThrow(/item_b_finite/);
    await expect(insertItem(4, '1', '0', 0.5, 0.5)).rejects.toThrow(/item_c_d_range/);
    await expect(insertItem(5, '1', '0', -0.1, 1)).rejects.toThrow(/item_c_d_range/);
    await expect(insertItem(6, '1', '0', 0, 1.1)).rejects.toThrow(/item_c_d_range/);
    await expect(insertItem(0, '1', '0', 0, 1)).rejects.toThrow(/item_bank_id_ordinal_key/);
  });

  it('should leave no shadow database behind', async () => {
    const { rows } = await client.query(`SELECT datname FROM pg_database WHERE datname LIKE 'prisma_shadow_%'`);
    expect(rows).toEqual([]);
  });
});
