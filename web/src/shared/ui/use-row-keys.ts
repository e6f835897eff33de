// Keyboard navigation through a staff list's rows (the review queue, finance's payouts): j or
// ArrowDown moves to the next row, k or ArrowUp to the previous one (the arrows only once a row has
// the focus, so they still scroll the page otherwise), Enter opens the focused row (its link, marked
// `data-row-link`), and / jumps to the list's search field when it has one. Letters typed into a
// field, a menu or a dialog are left alone. Style the rows with ./rows.module.css (visible focus).
// A list that folds its search field away (the queue's filters on a phone) passes `reveal`: it is
// run and rendered before the focus moves, since a hidden field cannot take the focus.

import { useEffect, type RefObject } from "react";
import { flushSync } from "react-dom";

const TYPING = "input, textarea, select, [contenteditable='true'], [role='menu'], [role='dialog']";

export function useRowKeys(
  body: RefObject<HTMLElement | null>,
  search?: RefObject<HTMLInputElement | null>,
  reveal?: () => void,
): void {
  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
      const target = e.target instanceof Element ? e.target : null;
      if (target?.closest(TYPING)) return;
      if (e.key === "/" && search !== undefined) {
        e.preventDefault();
        if (reveal !== undefined) flushSync(reveal);
        search.current?.focus();
        return;
      }
      const links = Array.from(
        body.current?.querySelectorAll<HTMLElement>("[data-row-link]") ?? [],
      );
      if (links.length === 0) return;
      const active = document.activeElement;
      const current = links.findIndex((l) => {
        const row = l.closest("tr");
        return l === active || (row !== null && active !== null && row.contains(active));
      });
      const down = e.key === "j" || (e.key === "ArrowDown" && current >= 0);
      const up = e.key === "k" || (e.key === "ArrowUp" && current >= 0);
      if (!down && !up) return;
      e.preventDefault();
      const next =
        current < 0 ? 0 : down ? Math.min(current + 1, links.length - 1) : Math.max(current - 1, 0);
      const link = links[next];
      link?.focus();
      link?.closest("tr")?.scrollIntoView({ block: "nearest" });
    }
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [body, search, reveal]);
}
