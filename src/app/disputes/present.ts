// A dispute as the API shows it (issue 20): its money, reason, the provider's status and what it
// means (`standing`), the due-by, and (one dispute) its evidence draft.

import {
  awaitsResponse,
  disputeStanding,
  EVIDENCE_FILE_FIELDS,
  type DisputeStanding,
  type EvidenceDocument,
  type EvidenceTextField,
} from "../../core/disputes/index.js";
import { money, moneyToJson, type MoneyJson } from "../../core/money/money.js";
import { fromDbMinor } from "../../db/money.js";
import type { DraftView } from "./evidence.js";
import { parseStoredEvidence } from "./evidence.js";
import type { DisputeRow } from "./repository.js";

export interface DisputeJson {
  id: string;
  provider: string;
  paymentId: string;
  chargeRef: string;
  amount: MoneyJson;
  reason: string;
  status: string;
  standing: DisputeStanding;
  /** The provider awaits evidence and none was submitted. */
  awaitingEvidence: boolean;
  dueBy: string | null;
  fundsWithdrawnAt: string | null;
  closedAt: string | null;
  evidenceSubmittedAt: string | null;
  submittedBy: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface DisputeEvidenceJson {
  text: Record<EvidenceTextField, string | null>;
  edited: EvidenceTextField[];
  documents: Record<string, EvidenceDocument>;
  /** The provider's file ids of the documents, once uploaded (at submission). */
  files: Record<string, string>;
}

export interface DisputeDetailJson extends DisputeJson {
  evidence: DisputeEvidenceJson;
}

export function presentDispute(d: DisputeRow): DisputeJson {
  return {
    id: d.id,
    provider: d.provider,
    paymentId: d.payment_id,
    chargeRef: d.charge_ref,
    amount: moneyToJson(money(fromDbMinor(d.amount_minor), d.currency)),
    reason: d.reason,
    status: d.status,
    standing: disputeStanding(d.status),
    awaitingEvidence: awaitsResponse(d.status) && d.evidence_submitted_at === null,
    dueBy: d.due_by,
    fundsWithdrawnAt: d.funds_withdrawn_at,
    closedAt: d.closed_at,
    evidenceSubmittedAt: d.evidence_submitted_at,
    submittedBy: d.submitted_by,
    createdAt: d.created_at,
    updatedAt: d.updated_at,
    version: d.version,
  };
}

export function presentDisputeDetail(d: DisputeRow, view: DraftView): DisputeDetailJson {
  const documents: Record<string, EvidenceDocument> = {};
  for (const f of EVIDENCE_FILE_FIELDS) documents[f] = view.draft.documents[f];
  return {
    ...presentDispute(d),
    evidence: {
      text: { ...view.draft.text },
      edited: [...view.edited],
      documents,
      files: { ...(parseStoredEvidence(d.evidence_json).files ?? {}) },
    },
  };
}
