import { describe, expect, it } from 'vitest';
import { parseConfig, commonConfigSchema } from '../../services/shared/config/common.js';
import { asDancuError, ConfigError, DancuError, ValidationError } from '../../services/shared/errors.js';
import { parseSettings } from '../../services/shared/linkage/settings.js';
import { StewardRefusal } from '../../services/shared/review/steward-apply.js';
import { PopulationFileError } from '../../services/shared/store/population-load.js';
import { QueueRefusal } from '../../services/steward/case-queue.js';

/** What a dead letter, the steward API and the logs see of an error. */
function shape(error: unknown) {
  return error instanceof DancuError ? { dancu: true, code: error.code, retriable: error.retriable, message: error.message } : { dancu: false };
}

function thrown(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('nothing was thrown');
}

describe('the one error hierarchy', () => {
  it('makes a refusal of the review queue a DancuError that is not retried, with its code and HTTP status', () => {
    const refusal = new QueueRefusal(409, 'CASE_DECIDED', 'the case is decided already');
    expect({ ...shape(refusal), status: refusal.status }).toEqual({
      dancu: true,
      code: 'CASE_DECIDED',
      retriable: false,
      message: 'the case is decided already',
      status: 409,
    });
  });

  it('makes a steward decision the register refuses a DancuError that is not retried, its reason the message', () => {
    expect(shape(new StewardRefusal('no such citizen in the register'))).toEqual({
      dancu: true,
      code: 'STEWARD_DECISION_REFUSED',
      retriable: false,
      message: 'no such citizen in the register',
    });
  });

  it('makes a bad population file a DancuError that is not retried and keeps its problems by line', () => {
    const error = new PopulationFileError(['line 3: full_name is empty']);
    expect({ ...shape(error), problems: error.problems }).toEqual({
      dancu: true,
      code: 'POPULATION_FILE_INVALID',
      retriable: false,
      message: 'the population file has errors; nothing was loaded:\n  line 3: full_name is empty',
      problems: ['line 3: full_name is empty'],
    });
  });

  it('refuses a bad environment with a ConfigError that names the variable', () => {
    const error = thrown(() => parseConfig(commonConfigSchema, { DANCU_LOG_LEVEL: 'loud' }));
    expect([error instanceof ConfigError, shape(error)]).toEqual([
      true,
      expect.objectContaining({ code: 'CONFIG_INVALID', retriable: false, message: expect.stringMatching(/^invalid configuration: DANCU_LOG_LEVEL/) }),
    ]);
  });

  it('refuses linkage settings that do not parse with a ConfigError', () => {
    const error = thrown(() => parseSettings({ comparisons: 'none' }));
    expect([error instanceof ConfigError, shape(error)]).toEqual([
      true,
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(/^invalid linkage settings/) }),
    ]);
  });

  it('passes a refusal through asDancuError as it is, not as an internal error', () => {
    const refusal = new QueueRefusal(422, 'COMMENT_REQUIRED', 'a decision needs a comment saying why');
    expect(asDancuError(refusal)).toBe(refusal);
  });

  it('names a validation error with one issue by the rule it broke, and one with more as VALIDATION_FAILED', () => {
    const one = new ValidationError([{ code: 'PID_FORMAT', path: 'person.personal_id', message: 'twelve digits' }]);
    const two = new ValidationError([...one.issues, { code: 'NAME_MISSING', path: 'person.full_name', message: 'required' }]);
    expect([one.code, two.code]).toEqual(['PID_FORMAT', 'VALIDATION_FAILED']);
  });
});
