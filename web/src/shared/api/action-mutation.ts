// A staff action's write, the same on every page: run the mutation; when it worked, say so, close
// the action's dialog, put the answer in the cache (the resource as the write left it) and read
// again what it changed, then anything else (open what it made). A refusal stays on the mutation's
// `error`: the ActionDialog or the card's Refusal shows it in words, the problem's field errors
// next to their fields (422), a stale version with a Reload (409).

import {
  useMutation,
  useQueryClient,
  type QueryClient,
  type QueryKey,
} from "@tanstack/react-query";

export interface ActionMutationOptions<TData, TVars> {
  mutationFn: (vars: TVars) => Promise<TData>;
  /** Says that it worked (a notification, a note on the page); runs first. */
  announce?: (data: TData, vars: TVars) => void;
  /** Closes the action's dialog. */
  onDone?: () => void;
  /** The answer as a cache entry `[key, data]`, written before the reads; undefined: none. */
  seed?: (data: TData) => readonly [QueryKey, unknown] | undefined;
  /** The queries read again, in this order (each a key prefix). */
  invalidate: readonly QueryKey[];
  /** Runs last, after the reads (e.g. navigates to what the write made). */
  afterwards?: (data: TData, vars: TVars) => Promise<unknown> | void;
}

/** `useMutation` with the steps every staff action takes when it worked. */
export function useActionMutation<TData, TVars = void>(
  options: ActionMutationOptions<TData, TVars>,
) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: options.mutationFn,
    onSuccess: (data: TData, vars: TVars) => afterSuccess(queryClient, options, data, vars),
  });
}

/** The steps after a write that worked, in their order (the mutation waits for them). */
export async function afterSuccess<TData, TVars>(
  queryClient: QueryClient,
  { announce, onDone, seed, invalidate, afterwards }: ActionMutationOptions<TData, TVars>,
  data: TData,
  vars: TVars,
): Promise<void> {
  announce?.(data, vars);
  onDone?.();
  const entry = seed?.(data);
  if (entry !== undefined) queryClient.setQueryData(entry[0], entry[1]);
  for (const queryKey of invalidate) await queryClient.invalidateQueries({ queryKey });
  await afterwards?.(data, vars);
}
