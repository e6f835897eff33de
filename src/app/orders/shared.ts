// What the order, payment and service-event use cases share: who writes (for audit and
// recorded_by), loading an order with the resource-level access check, the transaction wrapper
// that turns a lost race on a unique key into 409, and the re-evaluation hook.

import type { Kysely, Transaction } from "kysely";
import { actorRef, type Action, type Actor } from "../../core/access/index.js";
import { isPgError } from "../../db/connection.js";
import type { Database, OrderRow } from "../../db/schema.js";
import type { ActionContext, AppDeps } from "../context.js";
import { AppError, notFound, type ErrorCode, type FieldError } from "../errors.js";
import { reevaluateOrderRequests } from "../requests/evaluate-order.js";
import { lockOrder } from "../requests/repository.js";
import { authorize } from "../authorize.js";
import { orderById } from "./repository.js";

/** Who writes and when: the audit actor (and an event's recorded_by), the IP and the clock. */
export interface Writer {
  /** `user:<id>`, `token:<id>`, or `system:import` for the import command. */
  readonly actorRef: string;
  readonly ip: string | null;
  /** Epoch ms, read once per use case so every row of one change carries the same time. */
  readonly now: number;
  /** Passed on to the request re-evaluation. */
  readonly ctx: ActionContext;
}

/** The writer of an API call. */
export function writerOf(deps: AppDeps, ctx: ActionContext): Writer {
  return { actorRef: actorRef(ctx.actor), ip: ctx.ip, now: deps.clock(), ctx };
}

type Db = Kysely<Database> | Transaction<Database>;

/** True for ids no row can have: PostgreSQL text holds no NUL, and asking would be an error. */
export function impossibleId(id: string): boolean {
  return id.includes("\u0000");
}

/** The order row, or undefined. */
export async function findOrder(db: Db, id: string): Promise<OrderRow | undefined> {
  if (impossibleId(id)) return undefined;
  return orderById(db, id);
}

/** The order, if it exists and the actor may `action` it; else 404 (or 403 for staff/tokens). */
export async function loadOrderFor(
  db: Db,
  actor: Actor,
  action: Action,
  id: string,
): Promise<OrderRow> {
  const row = await findOrder(db, id);
  if (row === undefined) throw notFound("order");
  authorize(actor, action, row.client_id, "order");
  return row;
}

/**
 * Like `loadOrderFor`, for a write that changes the order's facts: on PostgreSQL the order row is
 * locked until the transaction ends, so the change and its re-evaluation take turns with intake
 * and decisions on the same order (which lock it too). SQLite write transactions are serial.
 */
export async function lockOrderFor(
  trx: Transaction<Database>,
  actor: Actor,
  action: Action,
  id: string,
): Promise<OrderRow> {
  const row = impossibleId(id) ? undefined : await lockOrder(trx, id);
  if (row === undefined) throw notFound("order");
  authorize(actor, action, row.client_id, "order");
  return row;
}

/** True when a database error is a unique or primary-key violation (a lost insert race). */
export function isUniqueViolation(e: unknown): boolean {
  if (isPgError(e, "23505")) return true;
  const code = (e as { code?: unknown } | null)?.code;
  return code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE";
}

/**
 * Runs `fn` in one transaction. The use cases check for duplicates before inserting; on
 * PostgreSQL two transactions can still both pass that check, and the loser's unique violation
 * becomes the same 409 the check would have given.
 */
export async function writeTransaction<T>(
  deps: AppDeps,
  conflict: () => AppError,
  fn: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  try {
    return await deps.db.transaction().execute(fn);
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict();
    throw e;
  }
}

/** Re-evaluates the open requests on `orderId` after its facts changed, in the same transaction. */
export function reevaluate(
  deps: AppDeps,
  trx: Transaction<Database>,
  orderId: string,
  w: Writer,
): Promise<unknown> {
  return reevaluateOrderRequests(deps, trx, orderId, w.ctx);
}

/** A 409 naming one field. */
export function conflictOn(path: string, message: string, extra: Record<string, unknown> = {}) {
  return new AppError("conflict", `${path}: ${message}`, [{ path, message }], extra);
}

/** A 422 naming one field (a well-formed reference to something that does not exist). */
export function unprocessableOn(path: string, message: string): AppError {
  const errors: FieldError[] = [{ path, message }];
  return new AppError("unprocessable", `${path}: ${message}`, errors);
}

/** Throws a 400 for a failed parse, naming every field it found wrong. */
export function orThrow<T>(
  r:
    | { readonly ok: true; readonly value: T }
    | { readonly ok: false; readonly error: FieldError | readonly FieldError[] },
): T {
  if (r.ok) return r.value;
  const errors: readonly FieldError[] = "path" in r.error ? [r.error] : r.error;
  throw problemsError("invalid_input", errors, {});
}

/** One AppError for several problems: its message names each, its `errors` list them all. */
function problemsError(
  code: ErrorCode,
  errors: readonly FieldError[],
  extra: Readonly<Record<string, unknown>>,
): AppError {
  const words = errors.map((e) => `${e.path}: ${e.message}`);
  const message =
    words.length === 1 ? (words[0] ?? "") : `${words.length} problems: ${words.join("; ")}`;
  return new AppError(code, message, errors, extra);
}

/**
 * Every problem of one input row, gathered before anything is written: its fields' (400), then
 * its references' (an unknown client or order: 422; an id already taken: 409). Thrown as one
 * AppError whose code is the first problem's, so an import lists them all and the API answers
 * what it answered before, with the others beside it.
 */
export class RowProblems {
  readonly #list: {
    code: ErrorCode;
    errors: readonly FieldError[];
    extra: Record<string, unknown>;
  }[] = [];

  /** The parse's problems, if it failed. */
  constructor(parsed: { readonly ok: boolean; readonly error?: readonly FieldError[] }) {
    if (!parsed.ok && parsed.error !== undefined) {
      this.#list.push({ code: "invalid_input", errors: parsed.error, extra: {} });
    }
  }

  /** Keeps an expected failure (its code, fields and extra members). */
  add(e: AppError): void {
    this.#list.push({ code: e.code, errors: e.errors, extra: { ...e.extra } });
  }

  /** Throws every problem kept, if any. */
  throwIfAny(): void {
    const first = this.#list[0];
    if (first === undefined) return;
    throw problemsError(
      first.code,
      this.#list.flatMap((p) => p.errors),
      first.extra,
    );
  }
}

/**
 * The string at `raw[key]` when the parse found nothing wrong with that field (so it may be
 * looked up although other fields failed); undefined otherwise.
 */
export function soundField(
  raw: unknown,
  key: string,
  at: string,
  errors: readonly FieldError[],
): string | undefined {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return undefined;
  const v = (raw as Record<string, unknown>)[key];
  if (typeof v !== "string") return undefined;
  const path = pathOf(at, key);
  return errors.some((e) => e.path === path || e.path.startsWith(`${path}.`)) ? undefined : v;
}

/** `parent.key`, or `key` at the root (import rows). */
export function pathOf(at: string, key: string): string {
  return at === "" ? key : `${at}.${key}`;
}
