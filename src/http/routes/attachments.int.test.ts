import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { orderRow, requestRow, userRow } from "../../../test/support/db-rows.js";
import { apiCalls, multipartBody, newClient } from "../../../test/support/api-world.js";
import { testServer, type TestServer } from "../../../test/support/http.js";
import { startTestS3, type TestS3 } from "../../../test/support/s3.js";
import { digestOf } from "../../app/attachments/copy.js";
import {
  STORAGE_KINDS,
  type AttachmentStorage,
  type AttachmentStore,
} from "../../app/attachments/store.js";
import { createAttachmentRoutes } from "./attachments.js";

// Upload, list and download through the API, with small limits so the edges are cheap to reach,
// on each attachment store (local files, database chunks, S3 against s3rver): what is kept and
// what is left behind is read back from the store itself.
const LIMITS = { maxFileBytes: 1024, maxRequestBytes: 2500, maxFiles: 5 };

const PDF = Buffer.from(
  "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer\n%%EOF\n",
  "latin1",
);
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  randomBytes(40),
]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(40)]);

const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

let t: TestServer;
let dataDir: string;
let s3: TestS3 | null = null;
/** The store under test (the server's current one). */
let store: AttachmentStore;
/** s3 only: downloads answer with a presigned URL while this is true. */
let presign = false;
let requestA: string;
let requestB: string;
const A = { clientId: "", userId: "" };
const B = { clientId: "", userId: "" };
let asA: Record<string, string>;
let asB: Record<string, string>;
const asQa = { "x-test-actor": "qa:usr_qa_att" };

