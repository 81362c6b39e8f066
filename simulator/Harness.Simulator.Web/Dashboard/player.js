// The runbook player: pick a repository feature (a recovery runbook) and a scenario; Play builds its starting state
// (its set-up steps run at once); Next runs one step on the live site; Reset rebuilds the starting state; Stop goes
// back to the home site. The state each step leaves is on the rest of the page (inventory, alarms, events).
"use strict";
(function () {
  const { $, el } = H;
  let runbooks = [];
  let busy = false;

  function fillScenarios(preferred) {
    const rb = runbooks.find(r => r.uri === $("runbook-feature").value);
    const sel = $("runbook-scenario");
    sel.replaceChildren(...(rb ? rb.scenarios : []).map(s => el("option", { value: String(s.line) }, s.line + ": " + s.name)));
    if (preferred && [...sel.options].some(o => o.value === String(preferred))) sel.value = String(preferred);
  }

  async function loadRunbooks() {
    try {
      const list = await H.getJson("/api/runbooks");
      runbooks = list.runbooks;
      const sel = $("runbook-feature");
      sel.replaceChildren(...runbooks.map(r => el("option", { value: r.uri, title: r.name }, r.uri)));
      if (runbooks.length === 0) showError((list.errors || []).join("\n") || "no runbooks found");
      const params = new URLSearchParams(location.search);
      if (params.get("runbook") && runbooks.some(r => r.uri === params.get("runbook"))) sel.value = params.get("runbook");
      fillScenarios(params.get("scenario"));
    } catch (err) { showError(err.message); }
  }

  function showError(text) {
    const e = $("player-error");
    e.textContent = text || "";
    e.hidden = !text;
  }

  function render(p) {
    const player = $("player");
    player.dataset.active = String(p.active);
    document.body.classList.toggle("playing", p.active);
    $("site-label").dataset.home = String(!p.active);
    $("site-label").textContent = p.active ? "runbook site" : "home site";
    const verdict = $("player-verdict");
    verdict.dataset.verdict = p.verdict;
    verdict.textContent = p.active ? (p.verdict === "playing" ? "playing" : p.verdict === "passed" ? "✔ runbook complete" : "✘ a step failed") : "";
    $("player-title").textContent = p.active ? p.scenario.name + "  (" + p.scenario.location + ")" : "Pick a runbook and a scenario, then Play.";
    $("player-next").disabled = busy || !p.active || p.next === null;
    $("player-reset").disabled = busy || !p.active;
    $("player-stop").disabled = busy || !p.active;
    const ran = p.steps.filter(s => s.status);
    const last = ran.length ? ran[ran.length - 1] : null;
    $("player-steps").replaceChildren(...p.steps.map(s => el("li", {
        "data-index": s.index, "data-status": s.status || "pending-run", "data-line": s.line,
        class: [s.setup ? "setup" : "", p.next === s.index ? "current" : "", last && last.index === s.index && !s.setup ? "last" : ""].join(" ").trim(),
        title: s.setup ? "set-up step (runs on Play and Reset)" : null,
      },
      el("span", { class: "mark" }), el("span", { class: "kw" }, s.keyword), " ", s.text)));
    const current = $("player-steps").querySelector("li.current");
    if (current) current.scrollIntoView({ block: "nearest" });
    renderLast(last, p);
  }

  function renderLast(s, p) {
    const box = $("player-last");
    if (!p.active || !s) { box.hidden = true; box.replaceChildren(); return; }
    box.hidden = false;
    box.dataset.index = s.index;
    box.dataset.status = s.status;
    box.replaceChildren(...[
      el("h3", null, s.setup && p.next !== null && p.steps[p.next] && !p.steps[p.next].setup ? "Starting state ready (set-up steps ran)" : "Last step"),
      el("div", { class: "step" }, s.keyword + " " + s.text),
      el("div", { class: "result", "data-status": s.status }, s.status === "passed" ? "✔ passed" : s.status + (s.error ? ": " + s.error : "")),
      s.refused ? el("div", { class: "refused" }, "vSphere refused the action: " + s.refused) : null,
      s.events.length ? el("div", null, "Events:", el("ul", { class: "events" }, ...s.events.map(e =>
        el("li", { "data-type-id": e.typeId, "data-object": e.object }, e.object + ": " + e.message)))) : null,
      s.alarms.length ? el("div", null, "Alarms:", el("ul", { class: "alarms" }, ...s.alarms.map(a =>
        el("li", { "data-object": a.object, "data-active": String(a.active) }, a.name + " on " + a.object + (a.active ? " triggered" : " cleared"))))) : null,
      p.next === null ? el("div", { class: "done" }, p.verdict === "passed" ? "The runbook is complete." : "The runbook stopped at a failed step.") : null,
    ].filter(Boolean));
  }

  async function call(path, body) {
    if (busy) return;
    busy = true;
    showError("");
    for (const id of ["player-next", "player-reset", "player-stop", "player-start"]) $(id).disabled = true;
    try {
      const r = await H.post(path, body);
      if (r.ok) render(r.body);
      else showError(((r.body && (r.body.title + ": " + r.body.detail)) || ("HTTP " + r.status)));
    } finally {
      busy = false;
      $("player-start").disabled = false;
      try { render(await H.getJson("/api/player")); } catch (err) { console.warn(err); }
    }
  }

  H.streamHandlers.player = p => { if (!busy) render(p); };

  H.refreshers.push({
    init: () => {
      $("runbook-feature").addEventListener("change", () => fillScenarios());
      $("player-start").addEventListener("click", () => {
        const feature = $("runbook-feature").value, scenario = $("runbook-scenario").value;
        if (!feature || !scenario) { showError("pick a runbook and a scenario first"); return; }
        call("/api/player/start", { feature, scenario: Number(scenario) });
      });
      $("player-next").addEventListener("click", () => call("/api/player/next"));
      $("player-reset").addEventListener("click", () => call("/api/player/reset"));
      $("player-stop").addEventListener("click", () => call("/api/player/stop"));
      loadRunbooks();
      H.getJson("/api/player").then(render).catch(err => showError(err.message));
    },
  });
})();
