/**
 * Datasets: anomseer's JSONL format, loaders for real labelled data (NAB,
 * UCR, TSB-AD/UAD), data-source spec strings, and fitting long series to the
 * model length. See docs/DATA.md.
 */
export { parseJsonl, formatJsonl, readJsonl, writeJsonl } from './jsonl.js';
export {
  loadNab,
  parseNabCsv,
  readNabCsv,
  parseNabWindows,
  parseNabTimestamp,
  nabRecord,
  windowToInterval,
  NAB_WINDOWS_FILE,
  type NabSeries,
  type NabWindows,
  type NabEntry,
} from './nab.js';
export { loadUcr, parseUcrFile, parseUcrName, parseUcrValues, UCR_NAME_PATTERN, type UcrName } from './ucr.js';
export { loadTsb, parseTsbCsv, readTsbCsv } from './tsb.js';
export { CsvParser, csvRows, detectDelimiter, parseCsvDelimiter, CSV_DELIMITERS, type CsvRow, type CsvOptions, type CsvDelimiter } from './csv-parser.js';
export { csvFileRows, csvFileRowsSync, CSV_CHUNK_BYTES } from './csv-file.js';
export { parseValuesCsv, readValuesCsv, type ValuesCsv, type ValuesCsvOptions } from './values-csv.js';
export { parseDataSpec, formatDataSpec, loadDataSpec, loadDataSpecSync, DATA_SPEC_FORMS, type DataSpec, type LoadOptions } from './spec.js';
export { windowStarts, windowRecord, clipToWindow, windowId, parseWindowId, mergeWindowIntervals, type WindowOptions } from './window.js';
export { resampleSeries, resampleRecord, toResampledInterval, toOriginalInterval } from './resample.js';
export { fitToLength, fitAllToLength, FIT_MODES, WINDOW_OFFSETS, type FitMode, type FitOptions, type WindowOffset } from './fit-length.js';
export { runsToIntervals, mergeIntervals } from './text.js';
