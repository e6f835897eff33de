// Components of the /policy/simulations routes (issue 16, ADR 0026): the body that queues a
// simulation, the simulation as listed and as shown with its report, and the report's parts.

import { CLAUSE_IDS } from "../../core/policy/index.js";
import { SIMULATED_OUTCOMES } from "../../core/simulation/simulation.js";
import { pageOf, ref, type Component } from "../openapi/components.js";

const day = (what: string) =>
  ({
    type: ["string", "null"],
    pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
    description: `${what} (\`YYYY-MM-DD\`, inclusive) in the candidate policy's time zone; null or absent: open.`,
  }) as const;

const outcome = {
  type: "string",
  enum: [...SIMULATED_OUTCOMES],
  description:
    "A recommended outcome; `none`: no recommendation (none stored, or the facts refused).",
} as const;

const decimal = (what: string) =>
  ({ type: "string", pattern: "^-?[0-9]+(\\.[0-9]+)?$", description: what }) as const;

export const PolicySimulationCreate = {
  $id: "PolicySimulationCreate",
  type: "object",
  additionalProperties: false,
  required: ["policy"],
  description:
    "The candidate policy and the period of submission to simulate it over (every stored request when no period is given).",
  properties: {
    policy: {
      description:
        "The candidate policy: the text of a policy file (YAML or JSON), or its document as a JSON object (`version`, `parameters`, `clauses`, optional `payouts` and `workflow`), checked as a policy file is: a bad field is refused with 422 naming its path below `body.policy`, an unknown parameter too.",
      anyOf: [
        { type: "string", minLength: 1, maxLength: 200_000 },
        { type: "object", additionalProperties: true },
      ],
    },
    from: day("The first day of submission"),
    to: day("The last day of submission"),
  },
  examples: [
    {
      policy:
        "version: 2027-01-strict\nparameters:\n  requestWindowDays: 3\nclauses:\n  eligible.not-delivered: ...\n",
      from: "2026-01-01",
      to: "2026-03-31",
    },
  ],
} as const satisfies Component;

const judgement = {
  type: "object",
  additionalProperties: false,
  required: ["outcome", "amount", "clause"],
  properties: {
    outcome,
    amount: { anyOf: [ref("Money"), { type: "null" }], description: "The amount recommended." },
    clause: {
      type: ["string", "null"],
      description: "The determining clause: the first one the recommendation cites.",
    },
  },
} as const;

const REPORT_EXAMPLE = {
  candidateVersion: "2027-01-strict",
  period: { from: "2026-01-01", to: "2026-03-31" },
  requests: 3,
  changed: 1,
  matrix: SIMULATED_OUTCOMES.flatMap((from) =>
    SIMULATED_OUTCOMES.map((to) => ({
      from,
      to,
      count: from === "refund" && to === "deny" ? 1 : from === to && from === "refund" ? 2 : 0,
    })),
  ),
  byReason: [{ reason: "not_delivered", requests: 3, changed: 1 }],
  byClause: [
    { clause: "eligible.not-delivered", before: 3, after: 2 },
    { clause: "procedure.window", before: 0, after: 1 },
  ],
  totals: [{ currency: "USD", before: "7200.00", after: "4800.00", change: "-2400.00" }],
  withoutRecommendation: 0,
  refusedByCandidate: 0,
  orderEditedAfter: 0,
  sample: [
    {
      requestId: "req_0b9e2a4c-61f4-4c4e-9d57-0f4f6f2d1a11",
      orderId: "ORD-1001",
      reason: "not_delivered",
      submittedAt: "2026-02-25T09:00:00.000Z",
      evaluatedAt: "2026-02-25T09:00:00.000Z",
      before: {
        outcome: "refund",
        amount: { amount: "2400.00", currency: "USD" },
        clause: "eligible.not-delivered",
      },
      after: { outcome: "deny", amount: null, clause: "procedure.window" },
    },
  ],
};

