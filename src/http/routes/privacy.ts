// Personal data of client contacts (issue 17): an admin exports everything held about one, or
// erases it on request (ADR 0028). Thin: schema, permission, one use case.

import { eraseContact } from "../../app/privacy/erase-contact.js";
import { exportContact } from "../../app/privacy/export-contact.js";
import { ref } from "../openapi/components.js";
import type { RoutePlugin } from "../server.js";
import { ctxOf, idParams, type IdParams } from "./common.js";

export const privacyRoutes: RoutePlugin = (app, deps) => {
  app.get<{ Params: IdParams }>(
    "/users/:id/personal-data",
    {
      config: {
        permission: "privacy.export",
        problems: { 422: "The account is not a client contact (`unprocessable`)." },
      },
      schema: {
        tags: ["users"],
        operationId: "exportPersonalData",
        summary: "Export everything held about a client contact (admins)",
        description:
          "One JSON archive: profile, the requests they submitted, messages, files (base64), " +
          "e-mails sent to them and their audit trail. For a person's request under PDPA or " +
          "GDPR; the export is audited. Also `refund-desk privacy export`.",
        params: idParams,
        response: { 200: ref("PersonalDataArchive") },
      },
    },
    async (request) => exportContact(deps, ctxOf(request), request.params.id),
  );

  app.post<{ Params: IdParams }>(
    "/users/:id/personal-data/erasure",
    {
      config: {
        permission: "privacy.erase",
        problems: {
          409: "The contact's personal data was already erased (`conflict`).",
          422: "The account is not a client contact (`unprocessable`): staff accounts are disabled instead.",
        },
      },
      schema: {
        tags: ["users"],
        operationId: "erasePersonalData",
        summary: "Erase a client contact's personal data (admins)",
        description:
          "Replaces the contact's name and address by a pseudonym and the texts they wrote by " +
          "[erased], deletes their files and the e-mail copies about them, and removes the " +
          "personal fields of their audit entries; the chain still verifies (ADR 0028). Orders, " +
          "payments, requests, decisions and payouts are kept. Irreversible; 409 when already " +
          "erased, 422 for a staff account. Also `refund-desk privacy erase`.",
        params: idParams,
        response: { 200: ref("PersonalDataErased") },
      },
    },
    async (request) => eraseContact(deps, ctxOf(request), request.params.id),
  );
};
