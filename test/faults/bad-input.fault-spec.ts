import http from 'node:http';
import net from 'node:net';
import { ADMIN, bearer, makeItems } from '../support/exam-fixtures.js';
import { spawnServer, stopServer } from '../support/server-process.js';
import { metricsAuth } from '../support/test-app.js';

/**
 * A corpus of bad input thrown at the real compiled server (`npm run build`, `node dist/main.js` as a child
 * process) over plain HTTP: every case must get its documented 4xx and stable `code` in the one error shape
 * `{ statusCode, code, message, details? }`, nothing may be stored, and the service must stay healthy.
 */

interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  details?: { field: string; message: string }[];
}

interface Reply {
  status: number;
  body: unknown;
}

interface Req {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent byte for byte as `application/json` (for what JSON.stringify cannot produce). */
  raw?: string | Buffer;
}

interface StartedExam {
  examId: string;
  token: string;
  item: { id: string };
}

/** What the corpus refers to, filled in once the server is up. */
interface Context {
  bankId: string;
  bankVersion: number;
  emptyBankId: string;
  disabledBankId: string;
  itemId: string;
  /** Active; every request of the corpus is aimed at it, none may record anything. */
  exam: StartedExam;
  /** Another active exam, for its token. */
  other: StartedExam;
  /** Ended with /finish. */
  finished: StartedExam;
  /** Completed by its stopping rule (maxItems 1) with answer "A". */
  completed: StartedExam;
}

interface Case {
  name: string;
  req: (c: Context) => Req;
  status: number;
  code: string;
  /** A `details` entry expected for VALIDATION_FAILED. */
  field?: string | RegExp;
}

const MISSING_ID = '00000000-0000-4000-8000-000000000000';
const WRONG_ADMIN = { 'x-api-key': 'test-admin-key-0123456780' };
const SIX_MB = 'x'.repeat(6 * 1024 * 1024);
const GARBAGE_TOKEN = 'A'.repeat(43);
const ERROR_KEYS = ['statusCode', 'code', 'message', 'details'];

/** One valid item, to be spoiled field by field. */
const item = (extra: Record<string, unknown> = {}) => ({
  externalId: 'bad-1',
  stem: 'What is 2 + 2?',
  options: [
    { key: 'A', text: '3' },
    { key: 'B', text: '4' },
  ],
  correctKey: 'B',
  a: 1.2,
  b: 0,
  ...extra,
});

// Requests built against the context.
type Build = Case['req'];
const post = (path: string, json: unknown, headers?: Record<string, string>): Req => ({ method: 'POST', path, headers, json });
const createBank = (json: unknown): Build => () => post('/v1/item-banks', json, ADMIN);
const rawBank = (raw: string | Buffer): Build => () => ({ method: 'POST', path: '/v1/item-banks', headers: ADMIN, raw });
const importItems = (json: unknown): Build => (c) => post(`/v1/item-banks/${c.bankId}/items`, json, ADMIN);
const importRaw = (raw: string): Build => (c) => ({ method: 'POST', path: `/v1/item-banks/${c.bankId}/items`, headers: ADMIN, raw });
const spoiled = (extra: Record<string, unknown>) => importItems({ items: [item(extra)] });
const withOptions = (...options: unknown[]) => spoiled({ options });
const startExam = (body: Record<string, unknown>): Build => (c) => post('/v1/exams', { bankId: c.bankId, candidateId: 'bad-input', ...body }, ADMIN);
const startConfig = (config: unknown) => startExam({ config });
const startRaw = (config: string): Build => (c) => ({
  method: 'POST',
  path: '/v1/exams',
  headers: ADMIN,
  raw: `{"bankId":"${c.bankId}","candidateId":"bad-input","config":${config}}`,
});
const answer = (body: (c: Context) => unknown): Build => (c) => post(`/v1/exams/${c.exam.examId}/answers`, body(c), bearer(c.exam.token));
const answerWith = (value: unknown) => answer((c) => ({ itemId: c.exam.item.id, answer: value }));
const estimate = (raw: string): Build => () => ({ method: 'POST', path: '/v1/estimate', headers: ADMIN, raw });
const estimateOne = (options: string) => estimate(`{"items":[{"a":1,"b":0}],"responses":[1],${options}}`);
const patchItem = (json: unknown): Build => (c) => ({ method: 'PATCH', path: `/v1/items/${c.itemId}`, headers: ADMIN, json });
const listItems = (query: string): Build => (c) => ({ path: `/v1/item-banks/${c.bankId}/items?${query}`, headers: ADMIN });
const adminGet = (path: string): Build => () => ({ path, headers: ADMIN });
/** A request on the active exam (GET by default) with these headers. */
const onExam = (headers: (c: Context) => Record<string, string>, action = ''): Build => (c) => ({
  method: action ? 'POST' : 'GET',
  path: `/v1/exams/${c.exam.examId}${action}`,
  headers: headers(c),
  json: action === '/answers' ? { itemId: c.exam.item.id, answer: 'A' } : undefined,
});

