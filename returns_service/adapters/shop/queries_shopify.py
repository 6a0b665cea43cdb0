"""The GraphQL documents sent to Shopify's Admin API (the reference page of each is noted;
tests/standins/shopify.py answers them)."""

# https://shopify.dev/docs/api/admin-graphql/latest/queries/order
ORDER_FOR_RETURN = """
query OrderForReturn($id: ID!) {
  order(id: $id) {
    id
    fulfillments { fulfillmentLineItems(first: 100) { nodes { id lineItem { id } } } }
    returns(first: 50) {
      nodes {
        id status
        returnLineItems(first: 50) { nodes { ... on ReturnLineItem { returnReasonNote } } }
      }
    }
  }
}"""

# https://shopify.dev/docs/api/admin-graphql/latest/mutations/returnCreate
RETURN_CREATE = """
mutation ReturnCreate($returnInput: ReturnInput!) {
  returnCreate(returnInput: $returnInput) {
    return { id status }
    userErrors { field message }
  }
}"""

# https://shopify.dev/docs/api/admin-graphql/latest/queries/return
RETURN_REVERSE = """
query ReturnReverse($id: ID!) {
  return(id: $id) {
    reverseFulfillmentOrders(first: 1) {
      nodes {
        id
        lineItems(first: 50) { nodes { id totalQuantity } }
        reverseDeliveries(first: 10) {
          nodes {
            id
            deliverable { ... on ReverseDeliveryShippingDeliverable { tracking { number } } }
          }
        }
      }
    }
  }
}"""

# https://shopify.dev/docs/api/admin-graphql/latest/mutations/reverseDeliveryCreateWithShipping
REVERSE_DELIVERY_CREATE = """
mutation ReverseDelivery($reverseFulfillmentOrderId: ID!,
    $reverseDeliveryLineItems: [ReverseDeliveryLineItemInput!]!,
    $trackingInput: ReverseDeliveryTrackingInput, $labelInput: ReverseDeliveryLabelInput) {
  reverseDeliveryCreateWithShipping(reverseFulfillmentOrderId: $reverseFulfillmentOrderId,
      reverseDeliveryLineItems: $reverseDeliveryLineItems, trackingInput: $trackingInput,
      labelInput: $labelInput) {
    reverseDelivery { id }
    userErrors { field message }
  }
}"""

# https://shopify.dev/docs/api/admin-graphql/latest/mutations/reverseDeliveryShippingUpdate
REVERSE_DELIVERY_UPDATE = """
mutation ReverseDeliveryUpdate($reverseDeliveryId: ID!,
    $trackingInput: ReverseDeliveryTrackingInput, $labelInput: ReverseDeliveryLabelInput) {
  reverseDeliveryShippingUpdate(reverseDeliveryId: $reverseDeliveryId,
      trackingInput: $trackingInput, labelInput: $labelInput, notifyCustomer: false) {
    reverseDelivery { id }
    userErrors { field message }
  }
}"""

RETURN_STATUS = """
query ReturnStatus($id: ID!) { return(id: $id) { id status } }"""

# https://shopify.dev/docs/api/admin-graphql/latest/mutations/returnClose
RETURN_CLOSE = """
mutation ReturnClose($id: ID!) {
  returnClose(id: $id) { return { id status } userErrors { field message } }
}"""

ORDER_TRANSACTIONS = """
query OrderTransactions($id: ID!) {
  order(id: $id) { id transactions { id kind status gateway } }
}"""

# https://shopify.dev/docs/api/admin-graphql/latest/mutations/refundCreate
# (the @idempotent directive: https://shopify.dev/docs/api/usage/idempotent-requests)
REFUND_CREATE = """
mutation RefundCreate($input: RefundInput!, $key: String!) {
  refundCreate(input: $input) @idempotent(key: $key) {
    refund { id totalRefundedSet { shopMoney { amount currencyCode } } }
    userErrors { field message }
  }
}"""

ORDER_CUSTOMER = """
query OrderCustomer($id: ID!) { order(id: $id) { id customer { id } } }"""

