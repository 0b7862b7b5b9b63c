/**
 * JSON schemas of the values routes take from paths and query strings. Every value is bounded
 * here, so that nothing the database would choke on (a NUL byte, a number past bigint or an
 * interval past its range) gets past the route: bad input answers 400 with a message, never 500.
 */

/** Case ids, merge proposal ids: positive and within what JavaScript and bigint hold exactly. */
export const idSchema = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } as const;

/** Citizen ids are personal IDs or generated ids: letters, digits and a few separators. */
export const citizenIdSchema = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$' } as const;

/** Steward decision ids (`steward:<uuid>`). */
export const decisionIdSchema = { type: 'string', minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._:-]+$' } as const;

/** Source names (`vaccination`, `register`, …) and case reasons (`PID_CONTRADICTED`, …). */
export const sourceSchema = { type: 'string', minLength: 1, maxLength: 40, pattern: '^[a-z0-9._-]+$' } as const;
export const reasonSchema = { type: 'string', minLength: 1, maxLength: 40, pattern: '^[A-Z_]+$' } as const;

/** A case's age filter: up to a hundred years, in hours. */
export const MAX_AGE_HOURS = 100 * 366 * 24;

export const caseIdParams = { type: 'object', properties: { id: idSchema }, required: ['id'], additionalProperties: false } as const;

/** A steward's comment: free text, but no NUL (PostgreSQL's text refuses it). */
export const commentSchema = { type: 'string', minLength: 1, maxLength: 2000, pattern: '^[^\\u0000]*$' } as const;

/** Sign-in names as `dancu steward user add` allows them (and a little more, so a wrong name is a wrong name, not a bad request). */
export const usernameSchema = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._@-]+$' } as const;
export const passwordSchema = { type: 'string', minLength: 1, maxLength: 256, pattern: '^[^\\u0000]*$' } as const;