// Rows.
const invalid = (name: string, req: Build, field?: string | RegExp): Case => ({ name, req, status: 400, code: 'VALIDATION_FAILED', field });
const unauthorized = (name: string, req: Build): Case => ({ name, req, status: 401, code: 'UNAUTHORIZED' });
const tooLarge = (name: string, req: Build): Case => ({ name, req, status: 413, code: 'PAYLOAD_TOO_LARGE' });
const notJson = (name: string, req: Build): Case => ({ name, req, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });

const MALFORMED: Case[] = [
  invalid('a truncated object', rawBank('{"name": ')),
  invalid('unquoted keys', () => ({ method: 'POST', path: '/v1/exams', raw: "{bankId: 'x', candidateId: 'y'}" })),
  invalid('trailing garbage', rawBank('{"name":"x"} xyz')),
  invalid('two documents', rawBank('{"name":"x"}{"name":"y"}')),
  invalid('an empty JSON body', rawBank('')),
  invalid('raw binary bytes', () => ({ method: 'POST', path: '/v1/exams', raw: Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80, 0x7b, 0x0a]) })),
  invalid('a NaN literal', estimate('{"items":[{"a":NaN,"b":0}],"responses":[1]}')),
  invalid('a __proto__ key', rawBank('{"name":"x","__proto__":{"admin":true}}')),
  invalid('a truncated answer', (c) => ({ ...answer(() => undefined)(c), raw: '{"itemId":' })),
  // Parses, but overflowed class-transformer's recursion (a 500).
  invalid('arrays nested 100,000 deep', rawBank(`{"name":${'['.repeat(100_000)}${']'.repeat(100_000)}}`), /^name(\.0){31}$/),
];

const WRONG_TYPES: Case[] = [
  invalid('bank name as a number', createBank({ name: 5 }), 'name'),
  invalid('bank name as an array', createBank({ name: ['x'] }), 'name'),
  invalid('a JSON array as the body', createBank([]), 'name'),
  invalid('a JSON null as the body', createBank(null), 'name'),
  invalid('items as an object', importItems({ items: {} }), 'items'),
  invalid('an item as a number', importItems({ items: [1] }), 'items.0'),
  invalid('a as a string', spoiled({ a: '1.2' }), 'items.0.a'),
  invalid('options as a string', spoiled({ options: 'AB' }), 'items.0.options'),
  invalid('an option as a string', withOptions('A', 'B'), 'items.0.options.0'),
  invalid('candidateId as a number', startExam({ candidateId: 5 }), 'candidateId'),
  invalid('config as a string', startConfig('fast'), 'config'),
  invalid('config as an array', startConfig([]), 'config'),
  invalid('config.selection as an array', startConfig({ selection: [] }), 'config.selection'),
  invalid('config.prior as an array', startConfig({ prior: [0, 1] }), 'config.prior'),
  invalid('config.maxItems as a fraction', startConfig({ maxItems: 2.5 }), 'config.maxItems'),
  invalid('config.estimator as a number', startConfig({ estimator: 1 }), 'config.estimator'),
  invalid('contentBalance as an array', startConfig({ selection: { contentBalance: [0.5] } }), 'config.selection.contentBalance'),
  invalid('answer as a number', answerWith(1), 'answer'),
  invalid('itemId as a number', answer(() => ({ itemId: 5, answer: 'A' })), 'itemId'),
  invalid('responses as a string', estimate('{"items":[{"a":1,"b":0}],"responses":"1"}'), 'responses'),
  invalid('a response of 2 to a right/wrong item', estimate('{"items":[{"a":1,"b":0}],"responses":[2]}'), 'responses.0'),
  invalid('a response of 10', estimate('{"items":[{"a":1,"b":0}],"responses":[10]}'), 'responses'),
  invalid('a score above a GRM item\'s top', estimate('{"items":[{"model":"GRM","a":1,"thresholds":[0,1]}],"responses":[3]}'), 'responses.0'),
  invalid('GRM thresholds out of order', estimate('{"items":[{"model":"GRM","a":1,"thresholds":[1,0]}],"responses":[1]}'), 'items.0.thresholds.1'),
  invalid('enabled as a string', patchItem({ enabled: 'yes' }), 'enabled'),
  invalid('limit=abc', listItems('limit=abc'), 'limit'),
  invalid('limit given twice', listItems('limit=1&limit=2'), 'limit'),
  invalid('a cursor past the integer range', listItems('cursor=9999999999'), 'cursor'),
];

