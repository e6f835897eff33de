// /policy/simulations (issue 16, ADR 0026): admins queue a what-if run of a candidate policy over
// the stored requests, which a worker runs; they follow it and read its report. Thin: schema,
// one use case, present.

import { parsePageQuery } from "../../app/auth/index.js";
import { getSimulation } from "../../app/simulations/get-simulation.js";
import { listSimulations } from "../../app/simulations/list-simulations.js";
import {
  startSimulation,
  type StartSimulationInput,
} from "../../app/simulations/start-simulation.js";
import { ref } from "../openapi/components.js";
import type { RoutePlugin } from "../server.js";
import { pageQuery } from "./account-schemas.js";
import { ctxOf, idParams, type IdParams } from "./common.js";

const TAGS = ["policy"];

interface PageQueryString {
  limit?: string;
  cursor?: string;
}

export const policySimulationRoutes: RoutePlugin = (app, deps) => {
  app.post<{ Body: StartSimulationInput }>(
    "/policy/simulations",
    {
      config: {
        permission: "policy.simulate",
        problems: {
          422: "The candidate policy is invalid (`unprocessable`, naming the field below `body.policy`).",
        },
      },
      schema: {
        tags: TAGS,
        operationId: "createPolicySimulation",
        summary: "Simulate a candidate policy over the stored requests (admins)",
        description:
          "Checks the candidate (a policy file's YAML or JSON text, or its document) as a policy file is checked, and queues a simulation a worker runs: every stored request submitted in the period re-evaluated under the candidate with the facts recorded by its recommendation's instant, compared with that recommendation. Nothing but the simulation is written. Audited. Follow it with `GET /policy/simulations/{id}`.",
        body: ref("PolicySimulationCreate"),
        response: { 202: ref("PolicySimulation") },
      },
    },
    async (request, reply) => {
      const simulation = await startSimulation(deps, ctxOf(request), request.body);
      return reply
        .code(202)
        .header("location", `/api/v1/policy/simulations/${encodeURIComponent(simulation.id)}`)
        .send(simulation);
    },
  );

  app.get<{ Querystring: PageQueryString }>(
    "/policy/simulations",
    {
      config: { permission: "policy.simulate" },
      schema: {
        tags: TAGS,
        operationId: "listPolicySimulations",
        summary: "List policy simulations (admins), newest first",
        description:
          "A Page of simulations with their state and progress (the reports are read one by one).",
        querystring: pageQuery,
        response: { 200: ref("PolicySimulationSummaryPage") },
      },
    },
    async (request) => listSimulations(deps, ctxOf(request), parsePageQuery(request.query)),
  );

  app.get<{ Params: IdParams }>(
    "/policy/simulations/:id",
    {
      config: { permission: "policy.simulate" },
      schema: {
        tags: TAGS,
        operationId: "getPolicySimulation",
        summary: "Read a policy simulation: its state, progress and report (admins)",
        description:
          "`report` holds the outcome matrix, counts by reason and determining clause, totals per currency and a sample of changed requests once `status` is `done`.",
        params: idParams,
        response: { 200: ref("PolicySimulation") },
      },
    },
    async (request) => getSimulation(deps, ctxOf(request), request.params.id),
  );
};
