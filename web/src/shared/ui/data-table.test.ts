// The shared list table renders each state of a list's load the way every admin page showed it
// before it was shared: skeleton rows while loading (busy, named "Loading"), the error in words
// with Retry, the page's sentence when empty (or the table, when a list has no empty sentence),
// else a table in a scrolling region named for screen readers, with its headers and rows.
// Rendered to static HTML (no browser): the markup is what a screen reader and the e2e tests read.

import { MantineProvider, Table } from "@mantine/core";
import type { UseQueryResult } from "@tanstack/react-query";
import i18next from "i18next";
import { createElement as h, type ReactNode } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { I18nextProvider, initReactI18next } from "react-i18next";
import { beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../api/problem";
import en from "../i18n/en.json";
import { HeadedTable, QueryStates, QueryTable, ScrollTable } from "./data-table";

const i18n = i18next.createInstance();
beforeAll(async () => {
  await i18n.use(initReactI18next).init({
    lng: "en",
    resources: { en: { translation: en } },
    interpolation: { escapeValue: false },
  });
});

const render = (node: ReactNode) =>
  renderToStaticMarkup(h(I18nextProvider, { i18n }, h(MantineProvider, null, node)));

type Item = { id: string; name: string };
type Query = UseQueryResult<{ items: Item[] }>;
const pending = { isPending: true, isError: false } as unknown as Query;
const failed = {
  isPending: false,
  isError: true,
  error: new ApiError(500, null),
  refetch: () => Promise.resolve(),
} as unknown as Query;
const loaded = (items: Item[]) =>
  ({ isPending: false, isError: false, data: { items } }) as unknown as Query;
const rows = (items: readonly Item[]) =>
  items.map((i) => h(Table.Tr, { key: i.id }, h(Table.Td, null, i.name)));

const table = (query: Query, empty?: string) =>
  render(
    h(QueryTable<Item>, {
      query,
      label: "People",
      minWidth: 600,
      skeletonRows: 3,
      empty,
      columns: ["Name"],
      tableProps: { striped: true },
      caption: (items) => h(Table.Caption, null, `${items.length} people`),
      children: rows,
    }),
  );

describe("QueryTable", () => {
  it("shows skeleton rows, busy and named, while the list loads", () => {
    const html = table(pending, "Nobody yet.");
    expect(html).toContain('aria-busy="true"');
    expect(html).toContain(`aria-label="${en.common.loading}"`);
    expect(html.match(/mantine-Skeleton-root/g)).toHaveLength(3);
    expect(html).not.toContain("<table");
  });

  it("says what failed, with Retry", () => {
    const html = table(failed, "Nobody yet.");
    expect(html).toContain('role="alert"');
    expect(html).toContain(en.errors.server);
    expect(html).toContain(en.common.retry);
    expect(html).not.toContain("<table");
  });

  it("says the page's sentence when the list is empty", () => {
    const html = table(loaded([]), "Nobody yet.");
    expect(html).toContain("<p");
    expect(html).toContain("Nobody yet.");
    expect(html).not.toContain("<table");
  });

  it("shows the table, even empty, when the list has no sentence for empty", () => {
    const html = table(loaded([]));
    expect(html).toContain("<table");
    expect(html).toContain("0 people");
  });

  it("shows the items as a striped table in a named, focusable scrolling region", () => {
    const html = table(
      loaded([
        { id: "1", name: "Ada" },
        { id: "2", name: "Grace" },
      ]),
    );
    expect(html).toMatch(/<div[^>]*tabindex="0"[^>]*role="region"[^>]*aria-label="People"/);
    expect(html).toContain("data-striped");
    expect(html).toContain("<caption");
    expect(html).toContain("2 people");
    expect(html).toMatch(/<thead[^>]*><tr[^>]*><th[^>]*>Name<\/th><\/tr><\/thead>/);
    expect(html).toMatch(
      /<tbody[^>]*><tr[^>]*><td[^>]*>Ada<\/td><\/tr><tr[^>]*><td[^>]*>Grace<\/td>/,
    );
  });
});

describe("QueryStates", () => {
  it("shows an empty element as given (not wrapped in a paragraph)", () => {
    const html = render(
      h(QueryStates<Item>, {
        query: loaded([]),
        empty: h("em", null, "none"),
        children: () => "items",
      }),
    );
    expect(html).toContain("<em>none</em>");
    expect(html).not.toContain("<p");
  });

  it("hands the items to its children", () => {
    const html = render(
      h(QueryStates<Item>, {
        query: loaded([{ id: "1", name: "Ada" }]),
        empty: "none",
        children: (items) => items.map((i) => i.name).join(","),
      }),
    );
    expect(html.replace(/<style[^]*<\/style>/, "")).toBe("Ada");
  });
});

describe("HeadedTable and ScrollTable", () => {
  it("puts the caption before the headers and passes the table's props on", () => {
    const html = render(
      h(HeadedTable, {
        columns: ["Currency", "Above"],
        caption: h("caption", null, "Thresholds"),
        tableProps: { maw: 360 },
        children: h(Table.Tr, null, h(Table.Td, null, "EUR")),
      }),
    );
    expect(html).toMatch(/<table[^>]*><caption>Thresholds<\/caption><thead/);
    expect(html).toContain("max-width:calc(22.5rem");
    expect(html).toMatch(/<th[^>]*>Currency<\/th><th[^>]*>Above<\/th>/);
  });

  it("names the scrolling region", () => {
    const html = render(
      h(ScrollTable, { label: "Deliveries", minWidth: 640, columns: ["Event"], children: null }),
    );
    expect(html).toMatch(/role="region"[^>]*aria-label="Deliveries"/);
  });
});
