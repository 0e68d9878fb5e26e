// llmplace page: the option builder. The scenario's options are edited with catalog pickers (server
// builds, instances with region and plan, API providers) filtered by the scenario's model through
// GET api/v1/catalog/pickers; the JSON text of the options field stays the one source of truth (the
// advanced view), so the rest of the page reads, saves and compares it unchanged.
"use strict";

(function () {
  const API = "api/v1";
  const $ = (sel) => document.querySelector(sel);
  const state = { choices: null, key: "", timer: null };
  const PLAN_WORDS = { on_demand: "on demand", spot: "spot", reserved_1y: "reserved 1 year", reserved_3y: "reserved 3 years" };

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  }
  function money(x) { return "$" + Math.round(x).toLocaleString("en-US"); }
  // a replica larger than one unit is served by whole groups of units
  function perReplica(u) {
    return u.gpus_per_replica > u.gpu_count ? `, ${Math.ceil(u.gpus_per_replica / u.gpu_count)} per replica` : "";
  }
  function field(path) { return document.querySelector(`[data-path="${path}"]`); }
  function value(path) {
    const f = field(path);
    return f ? (f.value.trim() || f.placeholder || "") : "";
  }
  function textarea() { return field("options"); }

  // --- the options list (read from and written to the JSON text) ------------------------------------

  function readOptions() {
    try {
      const v = JSON.parse(textarea().value || "[]");
      return Array.isArray(v) ? v : null;
    } catch (e) { return null; }
  }
  function writeOptions(list) {
    const t = textarea();
    t.value = JSON.stringify(list, null, 2);
    t.dispatchEvent(new Event("input", { bubbles: true }));  // the page recomputes as for any edit
    renderList();
  }
  function describe(o) {
    if (o.kind === "in_house") {
      const what = o.server || `${o.gpu_count || "?"}x ${o.gpu || "?"} (custom)`;
      return `in-house: ${what}${o.servers ? `, ${o.servers} servers` : ""}${o.hosting ? `, ${o.hosting.replace("_", " ")}` : ""}`;
    }
    if (o.kind === "cloud") return `cloud: ${o.instance || "custom " + (o.gpu || "")}, ${PLAN_WORDS[o.plan || "on_demand"] || o.plan}`;
    if (o.kind === "api") return `API: ${o.provider || "custom prices"}`;
    if (o.kind === "hybrid") return `hybrid: base ${o.base}, overflow ${o.overflow}`;
    return JSON.stringify(o);
  }
  function renderList() {
    const ul = $("#option-list");
    const list = readOptions();
    ul.replaceChildren();
    if (list === null) { ul.append(el("li", { class: "note" }, "the JSON below is not a list of options: fix it there")); return; }
    if (!list.length) ul.append(el("li", { class: "note" }, "no options yet: add one below"));
    list.forEach((o, i) => {
      ul.append(el("li", { "data-option-id": String(o.id || "") },
        el("span", { class: "option-id" }, o.id || `(option ${i + 1})`), " ", el("span", {}, describe(o)), " ",
        el("button", { type: "button", class: "remove", "aria-label": `remove ${o.id || i + 1}`,
                       onclick: () => { const l = readOptions() || []; l.splice(i, 1); writeOptions(l); } }, "Remove")));
    });
    fillHybrid(list || []);
  }

  // --- pickers ----------------------------------------------------------------------------------------

  function options(select, items, keep) {
    const old = keep ? select.value : "";
    select.replaceChildren(...items.map(([v, label]) => el("option", { value: v }, label)));
    if (items.some(([v]) => v === old)) select.value = old;
  }
  function fillPickers() {
    const c = state.choices;
    if (!c) return;
    options($("#pick-server"), c.servers.map((s) =>
      [s.id, `${s.name} (${s.gpu_count}x ${s.gpu}, ${money(s.purchase_usd)}${perReplica(s)})`]), true);
    options($("#pick-instance"), c.instances.map((i) => [i.instance,
      `${i.instance} (${i.gpu_count}x ${i.gpu}${perReplica(i)})`]), true);
    options($("#pick-provider"), c.apis.map((a) =>
      [a.provider, `${a.provider} ($${a.input_usd_per_mtok} in / $${a.output_usd_per_mtok} out per Mtok)`]), true);
    fillRegions();
    const skipped = [];
    if (c.servers_excluded) skipped.push(`${c.servers_excluded} server builds`);
    if (c.instances_excluded) skipped.push(`${c.instances_excluded} instance types`);
    $("#picker-note").textContent = `Offered for ${c.model} in ${c.precision}` +
      (skipped.length ? `; not offered, too small for one replica: ${skipped.join(" and ")}` : "") +
      (c.apis.length ? "" : "; no API provider in the catalog serves this model");
  }
  function instance() {
    const c = state.choices;
    return c ? c.instances.find((i) => i.instance === $("#pick-instance").value) : null;
  }
  function fillRegions() {
    const inst = instance();
    options($("#pick-region"), inst ? inst.regions.map((r) => [r.region, r.region + (r.default ? " (default)" : "")]) : [], true);
    fillPlans();
  }
  function fillPlans() {
    const inst = instance();
    const region = inst ? inst.regions.find((r) => r.region === $("#pick-region").value) : null;
    options($("#pick-plan"), region ? region.plans.map((p) => [p, PLAN_WORDS[p] || p]) : [], true);
  }
  function fillHybrid(list) {
    const base = list.filter((o) => o.id && (o.kind === "in_house" || (o.kind === "cloud" && String(o.plan || "").startsWith("reserved"))));
    const overflow = list.filter((o) => o.id && (o.kind === "api" || (o.kind === "cloud" && ["on_demand", "spot", undefined].includes(o.plan))));
    options($("#pick-base"), base.map((o) => [o.id, o.id]), true);
    options($("#pick-overflow"), overflow.map((o) => [o.id, o.id]), true);
  }

  async function loadChoices() {
    const params = new URLSearchParams({ model: value("model.name"), precision: value("model.precision") || "fp8" });
    const kv = value("model.kv_precision");
    if (kv && !kv.startsWith("(")) params.set("kv_precision", kv);
    const tin = Math.round(Number(value("workload.input_tokens_per_request")));
    const tout = Math.round(Number(value("workload.output_tokens_per_request")));
    if (tin >= 1) params.set("input_tokens", String(tin));
    if (tout >= 1) params.set("output_tokens", String(tout));
    const key = params.toString();
    if (key === state.key || !params.get("model")) return;
    state.key = key;
    const resp = await fetch(`${API}/catalog/pickers?${key}`, { credentials: "same-origin" });
    if (key !== state.key) return;  // a newer model is on its way
    if (!resp.ok) {
      state.choices = null;
      let msg = "the model is not in the catalog";
      try { const d = await resp.json(); msg = d.detail.map((x) => x.msg).join("; "); } catch (e) { /* keep the default */ }
      $("#picker-note").textContent = `No catalog choices: ${msg}`;
      return;
    }
    state.choices = await resp.json();
    fillPickers();
    document.body.dataset.pickers = "ready";
  }
  function scheduleChoices() { clearTimeout(state.timer); state.timer = setTimeout(loadChoices, 250); }

  // --- adding an option -------------------------------------------------------------------------------

  function uniqueId(base, list) {
    const taken = new Set(list.map((o) => o.id));
    const clean = base.replace(/[^A-Za-z0-9._-]+/g, "-");
    let id = clean;
    for (let n = 2; taken.has(id); n++) id = `${clean}-${n}`;
    return id;
  }
  function newOption(kind, list) {
    if (kind === "in_house") {
      const server = $("#pick-server").value;
      if (!server) return null;
      const o = { kind, id: uniqueId(`own-${server}`, list), server, hosting: $("#pick-hosting").value };
      const n = Math.round(Number($("#pick-servers").value));
      if (n >= 1) o.servers = n;
      return o;
    }
    if (kind === "cloud") {
      const inst = instance();
      if (!inst) return null;
      const region = inst.regions.find((r) => r.region === $("#pick-region").value);
      const plan = $("#pick-plan").value || "on_demand";
      const name = region && !region.default ? `${inst.instance}/${region.region}` : inst.instance;
      return { kind, id: uniqueId(`${inst.provider}-${inst.instance_type}-${plan}`, list), instance: name, plan };
    }
    if (kind === "api") {
      const provider = $("#pick-provider").value;
      return provider ? { kind, id: uniqueId(provider, list), provider } : null;
    }
    const base = $("#pick-base").value;
    const overflow = $("#pick-overflow").value;
    return base && overflow ? { kind, id: uniqueId(`${base}+${overflow}`, list), base, overflow } : null;
  }
  function add() {
    const list = readOptions();
    if (list === null) { $("#picker-note").textContent = "fix the options JSON before adding"; return; }
    const o = newOption($("#add-kind").value, list);
    if (!o) { $("#picker-note").textContent = "nothing to add: pick a catalog row first"; return; }
    list.push(o);
    writeOptions(list);
  }
  function showPickFor() {
    const kind = $("#add-kind").value;
    for (const span of document.querySelectorAll(".pick")) span.hidden = span.dataset.for !== kind;
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (!$("#option-builder")) return;
    $("#add-kind").addEventListener("change", showPickFor);
    $("#pick-instance").addEventListener("change", fillRegions);
    $("#pick-region").addEventListener("change", fillPlans);
    $("#add-option").addEventListener("click", add);
    textarea().addEventListener("input", (ev) => { if (ev.isTrusted) renderList(); });
    const form = $("#scenario-form");
    form.addEventListener("input", (ev) => { if (ev.target !== textarea()) scheduleChoices(); });
    form.addEventListener("change", (ev) => { if (ev.target !== textarea()) scheduleChoices(); });
    document.addEventListener("llmplace:filled", () => { renderList(); scheduleChoices(); });
    // builder controls sit inside the form but are not scenario fields: their edits start no recompute
    for (const c of document.querySelectorAll("#option-builder select, #option-builder input")) {
      c.addEventListener("input", (ev) => ev.stopPropagation());
      c.addEventListener("change", (ev) => ev.stopPropagation());
    }
    showPickFor();
  });
})();
