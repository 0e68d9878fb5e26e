// llmplace API docs page: each operation's "Try it" form sends its request to this server and shows the answer.
"use strict";

(function () {
  async function send(form, out) {
    let path = form.dataset.path;
    const query = new URLSearchParams();
    for (const input of form.querySelectorAll("input[data-in]")) {
      const v = input.value.trim();
      if (input.dataset.in === "path") path = path.replace(`{${input.name}}`, encodeURIComponent(v));
      else if (v !== "") query.append(input.name, v);
    }
    const opts = { method: form.dataset.method, credentials: "same-origin", headers: { Accept: "application/json" } };
    const body = form.querySelector("textarea[name=body]");
    if (body) { opts.headers["Content-Type"] = "application/json"; opts.body = body.value; }
    const url = "." + path + (query.toString() ? "?" + query : "");
    out.textContent = `${opts.method} ${url} ...`;
    const t0 = performance.now();
    const resp = await fetch(url, opts);
    const type = resp.headers.get("content-type") || "";
    let text;
    if (type.includes("json")) text = JSON.stringify(await resp.json(), null, 2);
    else if (type.startsWith("text/")) text = await resp.text();
    else text = `(${type}, ${(await resp.blob()).size} bytes)`;
    const ms = Math.round(performance.now() - t0);
    out.textContent = `HTTP ${resp.status} in ${ms} ms\n${text.length > 20000 ? text.slice(0, 20000) + "\n..." : text}`;
    out.dataset.status = String(resp.status);
  }
  document.addEventListener("DOMContentLoaded", () => {
    for (const form of document.querySelectorAll("form.try-form")) {
      const out = form.parentElement.querySelector(".try-out");
      form.addEventListener("submit", (ev) => {
        ev.preventDefault();
        send(form, out).catch((e) => { out.textContent = `request failed: ${e}`; });
      });
    }
  });
})();
