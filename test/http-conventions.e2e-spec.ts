import { Body, Controller, Module, Post } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Type } from 'class-transformer';
import { IsInt, IsString, Max, Min, ValidateNested } from 'class-validator';
import request from 'supertest';
import { Public } from '../src/common/auth/auth.decorator.js';
import { ApiException } from '../src/common/errors/api-exception.js';
import { ErrorCode } from '../src/common/errors/error-code.js';
import { startAppWith } from './support/test-app.js';

class ProbeChildDto {
  @IsInt()
  @Min(1)
  value!: number;
}

class ProbeDto {
  @IsString()
  name!: string;

  @IsInt()
  @Max(10)
  count!: number;

  @ValidateNested()
  @Type(() => ProbeChildDto)
  child!: ProbeChildDto;
}

/** A test-only route that exercises the global pipes and filter the real routes use. */
@Controller('probe')
@Public()
class ProbeController {
  @Post('echo')
  echo(@Body() body: ProbeDto): ProbeDto {
    return body;
  }

  @Post('conflict')
  conflict(): never {
    throw new ApiException(ErrorCode.NOT_CURRENT_ITEM, 'That item is not the one being shown', { expected: 'x' });
  }

  @Post('crash')
  crash(): never {
    throw new Error('secret internals');
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

describe('HTTP conventions (e2e)', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await startAppWith([ProbeModule]);
  });
  afterAll(async () => {
    await app.close();
  });

  const valid = { name: 'n', count: 3, child: { value: 2 } };

  it('should pass a valid body through', async () => {
    const res = await request(app.getHttpServer()).post('/probe/echo').send(valid).expect(201);
    expect(res.body).toEqual(valid);
  });

  it('should reject unknown fields with VALIDATION_FAILED naming them', async () => {
    const res = await request(app.getHttpServer())
      .post('/probe/echo')
      .send({ ...valid, extra: 1 })
      .expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    expect(res.body.details).toEqual([{ field: 'extra', message: 'property extra should not exist' }]);
  });

  it('should name nested fields by path', async () => {
    const res = await request(app.getHttpServer())
      .post('/probe/echo')
      .send({ name: 5, count: 11, child: { value: 0 } })
      .expect(400);
    const fields = (res.body.details as { field: string }[]).map((d) => d.field).sort();
    expect(fields).toEqual(['child.value', 'count', 'name']);
  });

  it('should answer malformed JSON with 400 VALIDATION_FAILED', async () => {
    const res = await request(app.getHttpServer())
      .post('/probe/echo')
      .set('content-type', 'application/json')
      .send('{"name": ')
      .expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
  });

  it('should answer a body over 5 MB with 413 PAYLOAD_TOO_LARGE', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(6 * 1024 * 1024), count: 1, child: { value: 1 } });
    const res = await request(app.getHttpServer())
      .post('/probe/echo')
      .set('content-type', 'application/json')
      .send(big)
      .expect(413);
    expect(res.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('should answer an unknown route with 404 NOT_FOUND', async () => {
    const res = await request(app.getHttpServer()).get('/no/such/route').expect(404);
    expect(res.body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
  });

  it('should pass domain errors through with their code and details', async () => {
    const res = await request(app.getHttpServer()).post('/probe/conflict').expect(409);
    expect(res.body).toEqual({
      statusCode: 409,
      code: 'NOT_CURRENT_ITEM',
      message: 'That item is not the one being shown',
      details: { expected: 'x' },
    });
  });

  it('should hide unexpected errors behind a generic 500', async () => {
    const res = await request(app.getHttpServer()).post('/probe/crash').expect(500);
    expect(res.body).toEqual({ statusCode: 500, code: 'INTERNAL_ERROR', message: 'Internal server error' });
    expect(JSON.stringify(res.body)).not.toContain('secret');
  });

  it('should echo a caller-supplied request id', async () => {
    const res = await request(app.getHttpServer()).get('/health/live').set('x-request-id', 'abc-123').expect(200);
    expect(res.headers['x-request-id']).toBe('abc-123');
    const generated = await request(app.getHttpServer()).get('/health/live').expect(200);
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
