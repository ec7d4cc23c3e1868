import { STORABLE_TEXT, UUID_PATTERN } from '../common/http/json-schema.js';

/**
 * JSON schemas of the answer route, compiled by Fastify: ajv validates the request (instead of class-validator,
 * which costs more than the rest of the route's own work), and the response schema both serialises the reply
 * fast and lets nothing out that it does not list — no keys, no item parameters.
 */

const candidateItem = {
  type: ['object', 'null'],
  required: ['id', 'stem', 'options'],
  properties: {
    id: { type: 'string' },
    stem: { type: 'string' },
    options: {
      type: 'array',
      items: { type: 'object', required: ['key', 'text'], properties: { key: { type: 'string' }, text: { type: 'string' } } },
    },
  },
} as const;

export const ANSWER_ROUTE_SCHEMA = {
  params: {
    type: 'object',
    required: ['examId'],
    properties: { examId: { type: 'string', pattern: UUID_PATTERN } },
  },
  body: {
    type: 'object',
    required: ['itemId', 'answer'],
    additionalProperties: false,
    properties: {
      itemId: { type: 'string', pattern: UUID_PATTERN },
      answer: { type: 'string', minLength: 1, maxLength: 50, format: STORABLE_TEXT },
    },
  },
  response: {
    200: {
      type: 'object',
      required: ['answered', 'done', 'item'],
      properties: {
        answered: { type: 'integer' },
        done: { type: 'boolean' },
        item: candidateItem,
        stopReason: { type: 'string' },
        // What the exam's feedback mode shows.
        minItems: { type: 'integer' },
        maxItems: { type: 'integer' },
        theta: { type: 'number' },
        se: { type: 'number' },
      },
    },
  },
};
