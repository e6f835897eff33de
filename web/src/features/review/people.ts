// Names for the ids the API answers (reviewers, deciders, the actors of the timeline), from the
// staff's list of users; an id nobody lists stays an id rather than a guess.

import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { usersQuery } from "./api";

/** `user:<id>`, `token:<id>`, `system` or a bare user id -> the user id, or null. */
export function userIdOfActor(actor: string): string | null {
  if (actor.startsWith("user:")) return actor.slice("user:".length);
  if (actor.includes(":") || actor === "system" || actor === "anonymous") return null;
  return actor;
}

/** A function naming user ids and actor references in words. */
export function useNames(): (idOrActor: string | null) => string {
  const { t } = useTranslation(["translation", "console"]);
  const users = useQuery(usersQuery).data ?? [];
  const byId = new Map(users.map((u) => [u.id, u.name]));
  return (idOrActor) => {
    if (idOrActor === null) return "";
    if (idOrActor === "system" || idOrActor === "usr_system" || idOrActor === "user:usr_system") {
      return t("console:people.system");
    }
    if (idOrActor.startsWith("token:")) return t("console:people.token");
    const id = userIdOfActor(idOrActor);
    return id === null ? idOrActor : (byId.get(id) ?? id);
  };
}

/** One user's name (or id). */
export function useUserName(id: string | null): string {
  return useNames()(id);
}
