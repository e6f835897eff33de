// Hot queries compiled once (ADR 0011). Building and compiling a query with Kysely costs about
// 110 µs, more than SQLite takes to run it, so the queries of the hot paths (authentication,
// reading a request, intake) are built once per dialect with named placeholders, and each call
// only fills the parameters in. The query is still written with Kysely's typed builder: one query
// layer for both databases.
//
//   const byId = precompile<{ id: string }>()((db, p) =>
//     db.selectFrom("orders").selectAll().where("id", "=", p("id")));
//   const rows = await byId.execute(db, { id });
//
// A placeholder must stand for one value (a bound parameter): not a list (`in` expands a list
// into one parameter per element, so lists are fixed at build time), not an identifier, and not
// a value Kysely inlines into the SQL text; `compile` refuses a placeholder that did not become a
// parameter.

import type { Compilable, CompiledQuery, Kysely } from "kysely";
import { dialectOf, type DialectName } from "./connection.js";
import type { Database } from "./schema.js";

/** What the builder receives for a named parameter (typed as the value it stands for). */
class Placeholder {
  constructor(readonly name: string) {}
}

type Slot = { readonly name: string } | { readonly value: unknown };

interface Template {
  readonly query: CompiledQuery;
  readonly slots: readonly Slot[];
}

type Executor = Pick<Kysely<Database>, "getExecutor" | "executeQuery">;

export interface PrecompiledQuery<P, O> {
  /** Every row. */
  execute(db: Executor, params: P): Promise<O[]>;
  /** The first row, or undefined. */
  executeTakeFirst(db: Executor, params: P): Promise<O | undefined>;
  /** Rows changed by an insert, update or delete (0n when the database does not say). */
  executeWrite(db: Executor, params: P): Promise<bigint>;
  /** The compiled SQL for a dialect (tests, EXPLAIN). */
  sqlFor(db: Executor): string;
}

/**
 * `precompile<Params>()(build)`: `build(db, p, dialect)` returns a Kysely query in which `p(name)`
 * stands for the parameter `name` of type `Params[name]`. It runs once per dialect.
 */
export function precompile<P extends object>() {
  return <O>(
    build: (
      db: Kysely<Database>,
      p: <K extends keyof P & string>(name: K) => P[K],
      dialect: DialectName,
    ) => Compilable<O>,
  ): PrecompiledQuery<P, O> => {
    const templates = new Map<DialectName, Template>();

    function template(db: Executor): Template {
      const dialect = dialectOf(db);
      let t = templates.get(dialect);
      if (t === undefined) {
        t = compileTemplate(db as Kysely<Database>, dialect);
        templates.set(dialect, t);
      }
      return t;
    }

    function compileTemplate(db: Kysely<Database>, dialect: DialectName): Template {
      const used = new Set<string>();
      const p = <K extends keyof P & string>(name: K): P[K] => {
        used.add(name);
        return new Placeholder(name) as P[K];
      };
      const query = build(db, p, dialect).compile();
      const seen = new Set<string>();
      const slots: Slot[] = query.parameters.map((value) => {
        if (value instanceof Placeholder) {
          seen.add(value.name);
          return { name: value.name };
        }
        return { value };
      });
      for (const name of used) {
        if (!seen.has(name)) throw new Error(`precompile: "${name}" did not become a parameter`);
      }
      return { query, slots };
    }

    function compiled(db: Executor, params: P): CompiledQuery {
      const t = template(db);
      const values = params as Record<string, unknown>;
      const parameters = t.slots.map((s) => ("name" in s ? values[s.name] : s.value));
      return { query: t.query.query, queryId: t.query.queryId, sql: t.query.sql, parameters };
    }

    return {
      async execute(db, params) {
        return (await db.executeQuery<O>(compiled(db, params))).rows;
      },
      async executeTakeFirst(db, params) {
        return (await db.executeQuery<O>(compiled(db, params))).rows[0];
      },
      async executeWrite(db, params) {
        return (await db.executeQuery(compiled(db, params))).numAffectedRows ?? 0n;
      },
      sqlFor(db) {
        return template(db).query.sql;
      },
    };
  };
}