export const SimulationReport = {
  $id: "SimulationReport",
  type: "object",
  additionalProperties: false,
  required: [
    "candidateVersion",
    "period",
    "requests",
    "changed",
    "matrix",
    "byReason",
    "byClause",
    "totals",
    "withoutRecommendation",
    "refusedByCandidate",
    "orderEditedAfter",
    "sample",
  ],
  description:
    "What the candidate policy would have recommended, beside each request's stored recommendation, on the facts recorded by the instant that recommendation was made (its `asOf`). A recommendation changes when its outcome or amount does.",
  properties: {
    candidateVersion: { type: "string", description: "The candidate policy's version id." },
    period: {
      type: "object",
      additionalProperties: false,
      required: ["from", "to"],
      properties: { from: day("The first day"), to: day("The last day") },
    },
    requests: { type: "integer", minimum: 0, description: "Requests read." },
    changed: { type: "integer", minimum: 0, description: "Of them, recommendations that change." },
    matrix: {
      type: "array",
      description:
        "Every (stored -> candidate) pair of outcomes with its count, zeros included: rows and columns in the order refund, review, deny, incomplete, none.",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["from", "to", "count"],
        properties: { from: outcome, to: outcome, count: { type: "integer", minimum: 0 } },
      },
    },
    byReason: {
      type: "array",
      description: "Per request reason: requests read and how many change.",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["reason", "requests", "changed"],
        properties: {
          reason: { type: "string" },
          requests: { type: "integer", minimum: 0 },
          changed: { type: "integer", minimum: 0 },
        },
      },
    },
    byClause: {
      type: "array",
      description: `Per determining clause (${CLAUSE_IDS.length} clause ids, or \`(none)\`): how many recommendations rest on it before and after.`,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["clause", "before", "after"],
        properties: {
          clause: { type: "string" },
          before: { type: "integer", minimum: 0 },
          after: { type: "integer", minimum: 0 },
        },
      },
    },
    totals: {
      type: "array",
      description:
        "Per currency, the total of the `refund` recommendations' amounts before and after and the change, exact decimal strings.",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["currency", "before", "after", "change"],
        properties: {
          currency: { type: "string" },
          before: decimal("The stored recommendations' total."),
          after: decimal("The candidate's total."),
          change: decimal("after - before (negative: less refunded)."),
        },
      },
    },
    withoutRecommendation: {
      type: "integer",
      minimum: 0,
      description: "Requests without a stored recommendation (read as `none`).",
    },
    refusedByCandidate: {
      type: "integer",
      minimum: 0,
      description: "Requests whose facts the candidate refused (read as `none`).",
    },
    orderEditedAfter: {
      type: "integer",
      minimum: 0,
      description:
        "Requests whose order was edited after their recommendation: orders keep no history, so these are judged on the order's current fields.",
    },
    sample: {
      type: "array",
      description: "The first changed requests in order of submission (at most 20).",
      items: {
        type: "object",
        additionalProperties: false,
        required: [
          "requestId",
          "orderId",
          "reason",
          "submittedAt",
          "evaluatedAt",
          "before",
          "after",
        ],
        properties: {
          requestId: { type: "string" },
          orderId: { type: "string" },
          reason: { type: "string" },
          submittedAt: ref("Instant"),
          evaluatedAt: { ...ref("Instant"), description: "The instant both are judged as of." },
          before: judgement,
          after: judgement,
        },
      },
    },
  },
  examples: [REPORT_EXAMPLE],
} as const satisfies Component;

const summaryProperties = {
  id: { type: "string" },
  status: {
    type: "string",
    enum: ["queued", "running", "done", "failed"],
    description: "`queued` for a worker, `running`, `done` (with its report) or `failed`.",
  },
  candidateVersion: { type: "string", description: "The candidate policy's version id." },
  period: {
    type: "object",
    additionalProperties: false,
    required: ["from", "to"],
    properties: { from: day("The first day"), to: day("The last day") },
  },
  requestedBy: { type: "string", description: "The admin who asked for it." },
  progress: {
    type: "object",
    additionalProperties: false,
    required: ["done", "total"],
    description: "Requests simulated so far, of how many (null until a worker starts).",
    properties: {
      done: { type: "integer", minimum: 0 },
      total: { type: ["integer", "null"], minimum: 0 },
    },
  },
  error: { type: ["string", "null"], description: "Why it failed; null otherwise." },
  createdAt: ref("Instant"),
  startedAt: { anyOf: [ref("Instant"), { type: "null" }] },
  finishedAt: { anyOf: [ref("Instant"), { type: "null" }] },
} as const;

const SUMMARY_REQUIRED = [
  "id",
  "status",
  "candidateVersion",
  "period",
  "requestedBy",
  "progress",
  "error",
  "createdAt",
  "startedAt",
  "finishedAt",
] as const;

const SUMMARY_EXAMPLE = {
  id: "sim_6f1c3e2a-8d4b-4a7e-9f0a-2b5c7d9e1f30",
  status: "done",
  candidateVersion: "2027-01-strict",
  period: { from: "2026-01-01", to: "2026-03-31" },
  requestedBy: "usr_ada",
  progress: { done: 3, total: 3 },
  error: null,
  createdAt: "2026-12-06T09:00:00.000Z",
  startedAt: "2026-12-06T09:00:01.000Z",
  finishedAt: "2026-12-06T09:00:02.000Z",
};

export const PolicySimulationSummary = {
  $id: "PolicySimulationSummary",
  type: "object",
  additionalProperties: false,
  required: [...SUMMARY_REQUIRED],
  description: "A policy simulation as listed: its state and progress, without the report.",
  properties: summaryProperties,
  examples: [SUMMARY_EXAMPLE],
} as const satisfies Component;

export const PolicySimulation = {
  $id: "PolicySimulation",
  type: "object",
  additionalProperties: false,
  required: [...SUMMARY_REQUIRED, "report"],
  description: "A policy simulation with its report once done.",
  properties: {
    ...summaryProperties,
    report: {
      anyOf: [ref("SimulationReport"), { type: "null" }],
      description: "The report; null until the run is done (and when it failed).",
    },
  },
  examples: [{ ...SUMMARY_EXAMPLE, report: REPORT_EXAMPLE }],
} as const satisfies Component;

export const PolicySimulationSummaryPage = pageOf("PolicySimulationSummary", SUMMARY_EXAMPLE);

export const SIMULATION_COMPONENTS: readonly Component[] = [
  PolicySimulationCreate,
  SimulationReport,
  PolicySimulationSummary,
  PolicySimulation,
  PolicySimulationSummaryPage,
];
