// Components of the people routes (issue 12; see ../openapi/components.ts): client companies and
// their contacts, invitations, one's own sessions, lifted sign-in locks.
import { pageOf, ref, type Component } from "../openapi/components.js";

const EXAMPLE_CLIENT = {
  id: "cl_3f9b2c1e-6a4d-4e8f-9b1a-2c3d4e5f6a7b",
  name: "Acme GmbH",
  email: "ops@acme.test",
  archived: false,
  archivedAt: null,
  createdAt: "2026-02-01T09:00:00.000Z",
  updatedAt: "2026-02-01T09:00:00.000Z",
};

export const ClientCompany = {
  $id: "ClientCompany",
  type: "object",
  additionalProperties: false,
  required: ["id", "name", "email", "archived", "archivedAt", "createdAt", "updatedAt"],
  description:
    "A client company: owns orders, refund requests and its contacts (users of role client). " +
    "An archived company takes no new requests and is left out of lists unless asked for.",
  properties: {
    id: { type: "string" },
    name: { type: "string" },
    email: { type: ["string", "null"], description: "The company's contact address." },
    archived: { type: "boolean" },
    archivedAt: { type: ["string", "null"] },
    createdAt: { type: "string" },
    updatedAt: { type: "string" },
  },
  examples: [EXAMPLE_CLIENT],
} as const satisfies Component;

export const Invitation = {
  $id: "Invitation",
  type: "object",
  additionalProperties: false,
  required: ["user", "expiresAt"],
  description:
    "The account created by an invitation and when its link expires. The link goes by e-mail " +
    "only; it sets the password once, within 48 hours.",
  properties: { user: ref("User"), expiresAt: { type: "string" } },
  examples: [
    {
      user: {
        id: "usr_5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f",
        email: "carla@acme.example",
        name: "Carla (Acme)",
        role: "client",
        clientId: EXAMPLE_CLIENT.id,
        disabled: false,
        createdAt: "2026-02-01T09:00:00.000Z",
        updatedAt: "2026-02-01T09:00:00.000Z",
      },
      expiresAt: "2026-02-03T09:00:00.000Z",
    },
  ],
} as const satisfies Component;

export const OwnSession = {
  $id: "OwnSession",
  type: "object",
  additionalProperties: false,
  required: ["id", "createdAt", "expiresAt", "current"],
  description: "One of the caller's sessions (sign-ins).",
  properties: {
    id: { type: "string", description: "Its public id (never the cookie or its hash)." },
    createdAt: { type: "string" },
    expiresAt: { type: "string" },
    current: { type: "boolean", description: "True for the session of this request." },
  },
  examples: [
    {
      id: "ses_5d41402abc4b2a76b9719d911017c592",
      createdAt: "2026-02-02T09:00:00.000Z",
      expiresAt: "2026-02-02T21:00:00.000Z",
      current: true,
    },
  ],
} as const satisfies Component;

export const UserSession = {
  ...OwnSession,
  $id: "UserSession",
  description:
    "One of a person's sessions (sign-ins), as an admin sees it: when it started and ends; `current` marks the admin's own session of this request.",
} as const satisfies Component;

export const SessionsEnded = {
  $id: "SessionsEnded",
  type: "object",
  additionalProperties: false,
  required: ["ended"],
  description:
    "How many of the person's sessions were removed (expired ones not yet swept included).",
  properties: { ended: { type: "integer", minimum: 0 } },
  examples: [{ ended: 3 }],
} as const satisfies Component;

export const SignInLockLifted = {
  $id: "SignInLockLifted",
  type: "object",
  additionalProperties: false,
  required: ["lifted"],
  description: "How many lock and failure counters of the account were removed.",
  properties: { lifted: { type: "integer", minimum: 0 } },
  examples: [{ lifted: 2 }],
} as const satisfies Component;

export const PEOPLE_COMPONENTS: readonly Component[] = [
  ClientCompany,
  pageOf("ClientCompany", EXAMPLE_CLIENT),
  Invitation,
  OwnSession,
  pageOf("OwnSession", OwnSession.examples[0]),
  UserSession,
  pageOf("UserSession", { ...OwnSession.examples[0], current: false }),
  SessionsEnded,
  SignInLockLifted,
];