const UNKNOWN_FIELDS: Case[] = [
  invalid('on a new bank', createBank({ name: 'x', extra: 1 }), 'extra'),
  invalid('on an imported item', spoiled({ foo: 1 }), 'items.0.foo'),
  invalid('on an option', withOptions({ key: 'A', text: '3', x: 1 }, { key: 'B', text: '4' }), 'items.0.options.0.x'),
  invalid('beside an import', importItems({ items: [item()], dryRun: true }), 'dryRun'),
  invalid('on an exam start', startExam({ admin: true }), 'admin'),
  invalid('in config', startConfig({ foo: 1 }), 'config.foo'),
  invalid('in config.selection', startConfig({ selection: { bar: 1 } }), 'config.selection.bar'),
  invalid('in config.prior', startConfig({ prior: { x: 1 } }), 'config.prior.x'),
  invalid('on an answer', answer((c) => ({ itemId: c.exam.item.id, answer: 'A', correct: true })), 'correct'),
  invalid('on estimate items', estimate('{"items":[{"a":1,"b":0,"e":1}],"responses":[1]}'), 'items.0.e'),
  invalid('on an item patch', patchItem({ ordinal: 7 }), 'ordinal'),
  invalid('in the query', listItems('foo=1'), 'foo'),
];

const OVERSIZED: Case[] = [
  tooLarge('an import with a 6 MB stem', spoiled({ stem: SIX_MB })),
  tooLarge('an exam start with a 6 MB candidateId', startExam({ candidateId: SIX_MB })),
  tooLarge('a 6 MB answer', answerWith(SIX_MB)),
];

// JSON is the only body type: a cross-site HTML form (or anything else) is refused before its body is read.
const NOT_JSON: Case[] = [
  notJson('6 MB that are not JSON', () => ({ method: 'POST', path: '/v1/exams', headers: { 'content-type': 'text/plain' }, raw: SIX_MB })),
  notJson('an HTML form starting an exam', () => ({
    method: 'POST',
    path: '/v1/exams',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...ADMIN },
    raw: 'bankId=00000000-0000-4000-8000-000000000000&candidateId=x',
  })),
  notJson('a multipart form', () => ({ method: 'POST', path: '/v1/item-banks', headers: { 'content-type': 'multipart/form-data; boundary=x', ...ADMIN }, raw: '--x--' })),
  notJson('plain text on an answer', (c) => ({
    method: 'POST',
    path: `/v1/exams/${c.exam.examId}/answers`,
    headers: { 'content-type': 'text/plain', ...bearer(c.exam.token) },
    raw: JSON.stringify({ itemId: c.exam.item.id, answer: 'A' }),
  })),
];

const NON_UUID_IDS: Case[] = [
  invalid('GET bank 123', adminGet('/v1/item-banks/123'), 'bankId'),
  invalid('GET bank with a non-hex digit', adminGet('/v1/item-banks/00000000-0000-4000-8000-00000000000g'), 'bankId'),
  invalid('GET bank with SQL', adminGet("/v1/item-banks/'%20OR%201=1--"), 'bankId'),
  invalid('GET bank with a 37-char id', adminGet(`/v1/item-banks/${MISSING_ID}0`), 'bankId'),
  // Refused by the router before any route: no field to name.
  invalid('GET bank with a 10,000-char id', adminGet(`/v1/item-banks/${'a'.repeat(10_000)}`)),
  invalid('GET bank with broken percent-encoding', adminGet('/v1/item-banks/%E0%A4%A')),
  invalid('result of exam %zz', adminGet('/v1/exams/%zz/result')),
  invalid('import into bank abc', () => post('/v1/item-banks/abc/items', { items: [item()] }, ADMIN), 'bankId'),
  invalid('list items of bank abc', adminGet('/v1/item-banks/abc/items'), 'bankId'),
  invalid('PATCH item abc', () => ({ method: 'PATCH', path: '/v1/items/abc', headers: ADMIN, json: { a: 1 } }), 'itemId'),
  invalid('GET exam abc', (c) => ({ path: '/v1/exams/abc', headers: bearer(c.exam.token) }), 'examId'),
  invalid('answer exam abc', (c) => post('/v1/exams/abc/answers', { itemId: c.exam.item.id, answer: 'A' }, bearer(c.exam.token)), 'examId'),
  invalid('finish exam abc', (c) => ({ method: 'POST', path: '/v1/exams/abc/finish', headers: bearer(c.exam.token) }), 'examId'),
  invalid('result of exam abc', adminGet('/v1/exams/abc/result'), 'examId'),
  invalid('bankId nope in an exam start', startExam({ bankId: 'nope' }), 'bankId'),
  invalid('itemId nope in an answer', answer(() => ({ itemId: 'nope', answer: 'A' })), 'itemId'),
];

