export { WhatsAppSender, type WhatsAppSenderOptions, type SendResult, type SendOptions } from './sender.js';
export {
  whatsAppRateRules,
  numberPacing,
  numberKey,
  numberSendCost,
  pairKey,
  DEFAULT_PAIR_RATE,
  DEFAULT_JITTER_MS,
  DEFAULT_CATCH_UP_MS,
  MAX_MESSAGES_PER_SECOND,
  type PairRate,
  type WhatsAppRateOptions,
  type NumberPacing,
} from './rules.js';
export type { SenderEvent, SenderListener } from './events.js';
export { AdaptiveAllowance, type AdaptiveAllowanceOptions } from './lag.js';
