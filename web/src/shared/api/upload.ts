// Uploads with progress: fetch cannot report upload progress, so this one call uses
// XMLHttpRequest (same cookie, same CSRF header, same problem documents as the typed client).

import { getCsrfToken } from "./client";
import { ApiError, isProblem } from "./problem";

/** What the attachment route accepts (POST /requests/{id}/attachments; said before uploading). */
export const ATTACHMENT_LIMITS = {
  maxFiles: 5,
  maxFileBytes: 10 * 1024 * 1024,
  maxTotalBytes: 25 * 1024 * 1024,
  types: ["application/pdf", "image/png", "image/jpeg", "text/plain", "text/csv"],
} as const;

/** Uploads files to a request; `onProgress` gets 0..1. Rejects with ApiError on a refusal. */
export function uploadAttachments(
  requestId: string,
  files: readonly File[],
  onProgress: (fraction: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const f of files) form.append("files", f, f.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/v1/requests/${encodeURIComponent(requestId)}/attachments`);
    const token = getCsrfToken();
    if (token !== null) xhr.setRequestHeader("X-CSRF-Token", token);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve();
        return;
      }
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // Not JSON: the status alone says what happened.
      }
      reject(new ApiError(xhr.status, isProblem(body) ? body : null));
    };
    xhr.onerror = () => reject(new ApiError(0, null));
    xhr.send(form);
  });
}