const itemText = JSON.stringify(item());
const NOT_FINITE: Case[] = [
  invalid('a = 1e999 (Infinity)', importRaw(`{"items":[${itemText.replace('"a":1.2', '"a":1e999')}]}`), 'items.0.a'),
  invalid('b = -1e999 (-Infinity)', importRaw(`{"items":[${itemText.replace('"b":0', '"b":-1e999')}]}`), 'items.0.b'),
  invalid('a = "Infinity"', spoiled({ a: 'Infinity' }), 'items.0.a'),
  invalid('c = "NaN"', spoiled({ c: 'NaN' }), 'items.0.c'),
  invalid('PATCH a = 1e999', (c) => ({ method: 'PATCH', path: `/v1/items/${c.itemId}`, headers: ADMIN, raw: '{"a":1e999}' }), 'a'),
  invalid('estimate a = 1e999', estimate('{"items":[{"a":1e999,"b":0}],"responses":[1]}'), 'items.0.a'),
  invalid('estimate b = "NaN"', estimate('{"items":[{"a":1,"b":"NaN"}],"responses":[1]}'), 'items.0.b'),
  invalid('estimate prior.sd = 1e999', estimateOne('"prior":{"sd":1e999}'), 'prior.sd'),
  invalid('estimate thetaRange [-1e999, 4]', estimateOne('"thetaRange":[-1e999,4]'), 'thetaRange'),
  invalid('estimate quadraturePoints = 1e999', estimateOne('"quadraturePoints":1e999'), 'quadraturePoints'),
  // Finite bounds, infinite width: the MAP bracketing scan never ended and the process stopped answering.
  invalid('estimate MAP on thetaRange [-1e308, 1e308]', estimateOne('"estimator":"MAP","thetaRange":[-1e308,1e308]'), 'thetaRange'),
  invalid('startTheta = 1e999', startRaw('{"startTheta":1e999}'), 'config.startTheta'),
  invalid('startTheta = "NaN"', startConfig({ startTheta: 'NaN' }), 'config.startTheta'),
  invalid('seThreshold = -1e999', startRaw('{"seThreshold":-1e999}'), 'config.seThreshold'),
  invalid('maxItems = 1e999', startRaw('{"maxItems":1e999}'), 'config.maxItems'),
  invalid('prior.mean = "NaN"', startConfig({ prior: { mean: 'NaN' } }), 'config.prior.mean'),
  invalid('selection.maxExposure = 1e999', startRaw('{"selection":{"maxExposure":1e999}}'), 'config.selection.maxExposure'),
  invalid('contentBalance { algebra: "NaN" }', startConfig({ selection: { contentBalance: { algebra: 'NaN' } } }), /contentBalance\.algebra$/),
  // Accepted at start, these made θ NaN (a 500) or spun the process at the first answer.
  invalid('thetaRange [-1e308, 1e308]', startConfig({ thetaRange: [-1e308, 1e308] }), 'config.thetaRange'),
  invalid('MAP on thetaRange [-1e300, 1e300]', startConfig({ estimator: 'MAP', thetaRange: [-1e300, 1e300] }), 'config.thetaRange'),
  invalid('prior.mean = 1e300', startConfig({ prior: { mean: 1e300 }, startTheta: 0 }), 'config.prior.mean'),
  invalid('prior.sd = 1e-300', startConfig({ prior: { mean: 0.1, sd: 1e-300 } }), 'config.prior.sd'),
  invalid('limit=NaN', listItems('limit=NaN'), 'limit'),
  invalid('limit=Infinity', listItems('limit=Infinity'), 'limit'),
  invalid('limit=1e999', listItems('limit=1e999'), 'limit'),
];

const BAD_PARAMETERS: Case[] = [
  invalid('c = d', spoiled({ c: 0.5, d: 0.5 }), 'items.0.d'),
  invalid('c > d', spoiled({ c: 0.6, d: 0.5 }), 'items.0.d'),
  invalid('c = 1 (over the default d)', spoiled({ c: 1 }), 'items.0.c'),
  invalid('c < 0', spoiled({ c: -0.1 }), 'items.0.c'),
  invalid('d > 1', spoiled({ d: 1.5 }), 'items.0.d'),
  invalid('a = 0', spoiled({ a: 0 }), 'items.0.a'),
  invalid('a < 0', spoiled({ a: -1.5 }), 'items.0.a'),
  invalid('a = 0 on the second item', importItems({ items: [item(), item({ externalId: 'bad-2', a: 0 })] }), 'items.1.a'),
  invalid('correctKey not among the options', spoiled({ correctKey: 'Z' }), 'items.0.correctKey'),
  invalid('estimate a = 0', estimate('{"items":[{"a":0,"b":0}],"responses":[1]}'), 'items.0.a'),
  invalid('estimate c = d', estimate('{"items":[{"a":1,"b":0,"c":0.9,"d":0.9}],"responses":[1]}'), 'items.0.d'),
  invalid('PATCH a = 0', patchItem({ a: 0 }), 'a'),
  invalid('PATCH c > d', patchItem({ c: 0.9, d: 0.5 }), 'd'),
  invalid('PATCH c over the stored d', patchItem({ c: 1 }), 'c'),
];

