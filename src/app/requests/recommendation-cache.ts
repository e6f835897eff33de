// Parsed recommendation JSON by recommendation id, one per process (a field of AppDeps). A request
// is read far more often than it is re-evaluated, and parsing its ~500-byte decision costs about
// as much as the query. The cached parse is used only while the stored text is the same (a string
// comparison), so the cache can never answer with anything but `JSON.parse(text)`; nobody mutates
// what it returns (the view copies it). Emptied when full. No clock: an entry is right for as
// long as its text is the stored one.

import type { DecisionJson } from "../../core/policy/index.js";

const MAX_PARSED_RECOMMENDATIONS = 10_000;

export class RecommendationCache {
  readonly #parsed = new Map<string, { text: string; json: DecisionJson }>();

  constructor(readonly maxEntries: number = MAX_PARSED_RECOMMENDATIONS) {}

  /** `JSON.parse(text)` of recommendation `id`, parsed once per stored text. */
  parse(id: string, text: string): DecisionJson {
    const hit = this.#parsed.get(id);
    if (hit !== undefined && hit.text === text) return hit.json;
    const json = JSON.parse(text) as DecisionJson;
    if (this.#parsed.size >= this.maxEntries) this.#parsed.clear();
    this.#parsed.set(id, { text, json });
    return json;
  }

  /** How many parses are kept. */
  get size(): number {
    return this.#parsed.size;
  }
}
