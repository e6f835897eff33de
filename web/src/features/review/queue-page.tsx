// The review queue: saved views, filters that combine (statuses with their counts for the filters
// in force, reason, recommendation, whose move it is, assignee, client, order), sort and cursor
// paging, all in the URL; a table whose rows read without opening them; assignment in the row; and
// the keyboard: j/k or the arrows move between rows, Enter opens, / jumps to the order filter.

import {
  Button,
  Chip,
  Group,
  Kbd,
  NativeSelect,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useCallback, useRef, useState, type FormEvent, type RefObject } from "react";
import { useTranslation } from "react-i18next";
import { usePolicyZone } from "../../shared/api/policy";
import { formatDate, formatDateTime, formatMoney, zoneLabel } from "../../shared/format";
import { formatAgo } from "../../shared/format/relative";
import { AnchorLink, ButtonLink } from "../../shared/ui/links";
import { ScrollTable } from "../../shared/ui/data-table";
import { ErrorView } from "../../shared/ui/states";
import { StaffStatusBadge } from "./status";
import { clientsQuery, queueCountsQuery, queueQuery, reviewersQuery, type QueueRow } from "./api";
import { AssigneeText, AssignMenu, useCanAssign } from "./assignment";
import classes from "../../shared/ui/rows.module.css";
import {
  QUEUE_FLAGS,
  QUEUE_OUTCOMES,
  QUEUE_REASONS,
  QUEUE_SORTS,
  QUEUE_STATUSES,
  QUEUE_VIEWS,
  QUEUE_WAITING,
  statusesOf,
  statusParam,
  viewOf,
  withFilters,
  type QueueSearch,
} from "./queue-search";
import { useRowKeys } from "../../shared/ui/use-row-keys";
import { Tag } from "./tag";

export interface QueuePageProps {
  search: QueueSearch;
  /** Changes the URL's search (a new history entry, so Back undoes a filter). */
  onSearch: (next: QueueSearch) => void;
}

const COLUMNS = 7;