const EMPTY_BANKS: Case[] = [
  { name: 'an exam on a bank without items', req: (c) => startExam({ bankId: c.emptyBankId })(c), status: 409, code: 'CONFLICT' },
  { name: 'an exam on a bank whose items are all disabled', req: (c) => startExam({ bankId: c.disabledBankId })(c), status: 409, code: 'CONFLICT' },
  invalid('an import of items: []', importItems({ items: [] }), 'items'),
  invalid('an import without items', importItems({}), 'items'),
  invalid('an estimate of no items', estimate('{"items":[],"responses":[]}'), 'items'),
  invalid('an import of 10,001 items', importItems({ items: makeItems(10_001, 7, 'over') }), 'items'),
  invalid('an estimate of 10,001 items', () => post('/v1/estimate', { items: Array(10_001).fill({ a: 1, b: 0 }), responses: [1] }, ADMIN), 'items'),
];

const NUL = 'a\u0000b';
const LONE_SURROGATE = 'a\ud800b';
const STRINGS: Case[] = [
  invalid('a stem of 20,001 chars', spoiled({ stem: 'x'.repeat(20_001) }), 'items.0.stem'),
  invalid('a bank name of 201 chars', createBank({ name: 'n'.repeat(201) }), 'name'),
  invalid('a bank name of 201 emoji', createBank({ name: '😀'.repeat(201) }), 'name'),
  invalid('an empty bank name', createBank({ name: '' }), 'name'),
  invalid('a candidateId of 201 chars', startExam({ candidateId: 'c'.repeat(201) }), 'candidateId'),
  invalid('an externalId of 201 chars', spoiled({ externalId: 'e'.repeat(201) }), 'items.0.externalId'),
  invalid('an option text of 5,001 chars', withOptions({ key: 'A', text: 't'.repeat(5_001) }, { key: 'B', text: '4' }), 'items.0.options.0.text'),
  invalid('a contentArea of 101 chars', spoiled({ contentArea: 'g'.repeat(101) }), 'items.0.contentArea'),
  invalid('an answer of 51 chars', answerWith('A'.repeat(51)), 'answer'),
  // Postgres text cannot hold NUL, and a lone surrogate is not Unicode: both were 500s.
  invalid('NUL in a bank name', createBank({ name: NUL }), 'name'),
  invalid('NUL in a stem', spoiled({ stem: NUL }), 'items.0.stem'),
  invalid('NUL in an option text', withOptions({ key: 'A', text: NUL }, { key: 'B', text: '4' }), 'items.0.options.0.text'),
  invalid('NUL in an externalId', spoiled({ externalId: NUL }), 'items.0.externalId'),
  invalid('NUL in a contentArea', spoiled({ contentArea: NUL }), 'items.0.contentArea'),
  invalid('NUL in a candidateId', startExam({ candidateId: NUL }), 'candidateId'),
  invalid('NUL in a contentBalance area', startConfig({ selection: { contentBalance: { [NUL]: 0.5 } } }), `config.selection.contentBalance.${NUL}`),
  invalid('NUL in a patched stem', patchItem({ stem: NUL }), 'stem'),
  invalid('a lone surrogate in a bank name', createBank({ name: LONE_SURROGATE }), 'name'),
  invalid('a lone surrogate in a stem', spoiled({ stem: LONE_SURROGATE }), 'items.0.stem'),
  invalid('a lone surrogate in a candidateId', startExam({ candidateId: LONE_SURROGATE }), 'candidateId'),
];

