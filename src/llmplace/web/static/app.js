// llmplace page: edit a scenario, recompute through the REST API, save and compare scenarios.
// Plain JavaScript, no third-party code except the locally served charting library.
"use strict";

(function () {
  const API = "api/v1";
  const $ = (sel, el) => (el || document).querySelector(sel);
  const $$ = (sel, el) => Array.from((el || document).querySelectorAll(sel));
  const state = { base: {}, savedId: null, savedVersion: null, timer: null, seq: 0, saved: [] };

  // --- helpers --------------------------------------------------------------------------------------

  function getPath(obj, path) {
    return path.split(".").reduce((o, k) => (o && typeof o === "object" ? o[k] : undefined), obj);
  }
  function setPath(obj, path, value) {
    const keys = path.split(".");
    let o = obj;
    for (const k of keys.slice(0, -1)) {
      if (!o[k] || typeof o[k] !== "object" || Array.isArray(o[k])) o[k] = {};
      o = o[k];
    }
    o[keys[keys.length - 1]] = value;
  }
  function deletePath(obj, path) {
    const keys = path.split(".");
    const parent = keys.length > 1 ? getPath(obj, keys.slice(0, -1).join(".")) : obj;
    if (parent && typeof parent === "object") delete parent[keys[keys.length - 1]];
  }
  // the currency of the result shown: its code and what precedes an amount ("$", "€", "CHF ")
  let moneyCode = "USD";
  let moneyPrefix = "$";
  function useCurrency(res) {
    const conv = (res && res.convention) || {};
    moneyCode = conv.currency || "USD";
    moneyPrefix = conv.exchange_rate ? conv.exchange_rate.symbol : (moneyCode === "USD" ? "$" : moneyCode + " ");
  }
  // money fields are labelled in the scenario's currency ("purchase (EUR)"): field names say usd, the money unit
  function relabelMoney() {
    for (const l of document.querySelectorAll("label[for^='f-']")) {
      if (!l.dataset.moneyLabel) {
        if (!/\bUSD\b/.test(l.textContent)) continue;
        l.dataset.moneyLabel = l.textContent;
      }
      l.textContent = l.dataset.moneyLabel.replace(/\bUSD\b/g, moneyCode);
    }
  }
  function money(x) {
    if (x === null || x === undefined) return "-";
    const a = Math.abs(x);
    return (x < 0 ? "-" : "") + moneyPrefix + a.toLocaleString("en-US", { maximumFractionDigits: a >= 100 ? 0 : 2,
                                              minimumFractionDigits: a >= 100 ? 0 : 2 });
  }
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }
  async function api(method, path, body) {
    const opts = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    const resp = await fetch(API + path, opts);
    let data = null;
    const type = resp.headers.get("content-type") || "";
    if (type.includes("json")) data = await resp.json();
    return { ok: resp.ok, status: resp.status, data, resp };
  }
  function errorText(data) {
    if (!data) return "request failed";
    if (typeof data.detail === "string") return data.detail;
    if (Array.isArray(data.detail)) return data.detail.map((d) => `${d.field}: ${d.msg}`).join("; ");
    return JSON.stringify(data);
  }
  function flash(text) { $("#saved-as").textContent = text; }

  // --- form <-> document ----------------------------------------------------------------------------
  //
  // A field the user has not edited since the document was loaded (or saved) keeps the document's own
  // value, so Load then Save writes the document back unchanged (a description's line breaks, a value
  // the widget cannot show). A number field holding a distribution ({low, mode, high}, a list of
  // values, ...) becomes a text input edited as JSON.

  const shown = new WeakMap(); // input -> the text it showed when the document was loaded or saved

  function isNumeric(input) { return input.dataset.kind === "number" || input.dataset.kind === "integer"; }
  function isJsonText(input) { return input.dataset.kind === "json" || input.dataset.mode === "json"; }

  function setNumericMode(input, json) {
    const slider = $(`input.slider[data-for="${CSS.escape(input.id)}"]`);
    if (json) {
      input.dataset.mode = "json";
      input.type = "text";
      input.title = "a distribution, as JSON: {\"low\": .., \"mode\": .., \"high\": ..}, " +
                    "{\"p10\": .., \"p90\": ..} or a list of values; or a plain number";
    } else {
      delete input.dataset.mode;
      input.type = "number";
      input.removeAttribute("title");
    }
    if (slider) { slider.disabled = json; slider.hidden = json; }
  }

  function markShown() { for (const input of $$("[data-path]")) shown.set(input, input.value); }

  function fillForm(doc) {
    state.base = JSON.parse(JSON.stringify(doc));
    for (const input of $$("[data-path]")) {
      const v = getPath(doc, input.dataset.path);
      const kind = input.dataset.kind;
      const structured = v !== null && typeof v === "object";
      if (isNumeric(input)) setNumericMode(input, structured);
      if (kind === "json" || structured) input.value = v === undefined ? "" : JSON.stringify(v, null, kind === "json" ? 2 : 0);
      else input.value = v === undefined || v === null ? "" : String(v);
      input.classList.remove("invalid");
    }
    markShown();
    syncSliders();
    const folio = Array.isArray(doc.workloads);  // a portfolio: its workloads are edited in the file
    $("#portfolio-note").hidden = !folio;
    $('details[data-section="workload"]').hidden = folio;
    document.dispatchEvent(new CustomEvent("llmplace:filled"));  // the option builder redraws its list
  }

  function readForm() {
    const doc = JSON.parse(JSON.stringify(state.base));
    const problems = [];
    const bad = (input, field, msg) => { input.classList.add("invalid"); problems.push({ field, msg }); };
    for (const input of $$("[data-path]")) {
      const path = input.dataset.path;
      const kind = input.dataset.kind;
      input.classList.remove("invalid");
      // text the browser could not read as a number ("5e", "1..2") reads as "": an error, never "no value"
      if (input.validity && input.validity.badInput) { bad(input, path, "not a number"); continue; }
      if (input.value === shown.get(input)) continue; // unedited: the document's own value stays
      const raw = input.value.trim();
      if (raw === "") { deletePath(doc, path); continue; }
      let v;
      if (isJsonText(input)) {
        try { v = JSON.parse(raw); } catch (e) { bad(input, path, `not valid JSON (${e.message})`); continue; }
      } else if (isNumeric(input)) {
        v = Number(raw);
        if (!Number.isFinite(v)) { bad(input, path, "not a number"); continue; }
      } else if (kind === "boolean") {
        v = raw === "true";
      } else {
        v = input.value;
      }
      setPath(doc, path, v);
    }
    return { doc, problems };
  }

  window.llmplaceForm = { read: readForm }; // the decision map panel (maps.js) sends the same document

  function problemText(problems) { return problems.map((p) => `${p.field}: ${p.msg}`).join("; "); }

  function syncSliders(from) {
    for (const s of $$("input.slider")) {
      const num = document.getElementById(s.dataset.for);
      if (!num || num.dataset.mode === "json") continue;
      if (from === s) num.value = s.value;
      else if (num.value !== "") s.value = num.value;
      else if (num.placeholder !== "") s.value = num.placeholder;
      else s.value = s.min;
    }
  }

  // --- compare --------------------------------------------------------------------------------------

  function schedule() {
    clearTimeout(state.timer);
    state.timer = setTimeout(recompute, 200);
  }

  async function recompute() {
    const seq = ++state.seq;
    const { doc, problems } = readForm();
    if (problems.length) { showErrors(problems); return; }
    $("#status").textContent = "computing...";
    const t0 = performance.now();
    // Live edits are deterministic; with the box ticked, Monte Carlo runs with the server's default count
    // (the scenario's uncertainty.samples, else the one default of the CLI and the REST API).
    const r = await api("POST", comparePath(doc), doc);
    if (seq !== state.seq) return; // a newer edit is on its way
    if (!r.ok) {
      showErrors(Array.isArray(r.data && r.data.detail) ? r.data.detail
                 : [{ field: "request", msg: errorText(r.data) }]);
      return;
    }
    showErrors([]);
    render(r.data);
    $("#status").textContent = `computed in ${Math.round(performance.now() - t0)} ms`;
  }

  // A portfolio's REST default is point values: with the box ticked it asks for the samples a scenario would draw
  // (its uncertainty.samples, else the server's default, handed to the page on the box).
  function samplesQuery(doc) {
    if (!$("#with-risk").checked) return "samples=0";
    if (!Array.isArray(doc.workloads)) return "";
    const n = (doc.uncertainty && doc.uncertainty.samples) || $("#with-risk").dataset.defaultSamples;
    return `samples=${encodeURIComponent(n)}`;
  }
  function comparePath(doc) { const q = samplesQuery(doc); return q ? `/compare?${q}` : "/compare"; }

  function showErrors(list) {
    const ul = $("#errors");
    ul.replaceChildren();
    ul.hidden = list.length === 0;
    for (const e of list) {
      ul.append(el("li", {}, `${e.field}: ${e.msg}`));
      const top = String(e.field || "").split(/[.[]/)[0];
      const exact = document.querySelector(`[data-path="${CSS.escape(String(e.field || ""))}"]`);
      const target = exact || document.querySelector(`[data-path="${CSS.escape(top)}"]`);
      if (target) target.classList.add("invalid");
    }
    if (list.length) $("#status").textContent = "fix the input to see results";
    $("#results").classList.toggle("stale", list.length > 0);  // the figures shown are of an earlier input
  }

  function showSingle(single) {
    $("#results-table").closest(".scroll-x").hidden = !single;
    $("#chart").hidden = !single;
    $("#break-even").hidden = !single;
    $("#portfolio").hidden = single;
  }

  function render(res) {
    if (Array.isArray(res.plans)) { renderPortfolio(res); return; }
    showSingle(true);
    useCurrency(res);
    relabelMoney();
    const labels = Object.fromEntries(res.options.map((o) => [o.id, o.label]));
    const cheapest = res.cheapest ? labels[res.cheapest] : null;
    $("#cheapest").textContent = cheapest
      ? `Cheapest over ${res.horizon_months} months (cash view): ${cheapest}`
      : "No option can serve this workload.";
    const strategy = $("#strategy");
    strategy.hidden = !res.strategy;
    strategy.textContent = res.strategy ? `Strategy over time: ${res.strategy.plain_words}` : "";
    const rec = $("#recommendation");
    rec.replaceChildren();
    rec.hidden = !("recommendation" in res) || res.recommendation === null;
    if (!rec.hidden) rec.append(...recommendationNodes(res.recommendation, labels));

    const withRisk = res.options.some((o) => o.risk && o.risk.tco_usd);
    const heads = ["option", "kind", "units", "upfront", "TCO", "NPV", `${moneyPrefix.trim()}/Mtok`, "capacity from"];
    if (withRisk) heads.splice(5, 0, "TCO p10 to p90", "P(cheapest)");
    $("#results-table thead").replaceChildren(el("tr", {}, ...heads.map((h) => el("th", {}, h))));
    const tbody = $("#results-table tbody");
    tbody.replaceChildren();
    const rows = [...res.options].sort((a, b) => (a.feasible === b.feasible ? a.tco_usd - b.tco_usd : a.feasible ? -1 : 1));
    for (const o of rows) {
      const tr = el("tr", { "data-option": o.id, class: o.id === res.cheapest ? "cheapest" : "" });
      if (!o.feasible) {
        tr.append(el("td", {}, o.label), el("td", {}, o.kind),
                  el("td", { colspan: String(heads.length - 2), class: "infeasible" },
                     `infeasible: ${o.infeasible_reason || ""}`));
      } else {
        const peak = o.units.length ? Math.max(...o.units) : 0;
        const kind = peak === 1 ? String(o.unit_kind || "").replace(/s$/, "") : o.unit_kind;  // "1 server"
        const units = o.unit_kind && o.units.length ? `${peak} ${kind}` : "-";
        const src = o.kind === "api" ? "per token" : ((o.capacity || {}).source || "-");
        tr.append(el("td", {}, o.label + (o.id === res.cheapest ? " *" : "")), el("td", {}, o.kind),
                  el("td", { class: "n" }, units), el("td", { class: "n" }, money(o.upfront_usd)),
                  el("td", { class: "n tco" }, money(o.tco_usd)));
        if (withRisk) {
          const t = (o.risk && o.risk.tco_usd) || {};
          const p = o.risk ? o.risk.probability_cheapest : null;
          tr.append(el("td", { class: "n" }, t.p10 !== undefined ? `${money(t.p10)} to ${money(t.p90)}` : "-"),
                    el("td", { class: "n" }, typeof p === "number" ? `${Math.round(p * 100)} %` : "-"));
        }
        tr.append(el("td", { class: "n" }, money(o.npv_usd)), el("td", { class: "n" }, money(o.usd_per_mtok)),
                  el("td", {}, src));
      }
      tbody.append(tr);
    }
    const be = (res.break_even || []).filter((b) => b.view === "cash" && b.month !== null);
    const beDiv = $("#break-even");
    beDiv.replaceChildren();
    if (be.length) {
      beDiv.append(el("h3", {}, "Break-even (cash view)"));
      const ul = el("ul");
      for (const b of be) ul.append(el("li", {}, `${labels[b.a]} vs ${labels[b.b]}: month ${b.month.toFixed(1)}, ` +
                                         `cheaper after: ${labels[b.cheaper_after] || "-"}`));
      beDiv.append(ul);
    }
    drawChart(res);
  }

  // --- portfolio ------------------------------------------------------------------------------------
  //
  // A portfolio's result (compare of a document with workloads): each workload's options, the plans that serve
  // every workload (mix, shared:<option>) and each plan's showback; ranges when Monte Carlo ran.

  function cells(row, numeric) {
    return row.map((v, i) => el("td", numeric.includes(i) ? { class: "n" } : {}, v));
  }
  function portfolioTable(attrs, caption, heads, numeric, rows) {
    const t = el("table", { class: "portfolio-table", ...attrs });
    t.append(el("caption", {}, caption), el("thead", {}, el("tr", {}, ...heads.map((h) => el("th", {}, h)))));
    const tb = el("tbody");
    for (const r of rows) tb.append(el("tr", r.attrs, ...cells(r.cells, numeric)));
    t.append(tb);
    return el("div", { class: "scroll-x" }, t);
  }
  function rangeText(r) { return r ? `${money(r.p10)} to ${money(r.p90)}` : "-"; }
  function chanceText(p) { return typeof p === "number" ? `${Math.round(p * 100)} %` : "-"; }

  function workloadTable(w, ranged) {
    const heads = ["option", "kind", "TCO", ...(ranged ? ["TCO p10 to p90", "P(cheapest)"] : []), "note"];
    const rows = w.options.map((o) => ({
      attrs: { "data-option": o.option, class: o.option === w.cheapest ? "cheapest" : "" },
      cells: [o.option + (o.option === w.cheapest ? " *" : ""), o.kind, money(o.tco_usd),
              ...(ranged ? [rangeText(o.tco_range_usd), chanceText(o.probability_cheapest)] : []),
              o.feasible ? "" : `out: ${o.infeasible_reason || ""}`],
    }));
    return portfolioTable({ "data-workload": w.id }, `${w.id} (${w.model}), on its own`, heads,
                          ranged ? [2, 3, 4] : [2], rows);
  }

  function plansTable(res, ranged) {
    const heads = ["plan", "total", ...(ranged ? ["total p10 to p90", "P(cheapest)"] : []), "separate fleets",
                   "status"];
    const rows = res.plans.map((p) => ({
      attrs: { "data-plan": p.id, class: p.id === res.cheapest_plan ? "cheapest" : "" },
      cells: [p.id + (p.id === res.cheapest_plan ? " *" : ""), money(p.tco_usd),
              ...(ranged ? [rangeText(p.tco_range_usd), chanceText(p.probability_cheapest)] : []),
              p.separate_tco_usd === null || p.separate_tco_usd === undefined ? "-" : money(p.separate_tco_usd),
              p.infeasible_reason ? `no answer: ${p.infeasible_reason}` : (p.members.length ? `shared by ${p.members.join(", ")}` : "")],
    }));
    return portfolioTable({ id: "portfolio-plans" }, "Plans for every workload (cash view)", heads,
                          ranged ? [1, 2, 3, 4] : [1, 2], rows);
  }

  function showbackTable(res) {
    const rows = [];
    for (const p of res.plans) {
      for (const s of p.showback) {
        const perMtok = s.tokens > 0 ? money(s.usd / s.tokens * 1e6) : "-";
        rows.push({ attrs: { "data-plan": p.id, "data-workload": s.workload },
                    cells: [p.id, s.workload, s.option, money(s.usd), perMtok, s.basis] });
      }
    }
    return portfolioTable({ id: "portfolio-showback" }, "Showback: what each workload is charged in each plan",
                          ["plan", "workload", "served by", "showback", `${moneyPrefix.trim()}/Mtok`, "basis"], [3, 4], rows);
  }

  function renderPortfolio(res) {
    useCurrency({ convention: { currency: res.currency } });
    relabelMoney();
    showSingle(false);
    $("#strategy").hidden = true;
    $("#recommendation").hidden = true;
    $("#cheapest").textContent = res.cheapest_plan
      ? `Portfolio "${res.name}": cheapest plan over ${res.horizon_months} months (cash view): ${res.cheapest_plan}`
      : `Portfolio "${res.name}": no plan serves every workload.`;
    const ranged = Boolean(res.uncertainty);
    const notes = el("ul", { class: "notes" }, ...res.notes.map((n) => el("li", {}, n)),
                     ...res.plans.flatMap((p) => p.notes.map((n) => el("li", {}, `${p.id}: ${n}`))));
    $("#portfolio").replaceChildren(
      plansTable(res, ranged), showbackTable(res),
      el("h3", {}, "Each workload on its own"), ...res.workloads.map((w) => workloadTable(w, ranged)),
      ...(ranged ? [el("p", {}, `Monte Carlo: ${res.uncertainty.samples.toLocaleString("en-US")} samples, seed ${res.uncertainty.seed}.`)] : []),
      notes);
  }

  function recommendationNodes(r, labels) {
    if (typeof r === "string") return [el("strong", {}, "Recommendation: "), labels[r] || r];
    const nodes = [el("h3", {}, "Recommendation")];
    const choice = r.option || r.option_id || r.id || r.choice;
    if (r.kind === "strategy") nodes.push(el("p", {}, el("strong", {}, `Strategy over time: ${r.label || r.id}`)));
    else if (choice) nodes.push(el("p", {}, el("strong", {}, labels[choice] || String(choice))));
    for (const key of ["summary", "headline", "text"]) if (typeof r[key] === "string") nodes.push(el("p", {}, r[key]));
    for (const key of ["reasons", "risks", "would_change"]) {
      if (Array.isArray(r[key]) && r[key].length) {
        nodes.push(el("p", {}, key.replace("_", " ")));
        const ul = el("ul");
        for (const x of r[key]) ul.append(el("li", {}, typeof x === "string" ? x : JSON.stringify(x)));
        nodes.push(ul);
      }
    }
    if (nodes.length === 1) nodes.push(el("pre", {}, JSON.stringify(r, null, 2)));
    return nodes;
  }

  function drawChart(res) {
    const div = $("#chart");
    if (!window.Plotly) { div.textContent = ""; return; }
    const traces = res.options.filter((o) => o.feasible).map((o) => ({
      x: o.cumulative_usd.map((_, i) => i + 1), y: o.cumulative_usd, name: o.label, mode: "lines", type: "scatter",
    }));
    window.Plotly.react(div, traces, {
      title: { text: "Cumulative cost (cash view)" }, margin: { t: 40, r: 10, b: 40, l: 70 },
      xaxis: { title: { text: "month" } }, yaxis: { title: { text: moneyCode }, tickprefix: moneyPrefix },
      legend: { orientation: "h" }, height: 360,
    }, { displaylogo: false, responsive: true });
  }

  // --- saved scenarios ------------------------------------------------------------------------------

  async function refreshSaved() {
    const r = await api("GET", "/scenarios");
    if (!r.ok) { flash(errorText(r.data)); return; }
    state.saved = r.data.scenarios;
    const ul = $("#saved-list");
    ul.replaceChildren();
    for (const s of state.saved) {
      ul.append(el("li", { "data-id": s.id },
        el("span", { class: "name" }, s.name), ` (v${s.version}, ${s.updated_at.slice(0, 19).replace("T", " ")} UTC) `,
        el("button", { type: "button", onclick: () => load(s.id) }, "Load"),
        el("button", { type: "button", onclick: () => remove(s.id, s.version) }, "Delete")));
    }
    for (const id of ["#cmp-a", "#cmp-b"]) {
      const sel = $(id);
      const keep = sel.value;
      sel.replaceChildren(...state.saved.map((s) => el("option", { value: s.id }, s.name)));
      if (state.saved.some((s) => s.id === keep)) sel.value = keep;
    }
    if (state.saved.length > 1 && $("#cmp-a").value === $("#cmp-b").value) $("#cmp-b").value = state.saved[1].id;
  }

  function setSaved(rec) {
    state.savedId = rec ? rec.id : null;
    state.savedVersion = rec ? rec.version : null;
    const url = new URL(window.location.href);
    if (rec) url.searchParams.set("id", rec.id); else url.searchParams.delete("id");
    window.history.replaceState(null, "", url);
    flash(rec ? `saved as "${rec.name}" (version ${rec.version})` : "");
  }

  async function save(asNew) {
    const { doc, problems } = readForm();
    if (problems.length) { showErrors(problems); flash(`not saved: fix the input first (${problemText(problems)})`); return; }
    const r = state.savedId && !asNew
      ? await api("PUT", `/scenarios/${encodeURIComponent(state.savedId)}`, { document: doc, version: state.savedVersion })
      : await api("POST", "/scenarios", { document: doc });
    if (r.status === 409) { flash("someone saved this scenario meanwhile: load it again, or use Save as new"); return; }
    if (!r.ok) { flash(`not saved: ${errorText(r.data)}`); return; }
    state.base = r.data.document;
    markShown(); // the form now shows the saved document
    setSaved(r.data);
    await refreshSaved();
  }

  async function load(id) {
    const r = await api("GET", `/scenarios/${encodeURIComponent(id)}`);
    if (!r.ok) { flash(errorText(r.data)); return false; }
    fillForm(r.data.document);
    setSaved(r.data);
    flash(`loaded "${r.data.name}" (version ${r.data.version})`);
    await recompute();
    return true;
  }

  async function remove(id, version) {
    const r = await api("DELETE", `/scenarios/${encodeURIComponent(id)}?version=${version}`);
    if (r.status === 409) {
      // not deleted: the editor stays attached, so Save still answers with the conflict instead of a copy
      flash("not deleted: someone saved this scenario meanwhile; reload it (Load) and check it before deleting");
      await refreshSaved();
      return;
    }
    if (!r.ok) { flash(`not deleted: ${errorText(r.data)}`); await refreshSaved(); return; }
    if (state.savedId === id) setSaved(null);
    await refreshSaved();
  }

  // a portfolio's result read as a scenario's for the side-by-side table: its plans are its options
  function asOptions(res) {
    if (!Array.isArray(res.plans)) return res;
    return { horizon_months: res.horizon_months, cheapest: res.cheapest_plan, convention: { currency: res.currency },
             options: res.plans.map((p) => ({ id: p.id, label: `plan ${p.id}`, feasible: !p.infeasible_reason,
                                               tco_usd: p.tco_usd })) };
  }

  async function sideBySide() {
    const ids = [$("#cmp-a").value, $("#cmp-b").value].filter(Boolean);
    const out = $("#side-by-side");
    out.replaceChildren();
    if (ids.length < 2) { out.textContent = "save two scenarios to compare them"; return; }
    const cols = [];
    for (const id of ids) {
      const s = await api("GET", `/scenarios/${encodeURIComponent(id)}`);
      if (!s.ok) { out.textContent = errorText(s.data); return; }
      const c = await api("POST", comparePath(s.data.document), s.data.document);
      cols.push({ name: s.data.name, res: c.ok ? asOptions(c.data) : null, err: c.ok ? null : errorText(c.data) });
    }
    const optionIds = [];
    for (const c of cols) for (const o of (c.res ? c.res.options : [])) if (!optionIds.includes(o.id)) optionIds.push(o.id);
    const table = el("table", { id: "side-by-side-table" });
    table.append(el("thead", {}, el("tr", {}, el("th", {}, ""), ...cols.map((c) => el("th", {}, c.name)))));
    const tb = el("tbody");
    const row = (label, f) => tb.append(el("tr", {}, el("th", {}, label), ...cols.map((c) => el("td", { class: "n" }, c.res ? f(c.res) : c.err))));
    const label = (res, id) => { const o = res.options.find((x) => x.id === id); return o ? o.label : "-"; };
    row("cheapest", (r) => (r.cheapest ? label(r, r.cheapest) : "none"));
    if (cols.some((c) => c.res && "recommendation" in c.res)) {
      row("recommendation", (r) => { const x = r.recommendation; return x && typeof x === "object" ? (x.kind === "strategy" ? `strategy: ${x.id}` : (x.option || x.option_id || x.id || JSON.stringify(x))) : String(x); });
    }
    row("horizon", (r) => `${r.horizon_months} months`);
    for (const id of optionIds) {
      row(`TCO: ${id}`, (r) => { useCurrency(r); const o = r.options.find((x) => x.id === id); return !o ? "-" : o.feasible ? money(o.tco_usd) : "infeasible"; });
    }
    table.append(tb);
    out.append(table);
  }

  function changeText(v) {
    if (v === null || v === undefined) return "(not set)";
    return typeof v === "object" ? JSON.stringify(v) : String(v);
  }
  function signedMoney(x) { return x === null ? "-" : (x > 0 ? "+" : x < 0 ? "-" : "") + money(Math.abs(x)); }

  async function showDiff() {
    const [a, b] = [$("#cmp-a").value, $("#cmp-b").value];
    const out = $("#diff");
    out.replaceChildren();
    if (!a || !b) { out.textContent = "save two scenarios to see their differences"; return; }
    const r = await api("GET", `/scenario-diff?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`);
    if (!r.ok) { out.textContent = errorText(r.data); return; }
    const d = r.data;
    out.append(el("h3", {}, `Inputs that differ, defaults applied (${d.inputs.length})`));
    const inputs = el("table", { id: "diff-inputs" });
    inputs.append(el("thead", {}, el("tr", {}, el("th", {}, "input"), el("th", {}, d.a), el("th", {}, d.b))));
    const tb = el("tbody");
    for (const c of d.inputs) tb.append(el("tr", {}, el("td", {}, c.path), el("td", {}, changeText(c.a)), el("td", {}, changeText(c.b))));
    if (!d.inputs.length) tb.append(el("tr", {}, el("td", { colspan: "3" }, "the two scenarios have the same inputs")));
    inputs.append(tb);
    out.append(inputs);
    if (d.error) { out.append(el("p", {}, `Results not compared: ${d.error}`)); return; }
    out.append(el("h3", {}, `Change in results (${d.b} minus ${d.a}, cash view, no Monte Carlo)`));
    for (const note of d.notes) out.append(el("p", { class: "errors" }, note));  // different horizons or currencies
    const pick = (p) => `${p.a || "none"} -> ${p.b || "none"}${p.changed ? "" : " (unchanged)"}`;
    out.append(el("p", {}, `cheapest: ${pick(d.cheapest)}; recommended: ${pick(d.recommendation)}`));
    const sameCurrency = !d.currency_a || !d.currency_b || d.currency_a === d.currency_b;
    if (sameCurrency && d.currency_b) useCurrency({ convention: { currency: d.currency_b } });  // the diff's money
    const deltas = { upfront_delta_usd: "upfront", tco_delta_usd: "TCO", npv_delta_usd: "NPV", usd_per_mtok_delta: "per Mtok" };
    const t = el("table", { id: "diff-results" });
    t.append(el("thead", {}, el("tr", {}, el("th", {}, "option"), ...Object.values(deltas).map((n) => el("th", {}, `${n} change`)))));
    const body = el("tbody");
    for (const o of d.options) {
      const why = o.a === null ? "only in " + d.b : o.b === null ? "only in " + d.a
        : !sameCurrency ? "n/a (currencies differ)" : "infeasible";
      const cells = Object.keys(deltas).map((k) => el("td", { class: "n" }, o[k] !== null ? signedMoney(o[k]) : why));
      body.append(el("tr", { "data-option": o.id }, el("td", {}, (o.b || o.a).label), ...cells));
    }
    t.append(body);
    out.append(t);
  }

  // --- bundled examples -----------------------------------------------------------------------------

  async function fillExamples() {
    const r = await api("GET", "/examples");
    if (!r.ok) return;
    const sel = $("#example");
    for (const e of r.data) sel.append(el("option", { value: e.id, title: e.description }, e.name));
  }

  async function startFromExample() {
    const sel = $("#example");
    if (!sel.value) return;
    const r = await api("GET", `/examples/${encodeURIComponent(sel.value)}`);
    if (!r.ok) { flash(errorText(r.data)); return; }
    fillForm(r.data);
    setSaved(null);  // a new scenario: Save stores a copy, the example stays as bundled
    flash(`started from the example "${r.data.name}": Save to keep your changes`);
    sel.value = "";
    await recompute();
  }

  // --- downloads ------------------------------------------------------------------------------------

  async function download(path, fallbackName) {
    const { doc, problems } = readForm();
    if (problems.length) { showErrors(problems); flash(`fix the input before downloading (${problemText(problems)})`); return; }
    const resp = await fetch(API + path, { method: "POST", headers: { "Content-Type": "application/json" },
                                           body: JSON.stringify(doc), credentials: "same-origin" });
    if (!resp.ok) {
      let data = null;
      try { data = await resp.json(); } catch (e) { data = null; }
      flash(`download failed: ${errorText(data)}`);
      return;
    }
    const disp = resp.headers.get("content-disposition") || "";
    const m = /filename="([^"]+)"/.exec(disp);
    const a = el("a", { href: URL.createObjectURL(await resp.blob()), download: m ? m[1] : fallbackName });
    document.body.append(a);
    a.click();
    a.remove();
  }

  // --- wiring ---------------------------------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", async () => {
    const form = $("#scenario-form");
    form.addEventListener("submit", (ev) => ev.preventDefault());
    form.addEventListener("input", (ev) => {
      if (ev.target.classList.contains("slider")) syncSliders(ev.target); else syncSliders();
      schedule();
    });
    form.addEventListener("change", schedule);
    $("#with-risk").addEventListener("change", schedule);
    $("#save").addEventListener("click", () => save(false));
    $("#save-new").addEventListener("click", () => save(true));
    $("#cmp-go").addEventListener("click", sideBySide);
    $("#diff-go").addEventListener("click", showDiff);
    $("#example").addEventListener("change", startFromExample);
    $("#download-yaml").addEventListener("click", () => download("/scenario-file?format=yaml", "scenario.yaml"));
    // Report: with the box ticked, Monte Carlo as `llmplace report` runs it (the server's default); else none.
    $("#download-report").addEventListener("click", () => {
      const q = samplesQuery(readForm().doc);
      download(`/report?format=html&download=true${q ? "&" + q : ""}`, "report.html");
    });
    const initial = JSON.parse($("#llmplace-initial").textContent);
    const id = new URL(window.location.href).searchParams.get("id");
    await Promise.all([refreshSaved(), fillExamples()]);
    if (!(id && (await load(id)))) {
      fillForm(initial);
      await recompute();
    }
    document.body.dataset.ready = "true";
  });
})();
