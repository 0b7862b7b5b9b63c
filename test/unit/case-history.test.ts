import { describe, expect, it } from 'vitest';
import { foldHistory, type CaseAuditRow } from '../../services/steward/case-history.js';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 8, minute));
const row = (minute: number, actor: string, action: string, decision_action: string | null = null, refusal: string | null = null): CaseAuditRow => ({
  at: at(minute),
  actor,
  action,
  decision_action,
  refusal,
});

describe("case page: the case's history from the audit log", () => {
  it('starts with the linker sending the record to review, by no steward', () => {
    expect(foldHistory(at(0), [])).toEqual([{ at: at(0), until: null, actor: null, event: 'CASE_OPENED', decision_action: null, refusal: null, times: 1 }]);
  });

  it('names stewards by their user name and a decision by its kind, an undo as an undo', () => {
    const history = foldHistory(at(0), [
      row(1, 'steward:alice', 'CASE_CLAIMED'),
      row(2, 'steward:alice', 'STEWARD_DECIDED', 'LINK'),
      row(3, 'steward:alice', 'STEWARD_DECISION_APPLIED', 'LINK'),
      row(4, 'steward:sam', 'STEWARD_DECIDED', 'UNDO'),
    ]);
    expect(history.slice(1).map((e) => [e.actor, e.event, e.decision_action])).toEqual([
      ['alice', 'CASE_CLAIMED', null],
      ['alice', 'STEWARD_DECIDED', 'LINK'],
      ['alice', 'STEWARD_DECISION_APPLIED', 'LINK'],
      ['sam', 'STEWARD_UNDID', null],
    ]);
  });

  it("says why the register refused a decision, by the refusal's code, on the refusal's line", () => {
    const history = foldHistory(at(0), [
      row(1, 'steward:alice', 'STEWARD_DECIDED', 'LINK'),
      row(2, 'steward:alice', 'STEWARD_DECISION_REFUSED', 'LINK', 'RECORD_DELETED'),
      row(3, 'steward:alice', 'STEWARD_DECIDED', 'REJECT'),
    ]);
    expect(history.slice(1).map((e) => [e.event, e.decision_action, e.refusal])).toEqual([
      ['STEWARD_DECIDED', 'LINK', null],
      ['STEWARD_DECISION_REFUSED', 'LINK', 'RECORD_DELETED'],
      ['STEWARD_DECIDED', 'REJECT', null],
    ]);
  });

  it('folds views in a row by one steward into one line, from the first to the last', () => {
    const history = foldHistory(at(0), [
      row(1, 'steward:alice', 'CASE_VIEWED'),
      row(2, 'steward:alice', 'CASE_VIEWED'),
      row(5, 'steward:alice', 'CASE_VIEWED'),
      row(6, 'steward:bob', 'CASE_VIEWED'),
      row(7, 'steward:alice', 'CASE_VIEWED'),
    ]);
    expect(history.slice(1).map((e) => [e.actor, e.times, e.at, e.until])).toEqual([
      ['alice', 3, at(1), at(5)],
      ['bob', 1, at(6), null],
      ['alice', 1, at(7), null],
    ]);
  });

  it('does not fold views across another action', () => {
    const history = foldHistory(at(0), [
      row(1, 'steward:alice', 'CASE_VIEWED'),
      row(2, 'steward:alice', 'CASE_CLAIMED'),
      row(3, 'steward:alice', 'CASE_VIEWED'),
    ]);
    expect(history.slice(1).map((e) => e.event)).toEqual(['CASE_VIEWED', 'CASE_CLAIMED', 'CASE_VIEWED']);
  });
});
