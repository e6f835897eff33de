// Components of the personal-data routes (issue 17): the export archive and the erasure's report.
import type { Component } from "../openapi/components.js";

const STAMP = "2026-02-03T10:15:00.000Z";
const USER = "usr_5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f";
const REQUEST = "req_2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e";

export const PersonalDataArchive = {
  $id: "PersonalDataArchive",
  type: "object",
  additionalProperties: false,
  required: [
    "format",
    "exportedAt",
    "contact",
    "requests",
    "messages",
    "attachments",
    "emails",
    "auditTrail",
  ],
  description:
    "Everything held about one client contact (PDPA, GDPR right of access), as one JSON " +
    "document: the profile, the requests they submitted, the messages on them and those they " +
    "wrote (internal notes are staff's and stay out), their files with the bytes in base64, the " +
    "e-mails sent to them (with the .eml copy when mail is written to DATA_DIR/mail) and their " +
    "audit trail with its personal fields.",
  properties: {
    format: { type: "string", const: "refund-desk.personal-data/1" },
    exportedAt: { type: "string", format: "date-time" },
    contact: {
      type: "object",
      additionalProperties: false,
      required: ["id", "name", "email", "clientId", "createdAt", "disabled", "erasedAt"],
      properties: {
        id: { type: "string" },
        name: { type: "string" },
        email: { type: "string" },
        clientId: { type: ["string", "null"] },
        createdAt: { type: "string", format: "date-time" },
        disabled: { type: "boolean" },
        erasedAt: { type: ["string", "null"], format: "date-time" },
      },
    },
    requests: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["id", "orderId", "reason", "description", "status", "submittedAt", "closedAt"],
        properties: {
          id: { type: "string" },
          orderId: { type: "string" },
          reason: { type: "string" },
          description: { type: "string" },
          status: { type: "string" },
          submittedAt: { type: "string", format: "date-time" },
          closedAt: { type: ["string", "null"], format: "date-time" },
        },
      },
    },
    messages: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["id", "requestId", "byThisContact", "kind", "body", "createdAt"],
        properties: {
          id: { type: "string" },
          requestId: { type: "string" },
          byThisContact: { type: "boolean" },
          kind: { type: "string" },
          body: { type: "string" },
          createdAt: { type: "string", format: "date-time" },
        },
      },
    },
    attachments: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: [
          "id",
          "requestId",
          "name",
          "contentType",
          "sizeBytes",
          "sha256",
          "createdAt",
          "contentBase64",
        ],
        properties: {
          id: { type: "string" },
          requestId: { type: "string" },
          name: { type: "string" },
          contentType: { type: "string" },
          sizeBytes: { type: "integer" },
          sha256: { type: "string" },
          createdAt: { type: "string", format: "date-time" },
          contentBase64: {
            type: ["string", "null"],
            description: "The file's bytes; null when the file is gone.",
          },
        },
      },
    },
    emails: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["topic", "messageId", "sentAt", "eml"],
        properties: {
          topic: { type: "string" },
          messageId: { type: "string" },
          sentAt: { type: "string", format: "date-time" },
          eml: {
            type: ["string", "null"],
            description: "The message as written to DATA_DIR/mail; null when sent over SMTP.",
          },
        },
      },
    },
    auditTrail: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["seq", "at", "actor", "action", "entityType", "entityId", "summary", "personal"],
        properties: {
          seq: { type: "integer" },
          at: { type: "string", format: "date-time" },
          actor: { type: "string" },
          action: { type: "string" },
          entityType: { type: "string" },
          entityId: { type: "string" },
          summary: { description: "The change in brief." },
          personal: {
            description: "The entry's personal fields (address, e-mail, names); null when none.",
          },
        },
      },
    },
  },
  examples: [
    {
      format: "refund-desk.personal-data/1",
      exportedAt: STAMP,
      contact: {
        id: USER,
        name: "Alice Anders",
        email: "alice@acme.example",
        clientId: "cli_acme",
        createdAt: STAMP,
        disabled: false,
        erasedAt: null,
      },
      requests: [
        {
          id: REQUEST,
          orderId: "ORD-1001",
          reason: "not_delivered",
          description: "The kick-off never happened.",
          status: "approved",
          submittedAt: STAMP,
          closedAt: STAMP,
        },
      ],
      messages: [],
      attachments: [],
      emails: [
        {
          topic: "notify.decision",
          messageId: "<out_1.alice@refund-desk>",
          sentAt: STAMP,
          eml: null,
        },
      ],
      auditTrail: [
        {
          seq: 12,
          at: STAMP,
          actor: `user:${USER}`,
          action: "session.signed_in",
          entityType: "user",
          entityId: USER,
          summary: { expiresAt: STAMP },
          personal: { ip: "203.0.113.7" },
        },
      ],
    },
  ],
} as const satisfies Component;

export const PersonalDataErased = {
  $id: "PersonalDataErased",
  type: "object",
  additionalProperties: false,
  required: [
    "userId",
    "pseudonym",
    "requests",
    "messages",
    "attachments",
    "auditEntries",
    "emailFiles",
    "erasedAt",
  ],
  description:
    "What an erasure did: the contact's name and address replaced by a pseudonym, their texts " +
    "by [erased], their files deleted, the personal fields of their audit entries removed (the " +
    "chain still verifies, ADR 0028). Orders, payments, decisions and payouts are kept.",
  properties: {
    userId: { type: "string" },
    pseudonym: { type: "string", description: "The address the account now carries." },
    requests: { type: "integer", description: "Requests whose description was erased." },
    messages: { type: "integer", description: "Messages they wrote, erased." },
    attachments: { type: "integer", description: "Files they uploaded, deleted." },
    auditEntries: { type: "integer", description: "Audit entries whose personal fields went." },
    emailFiles: { type: "integer", description: ".eml copies deleted from DATA_DIR/mail." },
    erasedAt: { type: "string", format: "date-time" },
  },
  examples: [
    {
      userId: USER,
      pseudonym: `erased-${USER}@erased.invalid`,
      requests: 2,
      messages: 5,
      attachments: 1,
      auditEntries: 14,
      emailFiles: 6,
      erasedAt: STAMP,
    },
  ],
} as const satisfies Component;

export const PRIVACY_COMPONENTS: readonly Component[] = [PersonalDataArchive, PersonalDataErased];
