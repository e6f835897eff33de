// Webhook endpoints and their deliveries in the database: the queries of the admin verbs. Delivery
// itself (claiming, sending, recording attempts) is the notifier's (src/notify/webhooks.ts).

import type { Kysely, Updateable } from "kysely";
import type {
  Database,
  WebhookDeliveriesTable,
  WebhookDeliveryRow,
  WebhookEndpointRow,
  WebhookEndpointsTable,
} from "../../db/schema.js";
import { keysetPage } from "../../db/keyset.js";
import type { PageQuery } from "../auth/pagination.js";

type Db = Kysely<Database>;

export async function insertEndpoint(trx: Db, row: WebhookEndpointRow): Promise<void> {
  await trx.insertInto("webhook_endpoints").values(row).execute();
}

export async function findEndpoint(db: Db, id: string): Promise<WebhookEndpointRow | undefined> {
  return db.selectFrom("webhook_endpoints").selectAll().where("id", "=", id).executeTakeFirst();
}

/** One page of endpoints, oldest first (one row more than the limit when there is a next page). */
export async function endpointPage(db: Db, page: PageQuery): Promise<WebhookEndpointRow[]> {
  return keysetPage(db.selectFrom("webhook_endpoints").selectAll(), page).execute();
}

export async function updateEndpoint(
  trx: Db,
  id: string,
  set: Updateable<WebhookEndpointsTable>,
): Promise<void> {
  await trx.updateTable("webhook_endpoints").set(set).where("id", "=", id).execute();
}

/** Deletes an endpoint and its deliveries (explicitly: ON DELETE CASCADE may not be enforced). */
export async function deleteEndpoint(trx: Db, id: string): Promise<void> {
  await trx.deleteFrom("webhook_deliveries").where("endpoint_id", "=", id).execute();
  await trx.deleteFrom("webhook_endpoints").where("id", "=", id).execute();
}

/** One page of an endpoint's deliveries, newest first (one row more than the limit if more). */
export async function deliveryPage(
  db: Db,
  endpointId: string,
  page: PageQuery,
): Promise<WebhookDeliveryRow[]> {
  let q = db.selectFrom("webhook_deliveries").selectAll().where("endpoint_id", "=", endpointId);
  const { after } = page;
  if (after !== null) {
    q = q.where((eb) =>
      eb.or([
        eb("created_at", "<", after.createdAt),
        eb.and([eb("created_at", "=", after.createdAt), eb("id", "<", after.id)]),
      ]),
    );
  }
  return q
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(page.limit + 1)
    .execute();
}

export async function findDelivery(
  db: Db,
  endpointId: string,
  deliveryId: string,
): Promise<WebhookDeliveryRow | undefined> {
  return db
    .selectFrom("webhook_deliveries")
    .selectAll()
    .where("id", "=", deliveryId)
    .where("endpoint_id", "=", endpointId)
    .executeTakeFirst();
}

/** Sets a failed delivery's columns (only while it is still failed). */
export async function updateFailedDelivery(
  trx: Db,
  deliveryId: string,
  set: Updateable<WebhookDeliveriesTable>,
): Promise<void> {
  await trx
    .updateTable("webhook_deliveries")
    .set(set)
    .where("id", "=", deliveryId)
    .where("status", "=", "failed")
    .execute();
}
