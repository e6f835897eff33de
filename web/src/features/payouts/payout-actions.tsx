// What finance may do with one payout, exactly as the server lists it in the payout's `actions`
// (the access module and the payout's state decide; this page never infers access): approve (with
// why this person may or may not give the approval it waits on), record a bank / other transfer,
// record a crypto transfer (hash, rate, and the coins computed exactly from the rate, shown before
// saving), retry, reissue by another method, record as paid elsewhere. An action the server lists
// as not allowed is shown with its reason and a disabled button. Actions that take input open the
// shared ActionDialog; refusals are shown in words next to what caused them.

import {
  Alert,
  Button,
  Card,
  Group,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useActionMutation } from "../../shared/api/action-mutation";
import { fieldError } from "../../shared/api/problem";
import { formatMoney } from "../../shared/format";
import { ActionDialog } from "../../shared/ui/action-dialog";
import { Refusal } from "../../shared/ui/staff-refusal";
import { writePayout, type Payout, type PayoutAction } from "./api";
import { coinsFor, CRYPTO_DECIMALS } from "./decimal";

/** The actions finance takes in a dialog (they need input). */
type FormAction = "record" | "reissue" | "record_outside";

/**
 * After a write to a payout: the answer is the payout as it now stands (kept as the detail page's
 * data), and every payout list and page is read again.
 */
function afterWriteTo(p: Payout) {
  return {
    seed: (next: Payout) => [["payouts", "one", p.id], next] as const,
    invalidate: [["payouts"]],
  };
}

/** Why the server does not allow an action to this person, in the reader's words. */
function useWhyNot() {
  const { t } = useTranslation(["translation", "console"]);
  return (a: PayoutAction): string =>
    a.reasonCode === null ? (a.reason ?? "") : t(`console:payoutActions.refused.${a.reasonCode}`);
}

export function PayoutActions({ payout, onReload }: { payout: Payout; onReload: () => void }) {
  const { t } = useTranslation(["translation", "console"]);
  const [open, setOpen] = useState<FormAction | null>(null);
  // Giving the destination is the client's (on their payout page), not finance's.
  const actions = (payout.actions ?? []).filter((a) => a.name !== "set_destination");
  if (actions.length === 0) {
    return (
      <Card withBorder>
        <Text size="sm">{t("finance.actions.none")}</Text>
      </Card>
    );
  }
  const close = () => setOpen(null);
  return (
    <Stack>
      {actions.map((a) =>
        a.name === "approve" ? (
          <ApproveCard key={a.name} payout={payout} action={a} onReload={onReload} />
        ) : a.name === "retry" ? (
          <RetryCard key={a.name} payout={payout} action={a} onReload={onReload} />
        ) : a.name === "record" || a.name === "reissue" || a.name === "record_outside" ? (
          <FormCard
            key={a.name}
            payout={payout}
            action={a}
            name={a.name}
            onOpen={() => setOpen(a.name as FormAction)}
          />
        ) : null,
      )}
      {open === "record" ? (
        payout.method === "crypto" ? (
          <RecordCryptoDialog payout={payout} onClose={close} onReload={onReload} />
        ) : (
          <RecordTransferDialog payout={payout} onClose={close} onReload={onReload} />
        )
      ) : open === "reissue" ? (
        <ReissueDialog payout={payout} onClose={close} onReload={onReload} />
      ) : open === "record_outside" ? (
        <RecordOutsideDialog payout={payout} onClose={close} onReload={onReload} />
      ) : null}
    </Stack>
  );
}

interface CardProps {
  payout: Payout;
  action: PayoutAction;
  onReload: () => void;
}