export function QueuePage({ search, onSearch }: QueuePageProps) {
  const { t } = useTranslation(["translation", "console"]);
  const zone = usePolicyZone();
  const queue = useQuery({ ...queueQuery(search), placeholderData: keepPreviousData });
  const counts = useQuery({ ...queueCountsQuery(search), placeholderData: keepPreviousData });
  const tableRef = useRef<HTMLTableSectionElement>(null);
  const orderInput = useRef<HTMLInputElement>(null);
  const set = (change: Partial<QueueSearch>) => onSearch(withFilters(search, change));
  const view = viewOf(search);
  // On a phone the filters fold away under one button (the counts stay in view); "/" unfolds them.
  const wide = useMediaQuery("(min-width: 48em)", true, { getInitialValueInEffect: false });
  const [filtersOpen, setFiltersOpen] = useState(false);
  const openFilters = useCallback(() => setFiltersOpen(true), []);
  useRowKeys(tableRef, orderInput, openFilters);
  const inForce = [
    search.waitingOn,
    search.assignee,
    search.reason,
    search.outcome,
    search.flag,
    search.clientId,
    search.orderId,
  ].filter((v) => v !== undefined).length;
  const selected = statusesOf(search.status);
  const total =
    counts.data === undefined
      ? null
      : selected.length === 0
        ? counts.data.total
        : selected.reduce((n, s) => n + (counts.data.counts[s] ?? 0), 0);

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <Stack gap={2}>
          <Title order={1}>{t("console:queue.title")}</Title>
          <Text size="sm" c="dimmed" aria-live="polite" data-testid="queue-total">
            {total === null ? "\u00a0" : t("console:queue.matching", { count: total })}
          </Text>
        </Stack>
        <Text size="sm" c="dimmed" id="queue-keys" visibleFrom="sm">
          {t("console:queue.keysBefore")} <Kbd>j</Kbd> <Kbd>k</Kbd> {t("console:queue.keysMove")}{" "}
          <Kbd>Enter</Kbd> {t("console:queue.keysOpen")} <Kbd>/</Kbd>{" "}
          {t("console:queue.keysSearch")}
        </Text>
      </Group>

      <Group component="nav" aria-label={t("console:queue.views")} gap="xs" wrap="wrap">
        {QUEUE_VIEWS.map((v) => (
          <ButtonLink
            key={v.id}
            to="/staff/queue"
            search={v.search}
            size="xs"
            variant={view === v.id ? "filled" : "default"}
            aria-current={view === v.id ? "page" : undefined}
          >
            {t(`console:queue.view.${v.id}`)}
          </ButtonLink>
        ))}
      </Group>

      <Stack gap="sm" component="section" aria-labelledby="queue-filters">
        <VisuallyHidden>
          <h2 id="queue-filters">{t("console:queue.filters")}</h2>
        </VisuallyHidden>
        <div role="group" aria-labelledby="queue-status-label">
          <Text size="sm" fw={500} id="queue-status-label" mb={4}>
            {t("console:queue.statusFilter")}
          </Text>
          <Chip.Group multiple value={selected} onChange={(v) => set({ status: statusParam(v) })}>
            <Group gap={6} wrap="wrap">
              {QUEUE_STATUSES.map((s) => (
                <Chip key={s} value={s} size="xs" variant="outline">
                  {t(`console:status.${s}`)}
                  {counts.data === undefined ? "" : ` · ${counts.data.counts[s] ?? 0}`}
                </Chip>
              ))}
            </Group>
          </Chip.Group>
        </div>
        {wide ? null : (
          <Group>
            <Button
              variant="default"
              size="xs"
              aria-expanded={filtersOpen}
              aria-controls="queue-filter-fields"
              onClick={() => setFiltersOpen((o) => !o)}
            >
              {filtersOpen
                ? t("console:queue.hideFilters")
                : t("console:queue.showFilters", { count: inForce })}
            </Button>
          </Group>
        )}
        <SimpleGrid
          id="queue-filter-fields"
          style={!wide && !filtersOpen ? { display: "none" } : undefined}
          cols={{ base: 1, xs: 2, md: 4 }}
          spacing="sm"
          verticalSpacing="xs"
        >
          <NativeSelect
            label={t("console:queue.waitingOn")}
            value={search.waitingOn ?? "qa"}
            onChange={(e) =>
              set({ waitingOn: e.currentTarget.value as (typeof QUEUE_WAITING)[number] })
            }
            data={QUEUE_WAITING.map((w) => ({ value: w, label: t(`console:waiting.${w}`) }))}
          />
          <AssigneeFilter value={search.assignee} onChange={(assignee) => set({ assignee })} />
          <NativeSelect
            label={t("console:queue.reason")}
            value={search.reason ?? ""}
            onChange={(e) =>
              set({
                reason: (e.currentTarget.value || undefined) as QueueSearch["reason"],
              })
            }
            data={[
              { value: "", label: t("console:queue.anyReason") },
              ...QUEUE_REASONS.map((r) => ({ value: r, label: t(`reason.${r}.label`) })),
            ]}
          />
          <NativeSelect
            label={t("console:queue.recommendation")}
            value={search.outcome ?? ""}
            onChange={(e) =>
              set({
                outcome: (e.currentTarget.value || undefined) as QueueSearch["outcome"],
              })
            }
            data={[
              { value: "", label: t("console:queue.anyOutcome") },
              ...QUEUE_OUTCOMES.map((o) => ({ value: o, label: t(`console:outcome.${o}`) })),
            ]}
          />
          <NativeSelect
            label={t("console:queue.flag")}
            value={search.flag ?? ""}
            onChange={(e) =>
              set({ flag: (e.currentTarget.value || undefined) as QueueSearch["flag"] })
            }
            data={[
              { value: "", label: t("console:queue.anyFlag") },
              ...QUEUE_FLAGS.map((f) => ({ value: f, label: t(`console:flagFilter.${f}`) })),
            ]}
          />
          <ClientFilter value={search.clientId} onChange={(clientId) => set({ clientId })} />
          <OrderFilter
            key={search.orderId ?? ""}
            inputRef={orderInput}
            value={search.orderId}
            onChange={(orderId) => set({ orderId })}
          />
          <NativeSelect
            label={t("console:queue.sort")}
            value={search.sort ?? "newest"}
            onChange={(e) => set({ sort: e.currentTarget.value as QueueSearch["sort"] })}
            data={QUEUE_SORTS.map((s) => ({ value: s, label: t(`console:sort.${s}`) }))}
          />
          <Group align="flex-end">
            <ButtonLink to="/staff/queue" search={{}} variant="subtle" size="sm">
              {t("console:queue.clear")}
            </ButtonLink>
          </Group>
        </SimpleGrid>
      </Stack>

      {queue.isError ? (
        <ErrorView error={queue.error} onRetry={() => void queue.refetch()} />
      ) : (
        // Scrolls sideways on a phone: reachable by keyboard, and named for screen readers.
        <ScrollTable
          label={t("console:queue.tableLabel")}
          minWidth={960}
          tableProps={{
            highlightOnHover: true,
            verticalSpacing: "xs",
            "aria-describedby": "queue-keys",
            "aria-busy": queue.isFetching,
          }}
          bodyRef={tableRef}
          columns={[
            t("console:queue.col.reference"),
            t("console:queue.col.clientOrder"),
            t("console:queue.col.reason"),
            t("console:queue.col.status"),
            t("console:queue.col.recommendation"),
            t("console:queue.col.age"),
            t("console:queue.col.assignee"),
          ]}
        >
          {queue.isPending ? (
            Array.from({ length: 6 }, (_, i) => (
              <Table.Tr key={i}>
                {Array.from({ length: COLUMNS }, (__, j) => (
                  <Table.Td key={j}>
                    <Skeleton height={18} />
                  </Table.Td>
                ))}
              </Table.Tr>
            ))
          ) : queue.data.items.length === 0 ? (
            <Table.Tr>
              <Table.Td colSpan={COLUMNS}>
                <Text py="md">
                  {search.cursor === undefined
                    ? t("console:queue.empty")
                    : t("console:queue.emptyPage")}
                </Text>
              </Table.Td>
            </Table.Tr>
          ) : (
            queue.data.items.map((r) => <QueueRowView key={r.id} row={r} zone={zone} />)
          )}
        </ScrollTable>
      )}

      <Group justify="space-between" wrap="wrap">
        <Text size="sm" c="dimmed">
          {zone === null ? "" : t("common.timesIn", { zone: zoneLabel(zone) })}
        </Text>
        <Group gap="xs">
          {search.cursor !== undefined ? (
            <ButtonLink
              to="/staff/queue"
              search={{ ...search, cursor: undefined }}
              variant="default"
              size="sm"
            >
              {t("console:queue.firstPage")}
            </ButtonLink>
          ) : null}
          {queue.data?.nextCursor ? (
            <ButtonLink
              to="/staff/queue"
              search={{ ...search, cursor: queue.data.nextCursor }}
              variant="default"
              size="sm"
            >
              {t("console:queue.nextPage")}
            </ButtonLink>
          ) : null}
        </Group>
      </Group>
    </Stack>
  );
}

