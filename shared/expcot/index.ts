/** Expert chain of thought (docs/METHOD.md §4): fixed templates, computed evidence, the paper's trace format. */
export { buildExpCot, blindExpCot, composeExpCot, MIN_EXPCOT_LENGTH, type ExpCot, type ExpCotEvidence, type ExpCotOptions } from './build.js';
export {
  EXPCOT_PHRASES,
  FAMILY_WORDS,
  formatF2,
  formatIntervalList,
  parsePhrase,
  renderPhrase,
  splitSentences,
  type Phrase,
  type PhraseId,
  type PhraseValues,
} from './phrases.js';
export { EXPCOT_DISCORD_WINDOW, discordWindow, gradientWindow, observe, type ObservationEvidence } from './observe.js';
export { EXPCOT_MAX_DETAILED, reason, reasoningModel } from './reason.js';
