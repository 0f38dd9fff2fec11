// The HTML evaluation report: data builder, curves and the page. Re-exports only.
export { buildReport, modelInfo, MISSING_SLICE, REPORT_FORMAT, REPORT_VERSION } from './data.js';
export type { ReportInput, ReportMeta, ReportRow, ReportSlice, ModelInfo, WorstError } from './data.js';
export { averagePrecision, calibrationBins, labelCurves, precisionRecall } from './curves.js';
export type { CalibrationBin, LabelCurves, PrPoint, ScoredRow } from './curves.js';
export { renderReport, LOW_F1 } from './html.js';
