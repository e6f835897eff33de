// What the reviewer may do now, exactly as the server lists it in the request's `actions`: say the
// reason of a request made from an e-mail (triage), start or resume the review, ask the client, approve an amount, deny with a reason and clauses, offer an
// alternative, record a follow-up as delivered. Each write sends the version the page read; a
// refusal is shown in words where it happened (a stale page gets a Reload). Deciding against the
// recommendation asks for the justification in the same dialog.

import {
  Alert,
  Button,
  Card,
  Checkbox,
  Group,
  Radio,
  ScrollArea,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { notify } from "./notify";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useActionMutation } from "../../shared/api/action-mutation";
import { policyQuery } from "../../shared/api/policy";
import { fieldError } from "../../shared/api/problem";
import { formatMoney } from "../../shared/format";
import {
  approveRequest,
  askClient,
  classifyReason,
  denyRequest,
  fulfilFollowUp,
  offerAlternative,
  resumeReview,
  startReview,
  type AlternativeKind,
  type ClauseId,
  type StaffRequest,
} from "./api";
import { isDecimal, sameDecimal } from "./decimal";
import { QUEUE_REASONS, type QueueReason as Reason } from "./queue-search";
import { ActionDialog } from "../../shared/ui/action-dialog";
import { Refusal } from "../../shared/ui/staff-refusal";

type Dialog = "classify_reason" | "request_info" | "approve" | "deny" | "offer_alternative";
const DIALOGS: readonly Dialog[] = [
  "classify_reason",
  "request_info",
  "approve",
  "deny",
  "offer_alternative",
];
const ALTERNATIVES: readonly AlternativeKind[] = [
  "re-delivery",
  "support-extension",
  "additional-consulting",
];

/**
 * A review action's write: when it worked the console says so (`message`), its dialog closes, and
 * everything about requests and payouts (this one, its timeline, the queue) is read again.
 */
function useReviewAction<TVars = void>(
  mutationFn: (vars: TVars) => Promise<unknown>,
  message: (vars: TVars) => string,
  onDone?: () => void,
) {
  return useActionMutation({
    mutationFn,
    announce: (_data, vars) => notify({ color: "green", message: message(vars) }),
    onDone,
    invalidate: [["requests"], ["payouts"]],
  });
}

export function ActionsCard({
  request: r,
  onReload,
}: {
  request: StaffRequest;
  onReload: () => void;
}) {
  const { t } = useTranslation(["translation", "console"]);
  const [open, setOpen] = useState<Dialog | null>(null);
  const reference = r.reference ?? r.id;
  const actions = r.actions;
  const direct = useReviewAction(
    (event: "start_review" | "resume_review" | "fulfil_follow_up") =>
      event === "start_review"
        ? startReview(r.id, r.version)
        : event === "resume_review"
          ? resumeReview(r.id, r.version)
          : fulfilFollowUp(r.id, r.version),
    (event) => t(`console:done.${event}`, { reference }),
  );
  const dialogs = DIALOGS.filter((d) => actions.includes(d));
  return (
    <Card withBorder component="section" aria-labelledby="actions-heading">
      <Stack gap="sm">
        <Title order={2} size="h4" id="actions-heading">
          {t("console:actions.title")}
        </Title>
        {actions.length === 0 ? (
          <Text size="sm">{t("console:actions.none")}</Text>
        ) : (
          <Group gap="xs">
            {dialogs.map((d) => (
              <Button
                key={d}
                variant={d === "approve" || d === "classify_reason" ? "filled" : "default"}
                color={d === "deny" ? "red" : undefined}
                onClick={() => setOpen(d)}
              >
                {t(`console:actions.${d}`)}
              </Button>
            ))}
            {(["start_review", "resume_review", "fulfil_follow_up"] as const)
              .filter((e) => actions.includes(e))
              .map((e) => (
                <Button
                  key={e}
                  variant="default"
                  loading={direct.isPending && direct.variables === e}
                  onClick={() => direct.mutate(e)}
                >
                  {t(`console:actions.${e}`)}
                </Button>
              ))}
          </Group>
        )}
        <Refusal
          error={direct.error}
          onReload={() => {
            direct.reset();
            onReload();
          }}
        />
      </Stack>
      {open === "approve" ? (
        <ApproveForm request={r} onDone={() => setOpen(null)} onReload={onReload} />
      ) : open === "deny" ? (
        <DenyForm request={r} onDone={() => setOpen(null)} onReload={onReload} />
      ) : open === "offer_alternative" ? (
        <AlternativeForm request={r} onDone={() => setOpen(null)} onReload={onReload} />
      ) : open === "request_info" ? (
        <AskForm request={r} onDone={() => setOpen(null)} onReload={onReload} />
      ) : open === "classify_reason" ? (
        <ClassifyForm request={r} onDone={() => setOpen(null)} onReload={onReload} />
      ) : null}
    </Card>
  );
}

