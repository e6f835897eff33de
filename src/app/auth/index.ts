// Accounts and access: users, clients, sign-in sessions, API tokens and the authenticator.
export { createAuthenticator } from "./authenticator.js";
export { MANAGE_ACCOUNTS, type Caller } from "./common.js";
export {
  createApiToken,
  type CreateApiTokenInput,
  type CreatedApiToken,
} from "./create-api-token.js";
export { createClient, type CreateClientInput } from "./create-client.js";
export { createUser, ROLES, type CreateUserInput } from "./create-user.js";
export { currentSession } from "./current-session.js";
export { getUser } from "./get-user.js";
export { listApiTokens } from "./list-api-tokens.js";
export { listUsers, type ListUsersInput } from "./list-users.js";
export { parsePageQuery, type Page, type PageQuery } from "./pagination.js";
export {
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  hashPassword,
  verifyPassword,
} from "./passwords.js";
export type { ApiTokenView, ClientView, UserView } from "./present.js";
export { revokeApiToken } from "./revoke-api-token.js";
export { API_TOKEN_PREFIX } from "./secrets.js";
export { abilitiesOf, type SessionView } from "./session-view.js";
export { SESSION_TTL_MS, signIn, type SignInInput, type SignedIn } from "./sign-in.js";
export { signOut } from "./sign-out.js";
export { LOCK_MS, MAX_FAILURES, WINDOW_MS } from "./throttle.js";
export { updateUser, type UpdateUserInput } from "./update-user.js";
