// The JSON API, with errors as exceptions carrying the server's message.

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

async function answer(response) {
  const type = response.headers.get("content-type") || "";
  const body = type.includes("application/json") ? await response.json() : await response.text();
  if (!response.ok) {
    const message = (body && body.error) || `request failed (${response.status})`;
    throw new ApiError(message, response.status);
  }
  return body;
}

/** Call the API: api("GET", "/api/studies"), api("PUT", path, body). */
export async function api(method, path, body) {
  const options = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch (error) {
    throw new ApiError("the kmipd server does not answer; is `kmipd serve` still running?", 0);
  }
  return answer(response);
}

/** POST a form with files, reporting upload progress (0..100) to onProgress. */
export function upload(path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(Math.round((100 * e.loaded) / e.total)); };
    xhr.onerror = () => reject(new ApiError("the upload failed: the server does not answer", 0));
    xhr.onload = () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { body = null; }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else reject(new ApiError((body && body.error) || `upload failed (${xhr.status})`, xhr.status));
    };
    xhr.send(form);
  });
}

export const studyPath = (studyId) => `/api/studies/${encodeURIComponent(studyId)}`;
export const figurePath = (studyId, figureId) =>
  `${studyPath(studyId)}/figures/${encodeURIComponent(figureId)}`;