interface FormProps {
  request: StaffRequest;
  onDone: () => void;
  onReload: () => void;
}

/** Approve an amount; the justification is asked for when it departs from the recommendation. */
function ApproveForm({ request: r, onDone, onReload }: FormProps) {
  const { t, i18n } = useTranslation(["translation", "console"]);
  const rec = r.recommendation;
  const currency = r.refundable?.currency ?? rec?.amount?.currency ?? "";
  const [amount, setAmount] = useState(
    rec?.outcome === "refund" && rec.amount ? rec.amount.amount : "",
  );
  const [justification, setJustification] = useState("");
  const follows =
    rec?.outcome === "refund" && rec.amount !== null && rec.amount !== undefined
      ? sameDecimal(amount, rec.amount.amount)
      : false;
  const valid = isDecimal(amount) && currency !== "";
  const approve = useReviewAction(
    () => approveRequest(r.id, r.version, { amount: amount.trim(), currency }, justification),
    () =>
      t("console:done.approve", {
        reference: r.reference ?? r.id,
        amount: formatMoney({ amount: amount.trim(), currency }, i18n.language),
      }),
    onDone,
  );
  return (
    <ActionDialog
      title={t("console:dialog.approve.title", { reference: r.reference ?? r.id })}
      onClose={onDone}
      mutation={approve}
      submitLabel={
        valid
          ? t("console:dialog.approve.submit", {
              amount: formatMoney({ amount: amount.trim(), currency }, i18n.language),
            })
          : t("console:dialog.approve.submitPlain")
      }
      submitDisabled={!valid}
      fields={["amount", "justification"]}
      onReload={onReload}
    >
      <Text size="sm">
        {rec === null
          ? t("console:rec.none")
          : t("console:dialog.approve.recommended", {
              outcome: t(`console:outcome.${rec.outcome ?? "review"}`),
              amount: rec.amount ? formatMoney(rec.amount, i18n.language) : "",
            })}
      </Text>
      <TextInput
        data-autofocus
        label={t("console:dialog.approve.amount", { currency })}
        description={
          r.refundable
            ? t("console:dialog.approve.amountHelp", {
                max: formatMoney(r.refundable, i18n.language),
              })
            : undefined
        }
        inputMode="decimal"
        autoComplete="off"
        value={amount}
        onChange={(e) => setAmount(e.currentTarget.value)}
        rightSection={<Text size="sm">{currency}</Text>}
        rightSectionWidth={56}
        error={fieldError(approve.error, "amount")}
        withAsterisk
      />
      {!follows ? (
        <Alert color="orange" variant="light">
          {t("console:dialog.departs")}
        </Alert>
      ) : null}
      <Textarea
        label={t("console:dialog.justification")}
        description={
          follows
            ? t("console:dialog.justificationOptional")
            : t("console:dialog.justificationRequired")
        }
        withAsterisk={!follows}
        autosize
        minRows={3}
        value={justification}
        onChange={(e) => setJustification(e.currentTarget.value)}
        error={fieldError(approve.error, "justification")}
      />
    </ActionDialog>
  );
}

/** Deny with a reason the client reads and the clauses it rests on (the recommendation's first). */
function DenyForm({ request: r, onDone, onReload }: FormProps) {
  const { t } = useTranslation(["translation", "console"]);
  const policy = useQuery(policyQuery).data;
  const recClauses = (r.recommendation?.clauses ?? []) as ClauseId[];
  const [justification, setJustification] = useState("");
  const [clauses, setClauses] = useState<string[]>(recClauses);
  const follows = r.recommendation?.outcome === "deny";
  const deny = useReviewAction(
    () => denyRequest(r.id, r.version, justification, clauses as ClauseId[]),
    () => t("console:done.deny", { reference: r.reference ?? r.id }),
    onDone,
  );
  return (
    <ActionDialog
      title={t("console:dialog.deny.title", { reference: r.reference ?? r.id })}
      onClose={onDone}
      mutation={deny}
      submitLabel={t("console:dialog.deny.submit")}
      submitColor="red"
      fields={["justification", "clauses"]}
      onReload={onReload}
    >
      {!follows ? (
        <Alert color="orange" variant="light">
          {t("console:dialog.departs")}
        </Alert>
      ) : null}
      <Textarea
        data-autofocus
        label={t("console:dialog.deny.reason")}
        description={t("console:dialog.deny.reasonHelp")}
        withAsterisk
        autosize
        minRows={3}
        value={justification}
        onChange={(e) => setJustification(e.currentTarget.value)}
        error={fieldError(deny.error, "justification")}
      />
      <Checkbox.Group
        label={t("console:dialog.deny.clauses")}
        description={t("console:dialog.deny.clausesHelp")}
        value={clauses}
        onChange={setClauses}
        error={fieldError(deny.error, "clauses")}
      >
        <ScrollArea.Autosize mah={260} type="auto" mt="xs">
          <Stack gap={6} pr="sm">
            {(policy?.clauses ?? []).map((c) => (
              <Checkbox
                key={c.id}
                value={c.id}
                label={t("console:clause", { id: c.id })}
                description={c.text}
              />
            ))}
          </Stack>
        </ScrollArea.Autosize>
      </Checkbox.Group>
    </ActionDialog>
  );
}

