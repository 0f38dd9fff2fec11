import { describe, expect, it } from 'vitest';
import { evaluate, expectedCalibrationError, formatReport } from '../src/eval/metrics.js';

describe('evaluate', () => {
  it('computes per-class precision, recall, F1 with none as its own class', () => {
    const r = evaluate([['coding'], [], ['vision', 'reasoning'], ['tool_use']], [['coding'], ['coding'], ['vision'], []]);
    expect(r.perClass.coding).toMatchObject({ precision: 0.5, recall: 1, tp: 1, fp: 1 });
    expect(r.perClass.none).toMatchObject({ precision: 0, recall: 0, support: 1, fp: 1, fn: 1 });
    expect(r.perClass.reasoning.recall).toBe(0);
    expect(r.perClass.vision.f1).toBe(1);
    expect(r.exactMatch).toBe(0.25);
    expect(r.confusion.tool_use.none).toBe(1);
    expect(r.confusion.reasoning.vision).toBe(1);
    expect(formatReport(r)).toContain('macro-F1');
  });

  it('handles empty input and mismatched lengths', () => {
    expect(evaluate([], []).macroF1).toBe(0);
    expect(() => evaluate([[]], [])).toThrow(RangeError);
  });
});

describe('expectedCalibrationError', () => {
  it('is 0 for perfectly calibrated bins and large for overconfident ones', () => {
    expect(expectedCalibrationError([0.25, 0.25, 0.25, 0.25], [1, 0, 0, 0])).toBeCloseTo(0, 10);
    expect(expectedCalibrationError([0.95, 0.95, 0.95, 0.95], [0, 0, 0, 1])).toBeCloseTo(0.7, 5);
  });
});