describe.each(STORAGE_KINDS)("attachments on %s storage", (kind) => {
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "refund-desk-attachments-"));
    s3 = kind === "s3" ? await startTestS3() : null;
    // The routes read the server's storage at request time, with the presign switch of this file.
    const storage: AttachmentStorage = {
      get current() {
        return t.deps.attachments.current;
      },
      get stores() {
        return t.deps.attachments.stores;
      },
      get presignDownloads() {
        return presign;
      },
    };
    t = await testServer({
      routes: [createAttachmentRoutes({ ...LIMITS, storage })],
      dataDir,
      storage: { kind, s3: s3?.settings ?? null, presignDownloads: false },
    });
    store = t.deps.attachments.current;
    expect(store.kind).toBe(kind);
    const db = t.db.db;
    for (const who of [A, B]) {
      const client = await newClient(t);
      who.clientId = client.clientId;
      who.userId = client.userId;
    }
    await db
      .insertInto("users")
      .values(userRow({ id: "usr_qa_att" }))
      .execute();
    const orderA = orderRow(A.clientId);
    const orderB = orderRow(B.clientId);
    await db.insertInto("orders").values([orderA, orderB]).execute();
    const reqA = requestRow(orderA);
    const reqB = requestRow(orderB);
    await db.insertInto("refund_requests").values([reqA, reqB]).execute();
    requestA = reqA.id;
    requestB = reqB.id;
    asA = { "x-test-actor": `client:${A.clientId}:${A.userId}` };
    asB = { "x-test-actor": `client:${B.clientId}:${B.userId}` };
  }, 60_000);
  afterAll(async () => {
    await t.close();
    await s3?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  function upload(
    requestId: string,
    actor: Record<string, string>,
    body: ReturnType<typeof multipartBody>,
    extra: Record<string, string> = {},
  ) {
    return apiCalls(t).post(`/requests/${requestId}/attachments`, null, body.payload, {
      ...actor,
      ...body.headers,
      ...extra,
    });
  }

  /**
   * What is kept: attachment rows, and every object of the store, finished or not (a temp file, a
   * half-written object, an object without a row would show).
   */
  async function stored() {
    const rows = await t.db.db
      .selectFrom("attachments")
      .select(["id", "stored_name", "storage"])
      .execute();
    expect(new Set(rows.map((r) => r.storage))).toEqual(new Set(rows.length === 0 ? [] : [kind]));
    const files: string[] = [];
    for await (const page of store.listOlderThan(Date.now() + 3_600_000)) files.push(...page);
    return { rows: rows.length, files: files.sort(), names: rows.map((r) => r.stored_name).sort() };
  }

  async function expectNothingNew(before: Awaited<ReturnType<typeof stored>>) {
    const after = await stored();
    expect(after).toEqual(before);
    expect(after.files).toEqual(after.names); // no temp file, no file without a row
  }

  describe("attachments", () => {
    it("accepts each type by its content and keeps it under a server-made name", async () => {
      const csv = "order,amount\nORD-1,12.50\n";
      const text = "The engagement never started — see the thread.\n";
      const r = await upload(
        requestA,
        asA,
        multipartBody([
          { name: "scan.pdf", content: PDF, type: "application/pdf" },
          { name: "screen.png", content: PNG, type: "image/png" },
          { name: "photo.jpg", content: JPEG },
          { name: "../../notes.txt", content: text, type: "text/plain" },
          { name: "ledger.csv", content: csv, type: "text/csv" },
        ]),
      );
      expect(r.statusCode, r.body).toBe(201);
      expect(r.headers["location"]).toBe(`/api/v1/requests/${requestA}/attachments`);
      const { items: attachments } = r.json<{ items: Array<Record<string, unknown>> }>();
      expect(
        attachments.map((a) => [a["name"], a["contentType"], a["sizeBytes"], a["sha256"]]),
      ).toEqual([
        ["scan.pdf", "application/pdf", PDF.length, sha256(PDF)],
        ["screen.png", "image/png", PNG.length, sha256(PNG)],
        ["photo.jpg", "image/jpeg", JPEG.length, sha256(JPEG)],
        ["notes.txt", "text/plain", Buffer.byteLength(text), sha256(text)],
        ["ledger.csv", "text/csv", Buffer.byteLength(csv), sha256(csv)],
      ]);
      const kept = await stored();
      expect(kept.files).toEqual(kept.names);
      for (const a of attachments) {
        expect(kept.files).toContain(a["id"]);
        const bytes = await digestOf(await store.open(String(a["id"])));
        expect(bytes.sha256).toBe(a["sha256"]);
      }
      const audit = await t.db.db
        .selectFrom("audit_events")
        .select(["action", "entity_id", "actor"])
        .where("action", "=", "attachment.uploaded")
        .execute();
      expect(audit.map((e) => e.entity_id).sort()).toEqual(attachments.map((a) => a["id"]).sort());
      expect(new Set(audit.map((e) => e.actor))).toEqual(new Set([`user:${A.userId}`]));

      const list = await apiCalls(t).get(`/requests/${requestA}/attachments`, null, asA);
      expect(list.statusCode).toBe(200);
      expect(list.json<{ items: unknown[]; nextCursor: null }>()).toMatchObject({
        nextCursor: null,
      });
      expect(list.json<{ items: unknown[] }>().items).toHaveLength(5);
    });

    it("downloads with attachment disposition, the stored type and nosniff", async () => {
      const name = "Rechnung März.txt";
      const content = "Betrag: 12,50 €\n";
      const r = await upload(requestA, asA, multipartBody([{ name, content, type: "text/plain" }]));
      expect(r.statusCode, r.body).toBe(201);
      const id = r.json<{ items: Array<{ id: string }> }>().items[0]!.id;
      for (const actor of [asA, asQa]) {
        const d = await apiCalls(t).get(`/attachments/${id}`, null, actor);
        expect(d.statusCode).toBe(200);
        expect(d.headers["content-type"]).toBe("text/plain; charset=utf-8");
        expect(d.headers["content-disposition"]).toBe(
          `attachment; filename="Rechnung M_rz.txt"; filename*=UTF-8''Rechnung%20M%C3%A4rz.txt`,
        );
        expect(d.headers["x-content-type-options"]).toBe("nosniff");
        expect(d.headers["content-length"]).toBe(String(Buffer.byteLength(content)));
        expect(d.rawPayload.equals(Buffer.from(content))).toBe(true);
      }
    });

    it("a file exactly at the limit is kept; one byte over is 413 and nothing is stored", async () => {
      const atLimit = await upload(
        requestA,
        asA,
        multipartBody([{ name: "full.txt", content: "x".repeat(LIMITS.maxFileBytes) }]),
      );
      expect(atLimit.statusCode, atLimit.body).toBe(201);
      expect(atLimit.json()).toMatchObject({ items: [{ sizeBytes: LIMITS.maxFileBytes }] });

      const before = await stored();
      for (const size of [LIMITS.maxFileBytes + 1, 50_000]) {
        const over = await upload(
          requestA,
          asA,
          multipartBody([
            { name: "ok.txt", content: "fine" },
            { name: "big.txt", content: "x".repeat(size) },
          ]),
        );
        expect(over.statusCode, over.body).toBe(413);
        expect(over.headers["content-type"]).toMatch(/^application\/problem\+json/);
        expect(over.json()).toMatchObject({ code: "payload_too_large" });
        await expectNothingNew(before);
      }
    });

    it("the per-request total and the file count are limits too (413, nothing stored)", async () => {
      const before = await stored();
      const total = await upload(
        requestA,
        asA,
        multipartBody([1, 2, 3].map((i) => ({ name: `f${i}.txt`, content: "y".repeat(1000) }))),
      );
      expect(total.statusCode, total.body).toBe(413);
      await expectNothingNew(before);

      const many = await upload(
        requestA,
        asA,
        multipartBody([1, 2, 3, 4, 5, 6].map((i) => ({ name: `f${i}.txt`, content: "z" }))),
      );
      expect(many.statusCode, many.body).toBe(413);
      expect(many.json()).toMatchObject({ detail: `at most ${LIMITS.maxFiles} files per request` });
      await expectNothingNew(before);
    });

    it("a .pdf that is not a PDF, or content of no accepted type, is 415 and nothing is stored", async () => {
      const before = await stored();
      const fake = await upload(
        requestA,
        asA,
        multipartBody([
          { name: "a.txt", content: "fine" },
          { name: "invoice.pdf", content: "this is text", type: "application/pdf" },
        ]),
      );
      expect(fake.statusCode, fake.body).toBe(415);
      expect(fake.json()).toMatchObject({
        code: "unsupported_media_type",
        errors: [{ path: "body.files[1]" }],
      });
      const gif = await upload(
        requestA,
        asA,
        multipartBody([
          { name: "x.gif", content: Buffer.from("GIF89a\x01\x00\x01\x00", "latin1") },
        ]),
      );
      expect(gif.statusCode).toBe(415);
      const binary = await upload(
        requestA,
        asA,
        multipartBody([{ name: "blob", content: Buffer.from([0, 1, 2, 3, 0xfe, 0xff]) }]),
      );
      expect(binary.statusCode).toBe(415);
      await expectNothingNew(before);
    });

    it("refuses bodies that are not multipart, stray fields and empty forms", async () => {
      const before = await stored();
      const json = await apiCalls(t).post(`/requests/${requestA}/attachments`, null, {}, asA);
      expect(json.statusCode).toBe(415);
      const stray = await upload(
        requestA,
        asA,
        multipartBody([{ name: "a.txt", content: "fine" }], { clientId: B.clientId }),
      );
      expect(stray.statusCode).toBe(400);
      expect(stray.json()).toMatchObject({ errors: [{ path: "body.clientId" }] });
      const empty = await upload(requestA, asA, multipartBody([]));
      expect(empty.statusCode).toBe(400);
      await expectNothingNew(before);
    });

    it("another client's request answers exactly like a missing one, for every route", async () => {
      const before = await stored();
      const file = () => multipartBody([{ name: "a.txt", content: "mine" }]);
      const foreign = await upload(requestA, asB, file());
      const missing = await upload("req_missing", asB, file());
      expect(foreign.statusCode).toBe(404);
      expect(foreign.json().detail).toBe(missing.json().detail);
      await expectNothingNew(before);

      const listForeign = await apiCalls(t).get(`/requests/${requestA}/attachments`, null, asB);
      const listMissing = await apiCalls(t).get("/requests/req_missing/attachments", null, asB);
      expect(listForeign.statusCode).toBe(404);
      expect(listForeign.json().detail).toBe(listMissing.json().detail);

      const [own] = (await t.db.db.selectFrom("attachments").select("id").execute()).map(
        (r) => r.id,
      );
      const getForeign = await apiCalls(t).get(`/attachments/${own}`, null, asB);
      const getMissing = await apiCalls(t).get("/attachments/att_x", null, asB);
      expect(getForeign.statusCode).toBe(404);
      expect(getForeign.json().detail).toBe(getMissing.json().detail);

      // B's own request is fine; finance may not touch attachments; anonymous must sign in.
      expect((await upload(requestB, asB, file())).statusCode).toBe(201);
      expect((await upload(requestB, { "x-test-actor": "finance:usr_f" }, file())).statusCode).toBe(
        403,
      );
      expect((await upload(requestB, {}, file())).statusCode).toBe(401);
    });

    it("a client adds nothing to a closed request (409, nothing kept); staff still may", async () => {
      const db = t.db.db;
      const order = await db
        .selectFrom("orders")
        .selectAll()
        .where("client_id", "=", A.clientId)
        .executeTakeFirstOrThrow();
      const closed = requestRow(order, {
        reason: "other",
        status: "denied",
        closed_at: "2026-02-20T09:30:00.000Z",
      });
      await db.insertInto("refund_requests").values(closed).execute();
      const r = await upload(
        closed.id,
        asA,
        multipartBody([{ name: "late.txt", content: "late" }]),
      );
      expect(r.statusCode, r.body).toBe(409);
      expect(r.json()).toMatchObject({
        code: "invalid_transition",
        state: "denied",
        detail: expect.stringContaining("closed"),
      });
      const kept = await db
        .selectFrom("attachments")
        .select("id")
        .where("request_id", "=", closed.id)
        .execute();
      expect(kept).toEqual([]);
      const staff = await upload(
        closed.id,
        asQa,
        multipartBody([{ name: "proof.txt", content: "ok" }]),
      );
      expect(staff.statusCode, staff.body).toBe(201);
    });

    it("names the file field in plain words when a file comes in another field", async () => {
      const r = await upload(
        requestA,
        asA,
        multipartBody([{ name: "note.txt", content: "x", field: "document" }]),
      );
      expect(r.statusCode).toBe(400);
      expect(r.json().errors[0]).toEqual({
        path: "body.document",
        message:
          'is not a file field: send each file as a part named "files" (one part per file; "file" is taken too)',
      });
    });

    it("staff may upload to any request", async () => {
      const r = await upload(
        requestB,
        asQa,
        multipartBody([{ name: "note.txt", content: "checked" }]),
      );
      expect(r.statusCode, r.body).toBe(201);
    });

    it("an Idempotency-Key replays the upload even with a new boundary; other files: 422", async () => {
      const files = [{ name: "once.txt", content: "only once" }];
      const key = { "idempotency-key": "upload-1" };
      const first = await upload(requestB, asB, multipartBody(files), key);
      expect(first.statusCode, first.body).toBe(201);
      const before = await stored();
      const again = await upload(requestB, asB, multipartBody(files), key);
      expect(again.statusCode).toBe(201);
      expect(again.headers["idempotent-replayed"]).toBe("true");
      expect(again.rawPayload.equals(first.rawPayload)).toBe(true);
      await expectNothingNew(before);

      const other = await upload(
        requestB,
        asB,
        multipartBody([{ name: "once.txt", content: "changed" }]),
        key,
      );
      expect(other.statusCode).toBe(422);
      await expectNothingNew(before);
    });

    it("a failing transaction keeps nothing: no row, no file, no temp file", async () => {
      const before = await stored();
      // A user id with no users row: the insert breaks the foreign key inside the transaction.
      const ghost = { "x-test-actor": `client:${A.clientId}:usr_ghost` };
      const r = await upload(
        requestA,
        ghost,
        multipartBody([
          { name: "a.txt", content: "one" },
          { name: "b.txt", content: "two" },
        ]),
      );
      expect(r.statusCode).toBe(500);
      expect(r.body).not.toMatch(/FOREIGN|constraint|insert/i);
      await expectNothingNew(before);
    });

    it.runIf(kind === "s3")(
      "on s3 with presigned downloads: the access check, then a 302 to a one-minute URL",
      async () => {
        const content = "presigned bytes\n";
        const r = await upload(requestA, asA, multipartBody([{ name: "p.txt", content }]));
        expect(r.statusCode, r.body).toBe(201);
        const id = r.json<{ items: Array<{ id: string }> }>().items[0]!.id;
        presign = true;
        try {
          // Another client: 404 as before, no URL.
          const foreign = await apiCalls(t).get(`/attachments/${id}`, null, asB);
          expect(foreign.statusCode).toBe(404);
          expect(foreign.headers["location"]).toBeUndefined();
          const d = await apiCalls(t).get(`/attachments/${id}`, null, asA);
          expect(d.statusCode).toBe(302);
          const location = String(d.headers["location"]);
          expect(location.startsWith(`${s3!.endpoint}/`)).toBe(true);
          expect(new URL(location).searchParams.get("X-Amz-Expires")).toBe("60");
          const fetched = await fetch(location);
          expect(fetched.status).toBe(200);
          expect(fetched.headers.get("content-type")).toBe("text/plain; charset=utf-8");
          expect(fetched.headers.get("content-disposition")).toMatch(
            /^attachment; filename="p.txt"/,
          );
          expect(await fetched.text()).toBe(content);
        } finally {
          presign = false;
        }
      },
    );

    it("documents the upload form in OpenAPI", async () => {
      const spec = (await t.app.inject({ method: "GET", url: "/openapi.json" })).json<{
        paths: Record<
          string,
          Record<string, { requestBody?: { content: Record<string, unknown> } }>
        >;
      }>();
      const post = spec.paths["/api/v1/requests/{id}/attachments"]?.["post"];
      expect(Object.keys(post?.requestBody?.content ?? {})).toEqual(["multipart/form-data"]);
      expect(spec.paths["/api/v1/attachments/{id}"]?.["get"]).toBeDefined();
    });
  });
});
