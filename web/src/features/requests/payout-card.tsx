// One refund payout as its client reads it: how much goes where, where it stands (the API's
// `stage` in the reader's words), the days in which the money arrives (policy zone, named), when
// it was sent, what happens next if it failed, and, when it waits on the client, the form for the
// wallet address or the bank account. Nothing here decides: the stage, the version and whether the
// client may give (or correct) the destination now (`actions`: set_destination) come from the
// server, which refuses a wrong or late destination in words shown next to the field.

import { Button, Card, Group, Stack, Text, TextInput, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { policyQuery } from "../../shared/api/policy";
import { fieldError } from "../../shared/api/problem";
import { formatDate, formatDateTime, formatMoney, todayIn, zoneLabel } from "../../shared/format";
import { RefusalAlert } from "../../shared/ui/refusal";
import { setPayoutDestination, type DestinationBody, type Payout } from "./api";

/** A wallet address or IBAN shown so it can be recognised, not copied: its ends only. */
export function maskMiddle(value: string, head: number, tail: number): string {
  const compact = value.replace(/\s+/g, "");
  if (compact.length <= head + tail + 1) return compact;
  return `${compact.slice(0, head)}…${compact.slice(-tail)}`;
}

/** Which form gives this payout's destination, when the server lets the reader give it now. */
function destinationForm(p: Payout): "crypto" | "bank" | null {
  if (!(p.actions ?? []).some((a) => a.name === "set_destination" && a.allowed)) return null;
  if (p.method === "crypto") return "crypto";
  if (p.method === "bank_transfer" && p.reissueOf !== null) return "bank";
  return null;
}

export function PayoutCard({
  payout: p,
  headingLevel = 3,
}: {
  payout: Payout;
  headingLevel?: 2 | 3;
}) {
  const { t, i18n } = useTranslation();
  const lng = i18n.language;
  const zone = useQuery(policyQuery).data?.parameters.timezone ?? null;
  const [editing, setEditing] = useState(false);
  const stage = p.stage ?? "preparing";
  const kind = destinationForm(p);
  const zoneName = zone === null ? "" : zoneLabel(zone);
  const from = formatDate(p.dueEarliest, lng, zone);
  const to = formatDate(p.dueLatest, lng, zone);
  const late =
    zone !== null &&
    (stage === "preparing" || stage === "on_its_way" || stage === "delayed") &&
    todayIn(zone) > p.dueLatest;
  const headingId = `payout-${p.id}`;
  const showForm =
    kind !== null && (stage === "needs_your_details" || (editing && p.destination !== null));

  return (
    <Card withBorder component="article" aria-labelledby={headingId} padding="md">
      <Stack gap={6}>
        <Title order={headingLevel} size="h5" id={headingId}>
          {t(`payout.line.${p.method}`, { amount: formatMoney(p.amount, lng) })}
        </Title>
        <Text fw={700} data-testid="payout-stage">
          {t(`payoutStage.${stage}`)}
        </Text>
        {stage === "sent" && p.succeededAt ? (
          <>
            <Text size="sm">
              {t("payout.sentOn", { date: formatDateTime(p.succeededAt, lng, zone) })}
            </Text>
            <Text size="sm">
              {t(p.method === "card" ? "payout.afterCard" : "payout.afterOther")}
            </Text>
          </>
        ) : null}
        {stage === "needs_your_details" ? (
          <Text size="sm">
            {t(p.method === "crypto" ? "payout.needsWallet" : "payout.needsBank", {
              from,
              to,
              zone: zoneName,
            })}
          </Text>
        ) : null}
        {(stage === "preparing" || stage === "on_its_way") && !late ? (
          <Text size="sm">{t("payout.window", { from, to, zone: zoneName })}</Text>
        ) : null}
        {late ? <Text size="sm">{t("payout.late", { date: to, zone: zoneName })}</Text> : null}
        {stage === "delayed" ? <Text size="sm">{t("payout.delayed")}</Text> : null}
        {stage === "replaced" ? <Text size="sm">{t("payout.replaced")}</Text> : null}
        {p.reissueOf !== null ? <Text size="sm">{t("payout.reissue")}</Text> : null}
        <DestinationLine payout={p} />
        {kind !== null && !showForm && p.destination !== null ? (
          <Group>
            <Button variant="subtle" size="compact-sm" onClick={() => setEditing(true)}>
              {t("payout.change")}
            </Button>
          </Group>
        ) : null}
        {showForm && kind !== null ? (
          <DestinationForm payout={p} kind={kind} onDone={() => setEditing(false)} />
        ) : null}
      </Stack>
    </Card>
  );
}

function DestinationLine({ payout: p }: { payout: Payout }) {
  const { t } = useTranslation();
  const d = p.destination;
  if (d === null) return null;
  if (d.address !== undefined) {
    return (
      <Text size="sm">
        {t("payout.toWallet", {
          asset: d.asset ?? "",
          network: d.network ?? "",
          address: maskMiddle(d.address, 6, 4),
        })}
      </Text>
    );
  }
  if (d.iban !== undefined) {
    return (
      <Text size="sm">
        {t("payout.toBank", { holder: d.accountHolder ?? "", iban: maskMiddle(d.iban, 4, 4) })}
      </Text>
    );
  }
  return null;
}

/** Where the refund goes: a wallet (network + address) or a bank account (holder, IBAN, BIC). */
function DestinationForm({
  payout: p,
  kind,
  onDone,
}: {
  payout: Payout;
  kind: "crypto" | "bank";
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [network, setNetwork] = useState(p.destination?.network ?? "");
  const [address, setAddress] = useState("");
  const [holder, setHolder] = useState(p.destination?.accountHolder ?? "");
  const [iban, setIban] = useState("");
  const [bic, setBic] = useState("");
  const save = useMutation({
    mutationFn: () => {
      const body: DestinationBody =
        kind === "crypto"
          ? { network: network.trim(), address: address.trim(), expectedVersion: p.version }
          : {
              accountHolder: holder.trim(),
              iban: iban.trim(),
              ...(bic.trim() === "" ? {} : { bic: bic.trim() }),
              expectedVersion: p.version,
            };
      return setPayoutDestination(p.id, body);
    },
    onSuccess: async () => {
      onDone();
      await queryClient.invalidateQueries({ queryKey: ["requests"] });
    },
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const reload = () => void queryClient.invalidateQueries({ queryKey: ["requests"] });
  const formId = `destination-${p.id}`;
  return (
    <form onSubmit={onSubmit} noValidate aria-labelledby={`${formId}-title`}>
      <Stack gap="xs" mt="xs">
        <Text size="sm" fw={700} id={`${formId}-title`}>
          {t(kind === "crypto" ? "payout.walletTitle" : "payout.bankTitle")}
        </Text>
        {kind === "crypto" ? (
          <>
            <TextInput
              label={t("payout.network")}
              description={t("payout.networkHelp")}
              value={network}
              onChange={(e) => setNetwork(e.currentTarget.value)}
              error={fieldError(save.error, "network")}
              required
              autoComplete="off"
            />
            <TextInput
              label={t("payout.address")}
              description={t("payout.addressHelp")}
              value={address}
              onChange={(e) => setAddress(e.currentTarget.value)}
              error={fieldError(save.error, "address")}
              required
              autoComplete="off"
              spellCheck={false}
              styles={{ input: { fontFamily: "monospace" } }}
            />
          </>
        ) : (
          <>
            <TextInput
              label={t("payout.accountHolder")}
              value={holder}
              onChange={(e) => setHolder(e.currentTarget.value)}
              error={fieldError(save.error, "accountHolder")}
              required
              autoComplete="name"
            />
            <TextInput
              label={t("payout.iban")}
              description={t("payout.ibanHelp")}
              value={iban}
              onChange={(e) => setIban(e.currentTarget.value)}
              error={fieldError(save.error, "iban")}
              required
              autoComplete="off"
              spellCheck={false}
            />
            <TextInput
              label={t("payout.bic")}
              description={t("payout.bicHelp")}
              value={bic}
              onChange={(e) => setBic(e.currentTarget.value)}
              error={fieldError(save.error, "bic")}
              autoComplete="off"
              spellCheck={false}
            />
          </>
        )}
        <RefusalAlert
          error={save.error}
          fields={["network", "address", "accountHolder", "iban", "bic"]}
          onReload={reload}
        />
        <Group>
          <Button type="submit" loading={save.isPending}>
            {t(kind === "crypto" ? "payout.saveWallet" : "payout.saveBank")}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
