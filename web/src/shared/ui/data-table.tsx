// The lists of the staff pages, in three pieces that fit together:
// - `QueryStates`: a list's load in its states: skeleton rows while loading, the error with a
//   retry, a sentence when empty, else the items (a table, cards: whatever the page shows);
// - `HeadedTable`: a table with its column headers and the rows it is given; `ScrollTable`, the
//   same scrolling sideways on a phone (the region reachable by keyboard, named for screen readers);
// - `QueryTable`: the two together, the usual case.

import { Table, Text, type TableProps } from "@mantine/core";
import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode, Ref } from "react";
import { RefusalAlert } from "./refusal";
import { ErrorView, ListSkeleton } from "./states";

export interface QueryStatesProps<T> {
  /** A list's query: its answer has the items (a page of the API, or all pages). */
  query: UseQueryResult<{ readonly items?: readonly T[] }>;
  /** Skeleton rows while loading, and their height. */
  skeletonRows?: number;
  skeletonHeight?: number;
  /** What an empty list says (a string is shown as a paragraph); none: the items are shown. */
  empty?: ReactNode;
  /** What the items show as. */
  children: (items: readonly T[]) => ReactNode;
}

/** A list's load: loading, failed (with Retry), empty, or its items. */
export function QueryStates<T>({
  query,
  skeletonRows = 6,
  skeletonHeight = 36,
  empty,
  children,
}: QueryStatesProps<T>) {
  if (query.isPending) return <ListSkeleton rows={skeletonRows} height={skeletonHeight} />;
  if (query.isError) return <ErrorView error={query.error} onRetry={() => void query.refetch()} />;
  const items = query.data.items ?? [];
  if (items.length === 0 && empty !== undefined) {
    return typeof empty === "string" ? <Text>{empty}</Text> : empty;
  }
  return children(items);
}

export interface HeadedTableProps {
  /** The column headers, in order. */
  columns: readonly ReactNode[];
  /** A caption element (`<Table.Caption>` or a `<caption>`), placed before the headers. */
  caption?: ReactNode;
  /** Passed to Mantine's Table (striped, highlightOnHover, captionSide, maw, aria-*). */
  tableProps?: TableProps;
  bodyRef?: Ref<HTMLTableSectionElement>;
  /** The rows. */
  children: ReactNode;
}

/** A table with one row of column headers, and the rows it is given. */
export function HeadedTable({ columns, caption, tableProps, bodyRef, children }: HeadedTableProps) {
  return (
    <Table {...tableProps}>
      {caption}
      <Table.Thead>
        <Table.Tr>
          {columns.map((c, i) => (
            // The columns are fixed for a table: their place is their identity.
            <Table.Th key={i}>{c}</Table.Th>
          ))}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody ref={bodyRef}>{children}</Table.Tbody>
    </Table>
  );
}

export interface ScrollTableProps extends HeadedTableProps {
  /** Names the scrolling region. */
  label: string;
  /** The table's width below which it scrolls. */
  minWidth: number;
}

/** A headed table that scrolls sideways when narrow. */
export function ScrollTable({ label, minWidth, ...table }: ScrollTableProps) {
  return (
    <Table.ScrollContainer
      minWidth={minWidth}
      scrollAreaProps={{ viewportProps: { tabIndex: 0, role: "region", "aria-label": label } }}
    >
      <HeadedTable {...table} />
    </Table.ScrollContainer>
  );
}

/** A list's load shown as a scrolling table (`caption` may count the items). */
export function QueryTable<T>({
  query,
  skeletonRows,
  skeletonHeight,
  empty,
  caption,
  children,
  ...table
}: Omit<QueryStatesProps<T>, "children"> &
  Omit<ScrollTableProps, "children" | "caption" | "bodyRef"> & {
    caption?: (items: readonly T[]) => ReactNode;
    /** The rows of the items. */
    children: (items: readonly T[]) => ReactNode;
  }) {
  return (
    <QueryStates
      query={query}
      skeletonRows={skeletonRows}
      skeletonHeight={skeletonHeight}
      empty={empty}
    >
      {(items) => (
        <ScrollTable {...table} caption={caption?.(items)}>
          {children(items)}
        </ScrollTable>
      )}
    </QueryStates>
  );
}

/** A row's action refused: the refusal in words, in a row of its own under the row, across it. */
export function RefusalRow({
  error,
  colSpan,
  onReload,
}: {
  error: unknown;
  /** The table's number of columns. */
  colSpan: number;
  onReload?: () => void;
}) {
  if (error === null || error === undefined) return null;
  return (
    <Table.Tr>
      <Table.Td colSpan={colSpan}>
        <RefusalAlert error={error} onReload={onReload} />
      </Table.Td>
    </Table.Tr>
  );
}
