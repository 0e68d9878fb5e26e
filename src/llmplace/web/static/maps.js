// Decision map panel: send the scenario being edited and two axes to api/v1/map, draw the heatmap it returns.
// The figure comes from the server (the report's own chart); this file only asks for it and shows it.
"use strict";

(function () {
  const $ = (sel) => document.querySelector(sel);

  function problems(data) {
    if (!data) return "request failed";
    if (Array.isArray(data.detail)) return data.detail.map((d) => `${d.field}: ${d.msg}`).join("; ");
    return typeof data.detail === "string" ? data.detail : JSON.stringify(data);
  }

  function summary(m) {
    const rec = m.candidates.filter((o) => m.share_recommended[o] > 0)
      .map((o) => `${o} ${Math.round(100 * m.share_recommended[o])} %`).join(", ");
    return `${m.x_values.length} x ${m.y_values.length} cells; recommended: ${rec}. ${m.note}.`;
  }

  async function drawMap() {
    const status = $("#map-status");
    const form = window.llmplaceForm && window.llmplaceForm.read();
    if (!form) { status.textContent = "the page is still loading"; return; }
    if (form.problems.length) { status.textContent = "fix the scenario first"; return; }
    const q = new URLSearchParams({ x: $("#map-x").value.trim(), y: $("#map-y").value.trim(), figure: "true" });
    status.textContent = "computing the map...";
    $("#map-panel").dataset.state = "busy";
    const t0 = performance.now();
    const resp = await fetch(`api/v1/map?${q}`, {
      method: "POST", credentials: "same-origin",
      headers: { Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify(form.doc),
    });
    const data = (resp.headers.get("content-type") || "").includes("json") ? await resp.json() : null;
    if (!resp.ok) {
      status.textContent = problems(data);
      $("#map-panel").dataset.state = "error";
      return;
    }
    status.textContent = `${summary(data)} Computed in ${Math.round(performance.now() - t0)} ms.`;
    const div = $("#map-chart");
    if (window.Plotly) {
      await window.Plotly.react(div, data.figure.data, data.figure.layout, { displaylogo: false, responsive: true });
    } else {
      div.textContent = "charts are off (plotly is not installed)";
    }
    $("#map-panel").dataset.state = "drawn";
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("#map-go").addEventListener("click", drawMap);
  });
})();
