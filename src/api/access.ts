import { z } from 'zod';
import { ROLES } from '../access/caller.js';
import { storedText } from './sessions.js';

/** Request and response bodies of the project and key routes (admin only), and their docs. */

export const projectName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit')
  .describe('Project name');

export const projectInputSchema = z.strictObject({ name: projectName }).meta({ id: 'NewProject' });

export const projectSchema = z
  .object({ name: z.string(), created_at: z.string().describe('ISO 8601 timestamp') })
  .meta({ id: 'Project' });

export const projectListSchema = z.object({ items: z.array(projectSchema) });

const role = z
  .enum(ROLES)
  .describe('read: GET routes and previews of its project; write: everything on its sessions; admin: keys, projects, and every project');

export const keyInputSchema = z
  .strictObject({
    project: projectName.describe('The project the key acts for (it must exist)'),
    role,
    name: storedText().optional().describe('What the key is for (e.g. ci, dashboard)'),
  })
  .meta({ id: 'NewApiKey' });

export const keySchema = z
  .object({
    id: z.string().describe('Public id: listings, revocation, the actor in history and the audit log'),
    project: z.string(),
    role: z.enum(ROLES),
    name: z.string().nullable(),
    created_at: z.string().describe('ISO 8601 timestamp'),
    revoked_at: z.string().nullable().describe('ISO 8601 timestamp; null while the key is valid'),
  })
  .meta({ id: 'ApiKey' });

export const createdKeySchema = keySchema
  .extend({
    token: z
      .string()
      .describe('The bearer token: shown in this answer only, never stored (the service keeps its SHA-256)'),
  })
  .meta({ id: 'CreatedApiKey' });

export const keyListSchema = z.object({ items: z.array(keySchema) });

export const keyIdParams = z.object({ id: z.string() });