# https://shopify.dev/docs/api/admin-graphql/latest/mutations/storeCreditAccountCredit
STORE_CREDIT = """
mutation StoreCredit($id: ID!, $creditInput: StoreCreditAccountCreditInput!) {
  storeCreditAccountCredit(id: $id, creditInput: $creditInput) {
    storeCreditAccountTransaction { amount { amount currencyCode } account { id } }
    userErrors { field message }
  }
}"""

# https://shopify.dev/docs/api/admin-graphql/latest/objects/StoreCreditAccount
CUSTOMER_CREDITS = """
query CustomerCredits($id: ID!) {
  customer(id: $id) {
    storeCreditAccounts(first: 10) {
      nodes { id transactions(first: 50, reverse: true) {
        nodes { amount { amount currencyCode } createdAt } } }
    }
  }
}"""

# https://shopify.dev/docs/api/admin-graphql/latest/mutations/giftCardCreate
GIFT_CARD_CREATE = """
mutation GiftCard($input: GiftCardCreateInput!) {
  giftCardCreate(input: $input) { giftCard { id } userErrors { field message } }
}"""

# https://shopify.dev/docs/api/admin-graphql/latest/queries/productVariants
VARIANT_BY_SKU = """
query VariantBySku($query: String!) {
  productVariants(first: 1, query: $query) { nodes { id sku inventoryItem { id } } }
}"""

DRAFTS_BY_NOTE = """
query Drafts($query: String!) { draftOrders(first: 1, query: $query) { nodes { id } } }"""

# https://shopify.dev/docs/api/admin-graphql/latest/mutations/draftOrderCreate
DRAFT_ORDER_CREATE = """
mutation DraftCreate($input: DraftOrderInput!) {
  draftOrderCreate(input: $input) { draftOrder { id } userErrors { field message } }
}"""

# https://shopify.dev/docs/api/admin-graphql/latest/mutations/draftOrderComplete
DRAFT_ORDER_COMPLETE = """
mutation DraftComplete($id: ID!) {
  draftOrderComplete(id: $id) { draftOrder { id order { id } } userErrors { field message } }
}"""

FIRST_LOCATION = """
query Locations { locations(first: 1) { nodes { id } } }"""

# https://shopify.dev/docs/api/admin-graphql/latest/mutations/inventoryAdjustQuantities
INVENTORY_ADJUST = """
mutation Restock($input: InventoryAdjustQuantitiesInput!, $key: String!) {
  inventoryAdjustQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id }
    userErrors { field message }
  }
}"""

ORDER_REFUNDS = """
query OrderRefunds($id: ID!) {
  order(id: $id) {
    id refunds { id createdAt note totalRefundedSet { shopMoney { amount currencyCode } } }
  }
}"""

# https://shopify.dev/docs/api/admin-graphql/latest/queries/storeCreditAccount
STORE_CREDIT_ACCOUNT = """
query StoreCreditAccountSeen($id: ID!) {
  storeCreditAccount(id: $id) {
    id transactions(first: 250) { nodes { amount { amount currencyCode } } }
  }
}"""

# https://shopify.dev/docs/api/admin-graphql/latest/queries/giftCard
GIFT_CARD = """
query GiftCardSeen($id: ID!) {
  giftCard(id: $id) { id enabled initialValue { amount currencyCode } }
}"""

# https://shopify.dev/docs/api/admin-graphql/latest/queries/order
EXCHANGE_ORDER = """
query ExchangeOrderSeen($id: ID!) {
  order(id: $id) { id cancelledAt lineItems(first: 50) { nodes { sku quantity } } }
}"""

# https://shopify.dev/docs/api/admin-graphql/latest/queries/orders (cursor paging)
ORDERS = """
query Orders($after: String, $query: String) {
  orders(first: 50, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id name email createdAt processedAt currencyCode customerLocale
      customer { email firstName lastName }
      shippingAddress { name address1 address2 city provinceCode zip countryCodeV2 }
      lineItems(first: 100) {
        nodes { id sku quantity variant { id } product { id }
                originalUnitPriceSet { shopMoney { amount } } }
      }
      fulfillments { displayStatus deliveredAt fulfillmentLineItems(first: 100) {
        nodes { lineItem { id } } } }
    }
  }
}"""
