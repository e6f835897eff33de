// One dialog for every staff action that takes input (review: ask, approve, deny, offer an
// alternative; finance: record, reissue, record as paid elsewhere; admin: invite, create, rename,
// edit): the form's fields, the API's refusal in words (field errors stay next to their fields),
// and a footer with Cancel and the submit button that says what it will do.

import { Button, Group, Modal, Stack } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import "../i18n/console";
import { Refusal } from "./staff-refusal";

/** What the dialog needs of a TanStack Query mutation (`useMutation`'s result fits). */
export interface ActionMutation {
  mutate: () => void;
  reset: () => void;
  isPending: boolean;
  error: unknown;
}

export interface ActionDialogProps {
  /** Default true: mount the dialog when the action is chosen; or keep it mounted and toggle. */
  opened?: boolean;
  title: string;
  /** Closes the dialog (Cancel, the close button, Escape). */
  onClose: () => void;
  /** The action's mutation: submitted by the form; its refusal shown; reset before a reload. */
  mutation: ActionMutation;
  /** What the submit button says (what will happen). */
  submitLabel: string;
  submitColor?: string;
  submitDisabled?: boolean;
  /** Fields the form shows errors next to; other errors show in the refusal. */
  fields?: readonly string[];
  /** Reads the resource again (offered when it changed since the page read it). */
  onReload?: () => void;
  subject?: "request" | "payout";
  children: ReactNode;
}

/** The dialog of one action. */
export function ActionDialog({
  opened = true,
  title,
  onClose,
  mutation,
  submitLabel,
  submitColor,
  submitDisabled = false,
  fields = [],
  onReload,
  subject = "request",
  children,
}: ActionDialogProps) {
  const { t } = useTranslation(["translation", "console"]);
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={title}
      size="lg"
      closeButtonProps={{ "aria-label": t("console:dialog.close") }}
    >
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          mutation.mutate();
        }}
      >
        <Stack gap="sm">
          {children}
          <Refusal
            error={mutation.error}
            fields={fields}
            onReload={
              onReload === undefined
                ? undefined
                : () => {
                    mutation.reset();
                    onReload();
                  }
            }
            subject={subject}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t("console:dialog.cancel")}
            </Button>
            <Button
              type="submit"
              color={submitColor}
              loading={mutation.isPending}
              disabled={submitDisabled}
            >
              {submitLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