const otherToken = (c: Context) => bearer(c.other.token);
const AUTH: Case[] = [
  // Exam tokens.
  unauthorized("GET with another exam's token", onExam(otherToken)),
  unauthorized("answer with another exam's token", onExam(otherToken, '/answers')),
  unauthorized("finish with another exam's token", onExam(otherToken, '/finish')),
  unauthorized("result with another exam's token", (c) => ({ path: `/v1/exams/${c.exam.examId}/result`, headers: otherToken(c) })),
  unauthorized("GET with a finished exam's token", onExam((c) => bearer(c.finished.token))),
  unauthorized("answer with a completed exam's token", onExam((c) => bearer(c.completed.token), '/answers')),
  unauthorized('a well-formed garbage token', onExam(() => bearer(GARBAGE_TOKEN))),
  unauthorized('a short token', onExam(() => bearer('abc'))),
  unauthorized('a token of punctuation', onExam(() => bearer('!'.repeat(43)))),
  unauthorized('a 10,000-char token', onExam(() => bearer('x'.repeat(10_000)))),
  unauthorized('the token without the Bearer prefix', onExam((c) => ({ authorization: c.exam.token }))),
  unauthorized('the token as Basic credentials', onExam((c) => ({ authorization: `Basic ${c.exam.token}` }))),
  unauthorized('the token in x-api-key', onExam((c) => ({ 'x-api-key': c.exam.token }))),
  unauthorized('no Authorization header', onExam(() => ({}))),
  unauthorized('the admin key where only the token is accepted', onExam(() => ADMIN)),
  unauthorized('an exam token on an admin route', (c) => ({ path: '/v1/admin/stats', headers: bearer(c.exam.token) })),
  // The admin key.
  unauthorized('a wrong admin key on POST /v1/item-banks', () => post('/v1/item-banks', { name: 'x' }, WRONG_ADMIN)),
  unauthorized('a wrong admin key on an import', (c) => post(`/v1/item-banks/${c.bankId}/items`, { items: [item()] }, WRONG_ADMIN)),
  unauthorized('a wrong admin key on PATCH', (c) => ({ ...patchItem({ enabled: false })(c), headers: WRONG_ADMIN })),
  unauthorized('a wrong admin key on /v1/estimate', () => post('/v1/estimate', { items: [{ a: 1, b: 0 }], responses: [1] }, WRONG_ADMIN)),
  unauthorized('a wrong admin key on a result', (c) => ({ path: `/v1/exams/${c.exam.examId}/result`, headers: WRONG_ADMIN })),
  unauthorized('an empty admin key', () => ({ path: '/v1/admin/stats', headers: { 'x-api-key': '' } })),
  unauthorized('no admin key on GET bank', (c) => ({ path: `/v1/item-banks/${c.bankId}` })),
  unauthorized('no admin key on a cleanup', () => ({ method: 'POST', path: '/v1/admin/sessions/cleanup' })),
  unauthorized('no credentials on a result', (c) => ({ path: `/v1/exams/${c.exam.examId}/result` })),
  // Tokens of finished exams, on their own exam.
  {
    name: 'answering an exam ended by /finish',
    req: (c) => post(`/v1/exams/${c.finished.examId}/answers`, { itemId: c.finished.item.id, answer: 'A' }, bearer(c.finished.token)),
    status: 409,
    code: 'EXAM_FINISHED',
  },
  {
    name: 'answering a completed exam with another item',
    req: (c) => {
      const itemId = c.itemId === c.completed.item.id ? c.exam.item.id : c.itemId;
      return post(`/v1/exams/${c.completed.examId}/answers`, { itemId, answer: 'A' }, bearer(c.completed.token));
    },
    status: 409,
    code: 'EXAM_FINISHED',
  },
  {
    name: 'changing the last answer of a completed exam',
    req: (c) => post(`/v1/exams/${c.completed.examId}/answers`, { itemId: c.completed.item.id, answer: 'B' }, bearer(c.completed.token)),
    status: 409,
    code: 'ALREADY_ANSWERED',
  },
  // The same 401 as a wrong token on an existing exam: whether an exam exists is not for a token to find out.
  unauthorized('a valid token on an unknown exam', (c) => ({ path: `/v1/exams/${MISSING_ID}`, headers: bearer(c.exam.token) })),
  unauthorized('an exam start with no key and no launch token', (c) => post('/v1/exams', { bankId: c.bankId, candidateId: 'anonymous' })),
];

function parseReply(status: number, text: string): Reply {
  try {
    return { status, body: JSON.parse(text) as unknown };
  } catch {
    return { status, body: text };
  }
}

const BODY_LIMIT = 5 * 1024 * 1024;
const FIRST_CHUNK = 64 * 1024;

/**
 * node:http rather than fetch, and a body over the 5 MB limit sent in two steps: the server refuses it with 413
 * and `connection: close` as soon as it has the headers, and a client that goes on writing gets EPIPE and loses
 * that response (fetch reports the EPIPE). So the headers and the first 64 KB go first; the rest only if no
 * response came back within a second.
 */
function call(baseUrl: string, req: Req): Promise<Reply> {
  const headers: Record<string, string> = { ...req.headers };
  let body: Buffer | undefined;
  if (req.json !== undefined) body = Buffer.from(JSON.stringify(req.json));
  else if (req.raw !== undefined) body = Buffer.from(req.raw);
  if (body !== undefined) {
    headers['content-length'] = String(body.length);
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  }
  return new Promise((resolve, reject) => {
    let answered = false;
    let onAnswer = () => undefined as void;
    const request = http.request(`${baseUrl}${req.path}`, { method: req.method ?? 'GET', headers }, (res) => {
      answered = true;
      onAnswer();
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve(parseReply(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
        request.destroy();
      });
      res.on('error', reject);
    });
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (body === undefined || body.length <= BODY_LIMIT) {
      request.end(body);
      return;
    }
    request.write(body.subarray(0, FIRST_CHUNK));
    const rest = body.subarray(FIRST_CHUNK);
    const timer = setTimeout(() => {
      if (!answered) request.end(rest);
    }, 1_000);
    onAnswer = () => clearTimeout(timer);
  });
}

/** Bytes straight onto a socket, for what no HTTP client will send; the reply is parsed by hand. */
function rawHttp(baseUrl: string, payload: string): Promise<Reply> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(Number(port), hostname, () => socket.write(payload));
    socket.setTimeout(5_000, () => socket.destroy(new Error('no reply within 5 s')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // The server closes the connection after a framing error; an RST after the reply is expected.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(text);
      if (!status) return reject(new Error(`not an HTTP reply: ${JSON.stringify(text.slice(0, 200))}`));
      resolve(parseReply(Number(status[1]), text.slice(text.indexOf('\r\n\r\n') + 4)));
    });
  });
}