function QueueRowView({ row: r, zone }: { row: QueueRow; zone: string | null }) {
  const { t, i18n } = useTranslation(["translation", "console"]);
  const lng = i18n.language;
  const canAssign = useCanAssign();
  const reference = r.reference ?? r.id;
  const rec = r.recommendation;
  return (
    <Table.Tr className={classes.row}>
      <Table.Td style={{ whiteSpace: "nowrap" }}>
        <AnchorLink
          to="/staff/requests/$requestId"
          params={{ requestId: r.id }}
          fw={700}
          data-row-link=""
          className={classes.rowLink}
          aria-label={t("console:queue.openLabel", {
            reference,
            client: r.clientName ?? "",
            reason: r.reason === null ? t("reasonPending") : t(`reason.${r.reason}.label`),
          })}
        >
          {reference}
        </AnchorLink>
        <Stack gap={2} mt={2} align="flex-start">
          {r.flags?.replyOverdue ? <Tag color="red">{t("console:flags.replyOverdue")}</Tag> : null}
          {r.flags?.atRisk ? (
            <Tag color="orange" borderStyle="dashed">
              {t("console:flags.atRisk")}
            </Tag>
          ) : null}
        </Stack>
      </Table.Td>
      <Table.Td>
        <Text size="sm" fw={500}>
          {r.clientName ?? r.clientId}
        </Text>
        <Text size="xs">
          {[r.orderId, r.orderName, r.orderAmount ? formatMoney(r.orderAmount, lng) : null]
            .filter(Boolean)
            .join(" · ")}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">
          {r.reason === null ? t("reasonPending") : t(`reason.${r.reason}.label`)}
        </Text>
      </Table.Td>
      <Table.Td style={{ whiteSpace: "nowrap" }}>
        <StaffStatusBadge status={r.status} />
        <Text size="xs" c="dimmed" mt={2}>
          {t(`console:waitingShort.${r.waitingOn ?? "nobody"}`)}
        </Text>
      </Table.Td>
      <Table.Td>
        {rec === null ? (
          <Text size="sm" c="dimmed">
            {t("console:outcome.none")}
          </Text>
        ) : (
          <>
            <Text size="sm" fw={500}>
              {t(`console:outcome.${rec.outcome ?? "review"}`)}
              {rec.amount ? ` ${formatMoney(rec.amount, lng)}` : ""}
            </Text>
            {rec.payoutLatest ? (
              <Text size="xs" c="dimmed">
                {t("console:queue.payBy", { date: formatDate(rec.payoutLatest, lng, zone) })}
              </Text>
            ) : null}
          </>
        )}
      </Table.Td>
      <Table.Td>
        <Text size="sm">{formatAgo(r.submittedAt, lng)}</Text>
        <Text size="xs" c="dimmed">
          {t("console:queue.submittedAt", { date: formatDateTime(r.submittedAt, lng, zone) })}
        </Text>
        {r.lastClientReplyAt && r.lastClientReplyAt !== r.submittedAt ? (
          <Text size="xs" c="dimmed">
            {t("console:queue.lastReply", {
              date: formatDateTime(r.lastClientReplyAt, lng, zone),
            })}
          </Text>
        ) : null}
      </Table.Td>
      <Table.Td>
        <Group gap="xs" wrap="nowrap" justify="space-between">
          <AssigneeText id={r.assignee?.id ?? null} name={r.assignee?.name ?? null} />
          {canAssign && r.closedAt === null ? (
            <AssignMenu
              requestId={r.id}
              reference={reference}
              assigneeId={r.assignee?.id ?? null}
            />
          ) : null}
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

function AssigneeFilter({
  value,
  onChange,
}: {
  value: string | undefined;
  onChange: (v: string | undefined) => void;
}) {
  const { t } = useTranslation(["translation", "console"]);
  const reviewers = useQuery(reviewersQuery);
  const people = reviewers.data ?? [];
  const known = value === undefined || value === "me" || value === "unassigned";
  return (
    <NativeSelect
      label={t("console:queue.assignee")}
      value={value ?? ""}
      onChange={(e) => onChange(e.currentTarget.value || undefined)}
      data={[
        { value: "", label: t("console:queue.anyone") },
        { value: "me", label: t("console:queue.me") },
        { value: "unassigned", label: t("console:queue.unassigned") },
        ...people.map((u) => ({ value: u.id, label: u.name })),
        ...(known || people.some((u) => u.id === value) ? [] : [{ value, label: value }]),
      ]}
    />
  );
}

function ClientFilter({
  value,
  onChange,
}: {
  value: string | undefined;
  onChange: (v: string | undefined) => void;
}) {
  const { t } = useTranslation(["translation", "console"]);
  const clients = useQuery(clientsQuery);
  const list = clients.data ?? [];
  return (
    <NativeSelect
      label={t("console:queue.client")}
      value={value ?? ""}
      onChange={(e) => onChange(e.currentTarget.value || undefined)}
      data={[
        { value: "", label: t("console:queue.anyClient") },
        ...list.map((c) => ({ value: c.id, label: c.name })),
        ...(value === undefined || list.some((c) => c.id === value)
          ? []
          : [{ value, label: value }]),
      ]}
    />
  );
}

/** The order filter: typed, applied on Enter (or when leaving the field). */
function OrderFilter({
  value,
  onChange,
  inputRef,
}: {
  value: string | undefined;
  onChange: (v: string | undefined) => void;
  inputRef: RefObject<HTMLInputElement | null>;
}) {
  const { t } = useTranslation(["translation", "console"]);
  const [text, setText] = useState(value ?? "");
  const apply = () => {
    const next = text.trim() === "" ? undefined : text.trim();
    if (next !== value) onChange(next);
  };
  return (
    <form
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        apply();
      }}
    >
      <TextInput
        ref={inputRef}
        label={t("console:queue.order")}
        description={t("console:queue.orderHelp")}
        inputWrapperOrder={["label", "input", "description"]}
        value={text}
        onChange={(e) => setText(e.currentTarget.value)}
        onBlur={apply}
        placeholder="ORD-1001"
        spellCheck={false}
        autoComplete="off"
      />
    </form>
  );
}