function ApproveCard({ payout, action, onReload }: CardProps) {
  const { t, i18n } = useTranslation(["translation", "console"]);
  const whyNot = useWhyNot();
  const amount = formatMoney(payout.amount, i18n.language);
  const method = t(`finance.method.${payout.method}`);
  const second = action.permission === "payout.approve_second";
  const approve = useActionMutation({
    ...afterWriteTo(payout),
    mutationFn: () => writePayout(payout, "approve", {}),
  });
  const needed = payout.approvalsNeeded ?? 1;
  const given = (payout.approvals ?? []).length;
  const consequence =
    given + 1 < needed
      ? t("finance.approve.thenSecond")
      : payout.method === "card"
        ? t("finance.approve.thenCard", { amount })
        : payout.method === "crypto" && payout.destination === null
          ? t("finance.approve.thenAddress")
          : t("finance.approve.thenRecord", { method });
  return (
    <Card withBorder>
      <Stack gap="sm">
        <Title order={2} size="h4">
          {second ? t("finance.approve.secondTitle") : t("finance.approve.firstTitle")}
        </Title>
        <Text size="sm">
          {action.allowed
            ? t(second ? "finance.approve.why.second" : "finance.approve.why.first")
            : whyNot(action)}
        </Text>
        {action.allowed ? <Text size="sm">{consequence}</Text> : null}
        <Refusal error={approve.error} onReload={onReload} subject="payout" />
        <Group>
          <Button
            onClick={() => approve.mutate()}
            loading={approve.isPending}
            disabled={!action.allowed}
          >
            {t("finance.approve.button", { amount, method })}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

function RetryCard({ payout, action, onReload }: CardProps) {
  const { t, i18n } = useTranslation(["translation", "console"]);
  const whyNot = useWhyNot();
  const retry = useActionMutation({
    ...afterWriteTo(payout),
    mutationFn: () => writePayout(payout, "retry", {}),
  });
  const amount = formatMoney(payout.amount, i18n.language);
  return (
    <Card withBorder>
      <Stack gap="sm">
        <Title order={2} size="h4">
          {t("finance.retry.title")}
        </Title>
        <Text size="sm">
          {payout.parked === true
            ? t("finance.retry.parked")
            : t("finance.retry.failed", { attempt: (payout.attempt ?? 1) + 1 })}
        </Text>
        {action.allowed ? null : (
          <Alert color="orange" variant="light">
            {whyNot(action)}
          </Alert>
        )}
        <Refusal error={retry.error} onReload={onReload} subject="payout" />
        <Group>
          <Button
            variant="default"
            onClick={() => retry.mutate()}
            loading={retry.isPending}
            disabled={!action.allowed}
          >
            {t("finance.retry.button", { amount })}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

/** An action that takes input: what it does, and the button that opens its dialog. */
function FormCard({
  payout,
  action,
  name,
  onOpen,
}: {
  payout: Payout;
  action: PayoutAction;
  name: FormAction;
  onOpen: () => void;
}) {
  const { t, i18n } = useTranslation(["translation", "console"]);
  const whyNot = useWhyNot();
  const amount = formatMoney(payout.amount, i18n.language);
  const method = t(`finance.method.${payout.method}`);
  const [title, help, open] =
    name === "record"
      ? payout.method === "crypto"
        ? [
            t("finance.crypto.title"),
            t("console:payoutActions.help.crypto", { amount }),
            t("console:payoutActions.open.crypto"),
          ]
        : [
            t("finance.record.title", { method }),
            t("finance.record.help", { amount }),
            t("console:payoutActions.open.record", { method }),
          ]
      : name === "reissue"
        ? [
            t("finance.reissue.title"),
            t("finance.reissue.help"),
            t("console:payoutActions.open.reissue"),
          ]
        : [
            t("finance.outside.title"),
            t("finance.outside.help", { amount }),
            t("console:payoutActions.open.record_outside"),
          ];
  return (
    <Card withBorder>
      <Stack gap="sm">
        <Title order={2} size="h4">
          {title}
        </Title>
        <Text size="sm">{help}</Text>
        {action.allowed ? null : (
          <Alert color="orange" variant="light">
            {whyNot(action)}
          </Alert>
        )}
        <Group>
          <Button
            variant={name === "record" ? "filled" : "default"}
            onClick={onOpen}
            disabled={!action.allowed}
          >
            {open}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

/** Why finance takes this way (kept with the payout and in the audit trail). */
function JustificationField({
  value,
  onChange,
  error,
}: {
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
}) {
  const { t } = useTranslation();
  return (
    <Textarea
      label={t("finance.justification")}
      description={t("finance.justificationHelp")}
      withAsterisk
      autosize
      minRows={2}
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
      error={error}
    />
  );
}

interface DialogProps {
  payout: Payout;
  onClose: () => void;
  onReload: () => void;
}

function RecordTransferDialog({ payout, onClose, onReload }: DialogProps) {
  const { t, i18n } = useTranslation();
  const [reference, setReference] = useState("");
  const record = useActionMutation({
    ...afterWriteTo(payout),
    onDone: onClose,
    mutationFn: () => writePayout(payout, "record", { reference: reference.trim() }),
  });
  const amount = formatMoney(payout.amount, i18n.language);
  return (
    <ActionDialog
      title={t("finance.record.title", { method: t(`finance.method.${payout.method}`) })}
      onClose={onClose}
      mutation={record}
      submitLabel={t("finance.record.button", { amount })}
      submitDisabled={reference.trim() === ""}
      fields={["reference"]}
      onReload={onReload}
      subject="payout"
    >
      <Text size="sm">{t("finance.record.help", { amount })}</Text>
      {payout.destination?.iban ? (
        <Text size="sm">
          {t("finance.payout.bankDestination", {
            holder: payout.destination.accountHolder ?? "",
            iban: payout.destination.iban,
          })}
        </Text>
      ) : null}
      <TextInput
        data-autofocus
        label={t("finance.record.reference")}
        description={t("finance.record.referenceHelp")}
        withAsterisk
        value={reference}
        onChange={(e) => setReference(e.currentTarget.value)}
        error={fieldError(record.error, "reference")}
      />
    </ActionDialog>
  );
}

function RecordCryptoDialog({ payout, onClose, onReload }: DialogProps) {
  const { t, i18n } = useTranslation();
  const [hash, setHash] = useState("");
  const [rate, setRate] = useState("");
  const asset = payout.destination?.asset ?? null;
  const fiatPriced = asset !== null && asset !== payout.amount.currency;
  const decimals = asset === null ? undefined : CRYPTO_DECIMALS[asset];
  const coins =
    fiatPriced && decimals !== undefined && rate.trim() !== ""
      ? coinsFor(payout.amount.amount, rate.trim(), decimals)
      : null;
  const record = useActionMutation({
    ...afterWriteTo(payout),
    onDone: onClose,
    mutationFn: () =>
      writePayout(payout, "record", {
        reference: hash.trim(),
        ...(fiatPriced && coins !== null && asset !== null
          ? { crypto: { rate: rate.trim(), coins: { amount: coins, currency: asset } } }
          : {}),
      }),
  });
  const amount = formatMoney(payout.amount, i18n.language);
  const rateError =
    rate.trim() !== "" && fiatPriced && coins === null ? t("finance.crypto.rateInvalid") : null;
  const ready = hash.trim() !== "" && (!fiatPriced || coins !== null);
  return (
    <ActionDialog
      title={t("finance.crypto.title")}
      onClose={onClose}
      mutation={record}
      submitLabel={
        coins !== null && asset !== null
          ? t("finance.crypto.button", { coins: `${coins} ${asset}` })
          : t("finance.crypto.buttonPlain")
      }
      submitDisabled={!ready}
      fields={["reference", "crypto.rate"]}
      onReload={onReload}
      subject="payout"
    >
      {payout.destination?.address ? (
        <Text size="sm" style={{ overflowWrap: "anywhere" }}>
          {t("finance.crypto.to", {
            asset: asset ?? "",
            network: payout.destination.network ?? "",
            address: payout.destination.address,
          })}
        </Text>
      ) : null}
      <TextInput
        data-autofocus
        label={t("finance.crypto.hash")}
        withAsterisk
        value={hash}
        onChange={(e) => setHash(e.currentTarget.value)}
        error={fieldError(record.error, "reference")}
        styles={{ input: { fontFamily: "monospace" } }}
      />
      {fiatPriced ? (
        <>
          <TextInput
            label={t("finance.crypto.rate", { fiat: payout.amount.currency, asset: asset ?? "" })}
            description={t("finance.crypto.rateHelp")}
            withAsterisk
            inputMode="decimal"
            value={rate}
            onChange={(e) => setRate(e.currentTarget.value)}
            error={rateError ?? fieldError(record.error, "crypto.rate")}
          />
          <Alert color="blue" variant="light" aria-live="polite">
            {coins === null || asset === null ? (
              <Text size="sm">{t("finance.crypto.coinsPending", { amount })}</Text>
            ) : (
              <Text size="sm">
                {t("finance.crypto.coins", {
                  amount,
                  rate: rate.trim(),
                  fiat: payout.amount.currency,
                  coins: `${coins} ${asset}`,
                })}
              </Text>
            )}
          </Alert>
        </>
      ) : (
        <Text size="sm">{t("finance.crypto.sameCoins", { amount })}</Text>
      )}
    </ActionDialog>
  );
}

function ReissueDialog({ payout, onClose, onReload }: DialogProps) {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const methods = (["bank_transfer", "other"] as const).filter((m) => m !== payout.method);
  const [method, setMethod] = useState<(typeof methods)[number] | null>(methods[0] ?? null);
  const [justification, setJustification] = useState("");
  // The answer is the new payout: open it (the failed one is now closed as reissued).
  const reissue = useActionMutation({
    onDone: onClose,
    invalidate: [["payouts"]],
    afterwards: (next) =>
      navigate({ to: "/staff/payouts/$payoutId", params: { payoutId: next.id } }),
    mutationFn: () =>
      writePayout(payout, "reissue", {
        method: method ?? "bank_transfer",
        justification: justification.trim(),
      }),
  });
  const amount = formatMoney(payout.amount, i18n.language);
  return (
    <ActionDialog
      title={t("finance.reissue.title")}
      onClose={onClose}
      mutation={reissue}
      submitLabel={t("finance.reissue.button", {
        amount,
        method: t(`finance.method.${method ?? "bank_transfer"}`),
      })}
      submitDisabled={method === null || justification.trim() === ""}
      fields={["method", "justification"]}
      onReload={onReload}
      subject="payout"
    >
      <Text size="sm">{t("finance.reissue.help")}</Text>
      <Select
        data-autofocus
        label={t("finance.reissue.method")}
        data={methods.map((m) => ({ value: m, label: t(`finance.method.${m}`) }))}
        value={method}
        allowDeselect={false}
        onChange={(v) => setMethod(v === "bank_transfer" || v === "other" ? v : null)}
        error={fieldError(reissue.error, "method")}
      />
      {method === "bank_transfer" ? <Text size="sm">{t("finance.reissue.bankNote")}</Text> : null}
      <JustificationField
        value={justification}
        onChange={setJustification}
        error={fieldError(reissue.error, "justification")}
      />
    </ActionDialog>
  );
}

function RecordOutsideDialog({ payout, onClose, onReload }: DialogProps) {
  const { t, i18n } = useTranslation();
  const [reference, setReference] = useState("");
  const [justification, setJustification] = useState("");
  const record = useActionMutation({
    ...afterWriteTo(payout),
    onDone: onClose,
    mutationFn: () =>
      writePayout(payout, "record-outside", {
        reference: reference.trim(),
        justification: justification.trim(),
      }),
  });
  const amount = formatMoney(payout.amount, i18n.language);
  return (
    <ActionDialog
      title={t("finance.outside.title")}
      onClose={onClose}
      mutation={record}
      submitLabel={t("finance.outside.button", { amount })}
      submitDisabled={reference.trim() === "" || justification.trim() === ""}
      fields={["reference", "justification"]}
      onReload={onReload}
      subject="payout"
    >
      <Text size="sm">{t("finance.outside.help", { amount })}</Text>
      <TextInput
        data-autofocus
        label={t("finance.outside.reference")}
        withAsterisk
        value={reference}
        onChange={(e) => setReference(e.currentTarget.value)}
        error={fieldError(record.error, "reference")}
      />
      <JustificationField
        value={justification}
        onChange={setJustification}
        error={fieldError(record.error, "justification")}
      />
    </ActionDialog>
  );
}
