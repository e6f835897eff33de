// Policy clauses a decision rests on. The clause texts are the company's own words and are shown
// as written (in English); a Thai reader also gets a Thai summary, labelled as a convenience
// translation. Each clause links to its place on the policy page.

import { Blockquote, Stack, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { policyQuery } from "../api/policy";
import { AnchorLink } from "./links";

export interface ClauseRef {
  id: string;
  /** The policy's text; null when the policy in force no longer has the clause. */
  text?: string | null;
}

/** The Thai (or English) summary key of a clause id such as `procedure.window`. */
export function clauseKey(id: string): `clause.${string}` {
  return `clause.${id}`;
}

/** A clause: its name, the policy's words, and in Thai a labelled convenience translation. */
export function ClauseItem({
  clause,
  linkToPolicy = true,
}: {
  clause: ClauseRef;
  linkToPolicy?: boolean;
}) {
  const { t, i18n } = useTranslation();
  const policy = useQuery(policyQuery).data;
  const thai = i18n.language.startsWith("th");
  const text = clause.text ?? policy?.clauses.find((c) => c.id === clause.id)?.text ?? null;
  const vars = {
    days: policy?.parameters.requestWindowDays ?? 7,
    from: policy?.parameters.payoutBusinessDays[0] ?? 7,
    to: policy?.parameters.payoutBusinessDays[1] ?? 14,
  };
  const title = t(`${clauseKey(clause.id)}.title` as "clause.procedure.window.title", {
    defaultValue: clause.id,
  });
  return (
    <Stack gap={4} data-clause={clause.id}>
      <Text size="sm" fw={700}>
        {title}
      </Text>
      {thai ? (
        <>
          <Text size="sm">
            {t(`${clauseKey(clause.id)}.summary` as "clause.procedure.window.summary", vars)}
          </Text>
          <Text size="xs" c="dimmed">
            {t("clause.convenience")}
          </Text>
        </>
      ) : null}
      {text === null ? (
        thai ? null : (
          <Text size="sm">
            {t(`${clauseKey(clause.id)}.summary` as "clause.procedure.window.summary", vars)}
          </Text>
        )
      ) : (
        <Blockquote
          p="xs"
          pl="md"
          lang="en"
          color="gray"
          styles={{ root: { fontSize: "var(--mantine-font-size-sm)" } }}
        >
          {text}
        </Blockquote>
      )}
      {linkToPolicy ? (
        <AnchorLink to="/policy" hash={clause.id} size="xs">
          {t("clause.readInPolicy")}
        </AnchorLink>
      ) : null}
    </Stack>
  );
}

export function ClauseList({ clauses }: { clauses: readonly ClauseRef[] }) {
  return (
    <Stack gap="sm">
      {clauses.map((c) => (
        <ClauseItem key={c.id} clause={c} />
      ))}
    </Stack>
  );
}
