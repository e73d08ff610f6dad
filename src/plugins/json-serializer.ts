import fastJson from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import { z } from 'zod';

/**
 * Answers written by fast-json-stringify (Fastify's own serializer) from the JSON Schema of
 * each route's zod response schema, the one the OpenAPI document shows: compiled once per
 * route and status, it writes the declared properties straight into the JSON text, where
 * fastify-type-provider-zod's serializer walked every answer through zod and then through
 * JSON.stringify (for a step's answer about 0.6 µs against 5). Like zod's output, only the
 * declared properties are written; a value of the wrong shape still fails where the schema
 * must choose (a wire number that is neither a number nor one of its strings) or a required
 * property is missing, and answers 500.
 */
export const jsonSchemaSerializerCompiler: FastifySerializerCompiler<z.ZodType> = ({ schema }) =>
  fastJson(z.toJSONSchema(schema, { io: 'output', target: 'draft-7', unrepresentable: 'any' }) as Parameters<typeof fastJson>[0]);
