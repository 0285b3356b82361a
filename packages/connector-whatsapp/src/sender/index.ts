export { WhatsAppSender, type WhatsAppSenderOptions, type SendResult, type SendOptions } from './sender.js';
export { whatsAppRateRules, numberKey, pairKey, DEFAULT_PAIR_RATE, MAX_MESSAGES_PER_SECOND, type PairRate, type WhatsAppRateOptions } from './rules.js';
export type { SenderEvent, SenderListener } from './events.js';
