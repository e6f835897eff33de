// Types of layers.config.js (plain JavaScript, so eslint.config.js can load it), for the tests.

import type { Linter } from "eslint";

export interface LayerRule {
  readonly layer: string;
  readonly mayNotImport: string[];
  readonly except?: string[];
  readonly why: string;
}

export declare const LAYERS: string[];
export declare const LAYER_RULES: LayerRule[];
export declare function layerZones(): {
  target: string;
  from: string;
  except: string[];
  message: string;
}[];
export declare const SQL_PLACES: string[];
/** eslint.config.js's block refusing SQL outside SQL_PLACES. */
export declare function sqlBoundary(): Linter.Config;
