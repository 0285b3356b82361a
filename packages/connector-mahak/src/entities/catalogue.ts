/**
 * The Mahak entities this connector syncs, as data: one table drives the zod schemas, the PostgreSQL tables, the
 * transformer and the fake. Field names are Mahak's (PascalCase, as `GetAllData` returns them).
 */

/** Types a Mahak field can have. `int64` never passes through a JS number; `decimal` is money, kept exact. */
export type FieldType = 'text' | 'int' | 'int64' | 'decimal' | 'bool' | 'date';

/** TypeScript type of a parsed field of type `T`. */
export type FieldValue<T extends FieldType> = T extends 'text'
  ? string
  : T extends 'int'
    ? number
    : T extends 'int64'
      ? bigint
      : T extends 'decimal'
        ? string
        : T extends 'bool'
          ? boolean
          : Date;

const person = {
  PersonGroupId: 'int64',
  PersonType: 'int',
  FirstName: 'text',
  LastName: 'text',
  Organization: 'text',
  NationalCode: 'text',
  Credit: 'decimal',
  Balance: 'decimal',
  Mobile: 'text',
  Phone: 'text',
  Email: 'text',
  Address: 'text',
  CityCode: 'int',
  PostalCode: 'text',
} as const;
const named = { Name: 'text' } as const;
const product = {
  ProductCategoryId: 'int64',
  Name: 'text',
  UnitName: 'text',
  UnitRatio: 'decimal',
  TaxPercent: 'decimal',
  ChargePercent: 'decimal',
  Type: 'int',
} as const;
const productCategory = { ParentId: 'int64', Name: 'text' } as const;
const productDetail = {
  ProductId: 'int64',
  Barcode: 'text',
  Count1: 'decimal',
  Count2: 'decimal',
  Price1: 'decimal',
  Price2: 'decimal',
  Price3: 'decimal',
  Price4: 'decimal',
  Price5: 'decimal',
  Price6: 'decimal',
  Price7: 'decimal',
  Price8: 'decimal',
  Price9: 'decimal',
  Price10: 'decimal',
  Discount: 'decimal',
} as const;
const order = {
  PersonId: 'int64',
  VisitorId: 'int64',
  OrderType: 'int',
  OrderDate: 'date',
  DeliveryDate: 'date',
  Discount: 'decimal',
  SendCost: 'decimal',
  SettlementType: 'int',
  Description: 'text',
} as const;
const orderDetail = {
  OrderId: 'int64',
  ProductDetailId: 'int64',
  Price: 'decimal',
  Count1: 'decimal',
  Count2: 'decimal',
  Discount: 'decimal',
  TaxPercent: 'decimal',
  ChargePercent: 'decimal',
  StoreId: 'int64',
  Description: 'text',
} as const;
const receipt = {
  PersonId: 'int64',
  CashAmount: 'decimal',
  Date: 'date',
  TrackingCode: 'text',
  Description: 'text',
} as const;
const cheque = {
  ReceiptId: 'int64',
  BankId: 'int64',
  Number: 'text',
  Amount: 'decimal',
  Date: 'date',
  Type: 'int',
  Description: 'text',
} as const;
const transaction = {
  PersonId: 'int64',
  DebtAmount: 'decimal',
  CreditAmount: 'decimal',
  Balance: 'decimal',
  Status: 'int',
  Type: 'int',
  Date: 'date',
  Description: 'text',
} as const;
const visitor = { Name: 'text', Mobile: 'text' } as const;

/** One entity kind of the v3 sync API. */
export interface EntityDefinition<
  N extends string = string,
  F extends Record<string, FieldType> = Record<string, FieldType>,
> {
  /** Singular name, the prefix of `<E>Id`, `<E>ClientId`, `<E>Code` and `from<E>Version`. */
  name: N;
  /** Key of the array in `GetAllData`'s `Data.Objects` (e.g. `People`). */
  plural: string;
  /** Key of the array in a `SaveAllData` request (e.g. `people`), for entities the store pushes. */
  saveKey: string;
  /** snake_case stem of the PostgreSQL table (`mahak_<stem>`). */
  table: string;
  /** Entity-specific fields (the common ones are in {@link COMMON_FIELDS}). */
  fields: F;
}

function entity<N extends string, F extends Record<string, FieldType>>(
  name: N,
  plural: string,
  table: string,
  fields: F,
): EntityDefinition<N, F> {
  return { name, plural, saveKey: plural.charAt(0).toLowerCase() + plural.slice(1), table, fields };
}

/** Every entity the connector knows, by name. */
export const ENTITIES = {
  Person: entity('Person', 'People', 'person', person),
  PersonGroup: entity('PersonGroup', 'PersonGroups', 'person_group', named),
  Product: entity('Product', 'Products', 'product', product),
  ProductCategory: entity('ProductCategory', 'ProductCategories', 'product_category', productCategory),
  ProductDetail: entity('ProductDetail', 'ProductDetails', 'product_detail', productDetail),
  Order: entity('Order', 'Orders', 'order', order),
  OrderDetail: entity('OrderDetail', 'OrderDetails', 'order_detail', orderDetail),
  Receipt: entity('Receipt', 'Receipts', 'receipt', receipt),
  Cheque: entity('Cheque', 'Cheques', 'cheque', cheque),
  Transaction: entity('Transaction', 'Transactions', 'transaction', transaction),
  Store: entity('Store', 'Stores', 'store', named),
  Bank: entity('Bank', 'Banks', 'bank', named),
  Visitor: entity('Visitor', 'Visitors', 'visitor', visitor),
} as const;

/** Name of an entity the connector knows. */
export type EntityName = keyof typeof ENTITIES;

/** All entity names, in a dependency-friendly order (groups and categories before what refers to them). */
export const ENTITY_NAMES: readonly EntityName[] = [
  'PersonGroup',
  'Person',
  'Visitor',
  'Bank',
  'Store',
  'ProductCategory',
  'Product',
  'ProductDetail',
  'Order',
  'OrderDetail',
  'Receipt',
  'Cheque',
  'Transaction',
];

/** Fields every Mahak record carries besides `<E>Id`, `<E>ClientId` and `<E>Code`. */
export const COMMON_FIELDS = {
  Deleted: 'bool',
  DataHash: 'text',
  CreateDate: 'date',
  UpdateDate: 'date',
  CreateSyncId: 'int64',
  UpdateSyncId: 'int64',
  RowVersion: 'int64',
} as const;

/** Key names of an entity's identity fields. */
export function keysOf(name: EntityName): { id: string; clientId: string; code: string; fromVersion: string } {
  return { id: `${name}Id`, clientId: `${name}ClientId`, code: `${name}Code`, fromVersion: `from${name}Version` };
}

/** True when `name` is an entity the connector knows. */
export function isEntityName(name: string): name is EntityName {
  return Object.hasOwn(ENTITIES, name);
}

/** snake_case of a PascalCase Mahak field name (`PersonGroupId` → `person_group_id`, `Price10` → `price10`). */
export function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}
