// Labelers' formats: CSV, Label Studio and Prodigy writers, and gold-label readers. Re-exports only.
export { CHOICES, CHOICE_HINTS, FormatError, labelsFromChoices } from './common.js';
export type { TaggedPrompt, FailedPrompt, GoldRow } from './common.js';
export { CSV_COLUMNS, csvHeader, csvRow } from './csv.js';
export {
  LABEL_STUDIO_CONFIG,
  LABEL_STUDIO_FROM_NAME,
  labelStudioTask,
  createLabelStudioWriter,
  goldFromLabelStudioItem,
  goldFromLabelStudioExport,
} from './labelstudio.js';
export type { LabelStudioTask, LabelStudioChoiceResult, LabelStudioWriteOptions, LabelStudioReadOptions } from './labelstudio.js';
export { prodigyTask, goldFromProdigy } from './prodigy.js';
export type { ProdigyTask, ProdigyWriteOptions } from './prodigy.js';
export { GOLD_FORMATS, sniffGoldFormat } from './sniff.js';
export type { GoldFormat } from './sniff.js';
export { readGold, goldFromJsonl, MAX_JSON_BYTES } from './read.js';
export type { ReadGoldOptions, GoldSource } from './read.js';
