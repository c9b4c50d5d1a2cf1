// The API as the console uses it: every call carries the key in the X-API-Key header (never in
// a URL), errors come back as ApiError with the service's error envelope, and Server-Sent Events
// are read with fetch streaming, since EventSource cannot send headers.

const ROOT = document.documentElement.dataset.root || "";
const STORE = "ops-console.api-key";

export const session = {
  get key() {
    return sessionStorage.getItem(STORE);
  },
  keep(key) {
    sessionStorage.setItem(STORE, key);
  },
  clear() {
    sessionStorage.removeItem(STORE);
  },
};

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `The service answered ${status}.`);
    this.status = status;
    this.code = error.code || "http_" + status;
    this.details = error.details ?? null;
    this.requestId = error.request_id || null;
  }
}

// Called with the ApiError when the service stops accepting the key, so the page can sign out.
let onUnauthorised = () => {};
export function whenUnauthorised(handler) {
  onUnauthorised = handler;
}

function headers(accept, withBody, key) {
  const result = { Accept: accept, "X-API-Key": key ?? session.key ?? "" };
  if (withBody) result["Content-Type"] = "application/json";
  return result;
}

async function failure(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const error = new ApiError(response.status, body);
  if (response.status === 401) onUnauthorised(error);
  return error;
}

export async function api(path, { method = "GET", body, signal, key } = {}) {
  const response = await fetch(ROOT + path, {
    method,
    headers: headers("application/json", body !== undefined, key),
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
    cache: "no-store",
    credentials: "omit",
  });
  if (!response.ok) throw await failure(response);
  return response.status === 204 ? null : response.json();
}

// Reads an SSE response and calls onEvent({event, id, data}) for each event, data parsed as JSON.
// Resolves when the server ends the stream; rejects with ApiError when the request is refused.
export async function stream(path, { method = "GET", body, signal, onEvent }) {
  const response = await fetch(ROOT + path, {
    method,
    headers: headers("text/event-stream", body !== undefined),
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
    cache: "no-store",
    credentials: "omit",
  });
  if (!response.ok) throw await failure(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    const blocks = buffer.split(/\r?\n\r?\n/);
    buffer = blocks.pop();
    for (const block of blocks) {
      const parsed = parseEvent(block);
      if (parsed) onEvent(parsed);
    }
  }
}

function parseEvent(block) {
  let event = "message";
  let id = null;
  const data = [];
  for (const line of block.split(/\r?\n/)) {
    if (!line || line.startsWith(":")) continue; // a keep-alive comment
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "id") id = value;
    else if (field === "data") data.push(value);
  }
  if (!data.length) return null;
  const text = data.join("\n");
  try {
    return { event, id, data: JSON.parse(text) };
  } catch {
    return { event, id, data: text };
  }
}