function expectError(res: Reply, status: number, code: string, field?: string | RegExp): void {
  // The whole reply in the failure message.
  expect(res).toMatchObject({ status, body: { statusCode: status, code, message: expect.any(String) } });
  const body = res.body as ErrorBody;
  expect(Object.keys(body).filter((key) => !ERROR_KEYS.includes(key))).toEqual([]);
  if (body.details !== undefined && code === 'VALIDATION_FAILED') {
    for (const detail of body.details) expect(detail).toEqual({ field: expect.any(String), message: expect.any(String) });
  }
  if (field !== undefined) {
    expect(body.details).toContainEqual({ field: typeof field === 'string' ? field : expect.stringMatching(field), message: expect.any(String) });
  }
}

describe('Bad input against the compiled server (faults)', () => {
  let server: Awaited<ReturnType<typeof spawnServer>>;
  let url: string;
  let ctx: Context;

  const admin = async (req: Req, status: number) => {
    const res = await call(url, { ...req, headers: { ...ADMIN, ...req.headers } });
    expect(res).toMatchObject({ status });
    return res.body as Record<string, unknown>;
  };
  const start = async (bankId: string, candidateId: string, config: Record<string, unknown> = {}) => {
    const res = await call(url, { method: 'POST', path: '/v1/exams', headers: ADMIN, json: { bankId, candidateId, config: { feedback: 'theta', ...config } } });
    expect(res).toMatchObject({ status: 201 });
    return res.body as StartedExam;
  };
  const bankState = async (bankId: string) => admin({ path: `/v1/item-banks/${bankId}` }, 200);

  beforeAll(async () => {
    server = await spawnServer();
    url = server.url;
    const bank = await admin({ method: 'POST', path: '/v1/item-banks', json: { name: 'bad input' } }, 201);
    const bankId = bank.id as string;
    const imported = await admin({ method: 'POST', path: `/v1/item-banks/${bankId}/items`, json: { items: makeItems(30, 5, 'bad-input') } }, 201);
    const page = await admin({ path: `/v1/item-banks/${bankId}/items?limit=1` }, 200);
    const emptyBank = await admin({ method: 'POST', path: '/v1/item-banks', json: { name: 'empty' } }, 201);
    const disabledBank = await admin({ method: 'POST', path: '/v1/item-banks', json: { name: 'all disabled' } }, 201);
    await admin({ method: 'POST', path: `/v1/item-banks/${disabledBank.id as string}/items`, json: { items: makeItems(1, 6, 'off') } }, 201);
    const disabledItems = await admin({ path: `/v1/item-banks/${disabledBank.id as string}/items` }, 200);
    const [offItem] = disabledItems.items as { id: string }[];
    await admin({ method: 'PATCH', path: `/v1/items/${offItem.id}`, json: { enabled: false } }, 200);

    const [exam, other, finished, completed] = await Promise.all([
      start(bankId, 'bad-input-a', { maxItems: 5, seThreshold: 0 }),
      start(bankId, 'bad-input-b'),
      start(bankId, 'bad-input-f'),
      start(bankId, 'bad-input-c', { maxItems: 1 }),
    ]);
    expect(await call(url, { method: 'POST', path: `/v1/exams/${finished.examId}/finish`, headers: bearer(finished.token) })).toMatchObject({
      status: 200,
      body: { status: 'completed' },
    });
    const done = post(`/v1/exams/${completed.examId}/answers`, { itemId: completed.item.id, answer: 'A' }, bearer(completed.token));
    expect(await call(url, done)).toMatchObject({ status: 200, body: { done: true } });
    ctx = {
      bankId,
      bankVersion: imported.bankVersion as number,
      emptyBankId: emptyBank.id as string,
      disabledBankId: disabledBank.id as string,
      itemId: (page.items as { id: string }[])[0].id,
      exam,
      other,
      finished,
      completed,
    };
  });

  afterAll(async () => {
    if (server) await stopServer(server.child);
  });

  const corpus = (cases: Case[]) =>
    it.each(cases)('$name → $status $code', async ({ req, status, code, field }) => {
      expectError(await call(url, req(ctx)), status, code, field);
    });

  describe('malformed JSON', () => corpus(MALFORMED));
  describe('wrong types', () => corpus(WRONG_TYPES));
  describe('unknown fields', () => corpus(UNKNOWN_FIELDS));
  describe('bodies over 5 MB', () => corpus(OVERSIZED));
  describe('bodies that are not JSON', () => corpus(NOT_JSON));
  describe('ids that are not UUIDs', () => corpus(NON_UUID_IDS));
  describe('NaN, Infinity and numbers out of scale', () => corpus(NOT_FINITE));
  describe('IRT parameters out of range (a ≤ 0, c ≥ d, …)', () => corpus(BAD_PARAMETERS));
  describe('empty and oversized banks', () => corpus(EMPTY_BANKS));
  describe('unicode and very long strings', () => corpus(STRINGS));
  describe('wrong, foreign and spent credentials', () => corpus(AUTH));

  describe('broken HTTP framing', () => {
    const POST_EXAMS = 'POST /v1/exams HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n';
    it.each([
      ['garbage bytes instead of a request line', '\u0000\u0001\u0002 garbage\r\n\r\n'],
      [
        'a chunked body with a bad chunk size',
        'POST /v1/item-banks HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\nZZ\r\n{"name"\r\n0\r\n\r\n',
      ],
      ['a header line without a colon', 'GET /health/live HTTP/1.1\r\nHost x\r\n\r\n'],
      ['a Content-Length that is not a number', `${POST_EXAMS}content-length: abc\r\n\r\n{}`],
      ['both Content-Length and chunked encoding', `${POST_EXAMS}content-length: 2\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`],
    ])('%s → 400 VALIDATION_FAILED', async (_name, payload) => {
      expectError(await rawHttp(url, payload), 400, 'VALIDATION_FAILED');
    });
  });

  describe('what is still accepted', () => {
    it('should store emoji, right-to-left and combining text unchanged', async () => {
      // Right-to-left scripts and override marks, a combining accent, a ZWJ family; 200 emoji is the longest name.
      const name = '😀'.repeat(200);
      const stored = {
        externalId: 'ünïcødé-☃',
        stem: 'שלום 😀 مرحبا \u202Eabc\u202C e\u0301 👩‍👩‍👧',
        options: [
          { key: 'א', text: '🙂'.repeat(5_000) },
          { key: 'B', text: '4' },
        ],
        correctKey: 'א',
      };
      const bank = await admin(post('/v1/item-banks', { name }), 201);
      expect(bank.name).toBe(name);
      await admin(post(`/v1/item-banks/${bank.id as string}/items`, { items: [item(stored)] }), 201);
      const page = await admin({ path: `/v1/item-banks/${bank.id as string}/items` }, 200);
      expect(page.items).toEqual([expect.objectContaining(stored)]);
    });

    it('should let a finished exam read its own state and replay its own answer', async () => {
      const { completed, finished } = ctx;
      expect(await call(url, { path: `/v1/exams/${finished.examId}`, headers: bearer(finished.token) })).toMatchObject({
        status: 200,
        body: { status: 'completed', item: null, expiresAt: null },
      });
      const replay = await call(url, {
        method: 'POST',
        path: `/v1/exams/${completed.examId}/answers`,
        headers: bearer(completed.token),
        json: { itemId: completed.item.id, answer: 'A' },
      });
      expect(replay).toMatchObject({ status: 200, body: { answered: 1, done: true } });
    });
  });

  describe('after the corpus', () => {
    it('should have stored nothing from it', async () => {
      expect(await bankState(ctx.bankId)).toMatchObject({ itemCount: 30, version: ctx.bankVersion });
      expect(await bankState(ctx.emptyBankId)).toMatchObject({ itemCount: 0, version: 1 });
      const exam = await call(url, { path: `/v1/exams/${ctx.exam.examId}`, headers: bearer(ctx.exam.token) });
      expect(exam).toMatchObject({ status: 200, body: { status: 'active', answered: 0, item: { id: ctx.exam.item.id } } });
      const result = await admin({ path: `/v1/exams/${ctx.exam.examId}/result` }, 200);
      expect(result.responses).toEqual([]);
    });

    it('should stay healthy: ready, still running, no 5xx answered, and running exams', async () => {
      expect(await call(url, { path: '/health/ready' })).toMatchObject({ status: 200, body: { status: 'ok' } });
      expect(server.child.exitCode).toBeNull();
      expect(server.child.signalCode).toBeNull();
      const metrics = await call(url, { path: '/metrics', headers: metricsAuth() });
      expect(metrics.status).toBe(200);
      const counts = String(metrics.body)
        .split('\n')
        .filter((line) => line.startsWith('cat_http_request_duration_seconds_count{'));
      expect(counts.length).toBeGreaterThan(0);
      expect(counts.filter((line) => /status_code="5\d\d"/.test(line))).toEqual([]);

      // The exam every bad request was aimed at, and a new one.
      const first = await call(url, {
        method: 'POST',
        path: `/v1/exams/${ctx.exam.examId}/answers`,
        headers: bearer(ctx.exam.token),
        json: { itemId: ctx.exam.item.id, answer: 'A' },
      });
      expect(first).toMatchObject({ status: 200, body: { answered: 1, done: false, item: { id: expect.any(String) } } });
      const fresh = await start(ctx.bankId, 'after-the-corpus');
      const answered = await call(url, {
        method: 'POST',
        path: `/v1/exams/${fresh.examId}/answers`,
        headers: bearer(fresh.token),
        json: { itemId: fresh.item.id, answer: 'B' },
      });
      expect(answered).toMatchObject({ status: 200, body: { answered: 1, theta: expect.any(Number), se: expect.any(Number) } });
    });
  });
});
