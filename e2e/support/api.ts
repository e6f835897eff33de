// Direct API calls for what a story needs to know or set up (never what it tests).
export interface ApiSession {
  cookie: string;
  csrf: string;
}

export async function apiSignIn(
  baseUrl: string,
  email: string,
  password: string,
): Promise<ApiSession> {
  const res = await fetch(`${baseUrl}/api/v1/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  if (!res.ok) throw new Error(`sign-in ${email}: ${res.status}`);
  const body = (await res.json()) as { csrfToken: string };
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  return { cookie, csrf: body.csrfToken };
}

export async function apiGet<T>(baseUrl: string, session: ApiSession, path: string): Promise<T> {
  const res = await fetch(`${baseUrl}${path}`, { headers: { cookie: session.cookie } });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
  return (await res.json()) as T;
}

/** A write as a signed-in person: the cookie and the session's CSRF token. */
export async function apiSend<T>(
  baseUrl: string,
  session: ApiSession,
  method: "POST" | "PUT",
  path: string,
  body: unknown,
): Promise<T> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      cookie: session.cookie,
      "x-csrf-token": session.csrf,
      "content-type": "application/json",
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}