/** Offer re-delivery, a support extension or consulting instead of a refund. */
function AlternativeForm({ request: r, onDone, onReload }: FormProps) {
  const { t } = useTranslation(["translation", "console"]);
  const suggested = (r.recommendation?.alternatives ?? []).find((a): a is AlternativeKind =>
    (ALTERNATIVES as readonly string[]).includes(a),
  );
  const [kind, setKind] = useState<AlternativeKind>(suggested ?? "re-delivery");
  const [note, setNote] = useState("");
  const offer = useReviewAction(
    () => offerAlternative(r.id, r.version, kind, note),
    () => t("console:done.offer_alternative", { reference: r.reference ?? r.id }),
    onDone,
  );
  return (
    <ActionDialog
      title={t("console:dialog.offer_alternative.title", { reference: r.reference ?? r.id })}
      onClose={onDone}
      mutation={offer}
      submitLabel={t("console:dialog.offer_alternative.submit")}
      fields={["kind", "note"]}
      onReload={onReload}
    >
      <Radio.Group
        label={t("console:dialog.offer_alternative.kind")}
        value={kind}
        onChange={(v) => setKind(v as AlternativeKind)}
        error={fieldError(offer.error, "kind")}
      >
        <Stack gap={6} mt="xs">
          {ALTERNATIVES.map((a) => (
            <Radio key={a} value={a} label={t(`console:alternative.${a}`)} />
          ))}
        </Stack>
      </Radio.Group>
      <Textarea
        label={t("console:dialog.offer_alternative.note")}
        description={t("console:dialog.offer_alternative.noteHelp")}
        withAsterisk
        autosize
        minRows={3}
        value={note}
        onChange={(e) => setNote(e.currentTarget.value)}
        error={fieldError(offer.error, "note")}
      />
    </ActionDialog>
  );
}

/** Ask the client a question: the request waits on its answer (with a reply-by date). */
function AskForm({ request: r, onDone, onReload }: FormProps) {
  const { t } = useTranslation(["translation", "console"]);
  const [question, setQuestion] = useState("");
  const ask = useReviewAction(
    () => askClient(r.id, r.version, question),
    () => t("console:done.request_info", { reference: r.reference ?? r.id }),
    onDone,
  );
  return (
    <ActionDialog
      title={t("console:dialog.request_info.title", { reference: r.reference ?? r.id })}
      onClose={onDone}
      mutation={ask}
      submitLabel={t("console:dialog.request_info.submit")}
      fields={["question"]}
      onReload={onReload}
    >
      <Textarea
        data-autofocus
        label={t("console:dialog.request_info.question")}
        description={t("console:dialog.request_info.questionHelp")}
        withAsterisk
        autosize
        minRows={3}
        value={question}
        onChange={(e) => setQuestion(e.currentTarget.value)}
        error={fieldError(ask.error, "question")}
      />
    </ActionDialog>
  );
}

/**
 * Say the reason of a request made from a client's e-mail that did not say it plainly (triage):
 * it is submitted, and the engine recommends under the policy in force when the e-mail arrived.
 */
function ClassifyForm({ request: r, onDone, onReload }: FormProps) {
  const { t } = useTranslation(["translation", "console"]);
  const [reason, setReason] = useState<Reason | null>(null);
  const classify = useReviewAction(
    () => classifyReason(r.id, r.version, reason!),
    () =>
      t("console:done.classify_reason", {
        reference: r.reference ?? r.id,
        reason: reason === null ? "" : t(`reason.${reason}.label`),
      }),
    onDone,
  );
  return (
    <ActionDialog
      title={t("console:dialog.classify_reason.title", { reference: r.reference ?? r.id })}
      onClose={onDone}
      mutation={classify}
      submitLabel={t("console:dialog.classify_reason.submit")}
      submitDisabled={reason === null}
      fields={["reason"]}
      onReload={onReload}
    >
      <Text size="sm">{t("console:dialog.classify_reason.help")}</Text>
      <Radio.Group
        label={t("console:dialog.classify_reason.reason")}
        withAsterisk
        value={reason ?? ""}
        onChange={(v) => setReason(v as Reason)}
        error={fieldError(classify.error, "reason")}
      >
        <Stack gap={6} mt="xs">
          {QUEUE_REASONS.map((x) => (
            <Radio key={x} value={x} label={t(`reason.${x}.label`)} />
          ))}
        </Stack>
      </Radio.Group>
    </ActionDialog>
  );
}
