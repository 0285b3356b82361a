export { mahakClientId } from './client-id.js';
export {
  pushOrders,
  pushReceipts,
  StoreOrder,
  StoreOrderLine,
  StoreReceipt,
  toMahakLocalTime,
  type StoreOrderInput,
  type StoreReceiptInput,
  type PushedOrder,
  type PushedLine,
  type PushedReceipt,
  type PushError,
  type PushOptions,
} from './push.js';
