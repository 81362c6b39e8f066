// The dashboard's core: helpers, the inventory tree, alarms, the event log and the live stream (/api/stream).
// The other scripts (mob.js, kms.js, actions.js, player.js) add their panels to the H namespace.
"use strict";
const H = (function () {
  const $ = id => document.getElementById(id);
  const H = { $, inventory: null, vcenters: [], refreshers: [], streamHandlers: {}, generation: null };

  H.el = function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") e.className = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  };
  const el = H.el;
  H.fmtTime = t => { if (!t) return ""; const d = new Date(t); return isNaN(d) ? t : d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z"); };

  H.getJson = async function (path) {
    const r = await fetch(path, { headers: { Accept: "application/json" }, cache: "no-store" });
    const body = await r.json().catch(() => null);
    if (!r.ok) throw new Error((body && (body.detail || body.title)) || (path + " answered " + r.status));
    return body;
  };

  /** POSTs (JSON body optional); answers { ok, status, body } — a problem+json body when it failed. */
  H.post = async function (path, body) {
    let r;
    try {
      r = await fetch(path, {
        method: "POST", cache: "no-store",
        headers: body === undefined ? { Accept: "application/json" } : { Accept: "application/json", "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      return { ok: false, status: 0, body: { title: "the simulator did not answer", detail: String(err) } };
    }
    const text = await r.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = { title: "not JSON", detail: text }; }
    return { ok: r.ok, status: r.status, body: json };
  };

  H.lockIcon = function () {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "lock"); svg.setAttribute("viewBox", "0 0 10 11"); svg.setAttribute("aria-label", "locked");
    svg.setAttribute("data-role", "lock-icon");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M2 5V3.5a3 3 0 0 1 6 0V5h1v6H1V5h1zm1.5 0h3V3.5a1.5 1.5 0 0 0-3 0V5z");
    svg.append(path);
    return svg;
  };

  // ---- tabs ------------------------------------------------------------------------------------------------
  H.showTab = function (name) {
    for (const b of document.querySelectorAll(".tabs [data-tab]")) b.setAttribute("aria-selected", String(b.dataset.tab === name));
    for (const p of document.querySelectorAll("[data-tab-panel]")) p.hidden = p.dataset.tabPanel !== name;
    H.currentTab = name;
    for (const r of H.refreshers) r.onTab && r.onTab(name);
  };

  // ---- inventory -------------------------------------------------------------------------------------------
  function alarmTags(list) { return (list || []).map(a => el("span", { class: "tag alarm", title: "active alarm", "data-role": "alarm" }, "⚠ " + a)); }

  function renderInventory(inv) {
    $("vcenter").textContent = inv.vcenter || "none";
    $("sim-time").textContent = H.fmtTime(inv.time);
    const dc = inv.datacenter;
    const clusters = el("ul", { class: "tree" });
    for (const c of dc.clusters) {
      const hosts = el("ul", { class: "tree" });
      for (const h of c.hosts) {
        const vms = el("ul", { class: "tree" });
        for (const v of h.vms) {
          const locked = v.cryptoState === "locked";
          vms.append(el("li", { class: "vm", "data-vm": v.name, "data-crypto-state": v.cryptoState, "data-power-state": v.powerState, "data-encrypted": String(v.encrypted) },
            el("div", { class: "node" },
              el("span", { class: "kind" }, "vm"),
              el("span", { class: "name link", title: "browse its properties", onclick: () => H.openObject("VirtualMachine", v.name) }, v.name),
              el("span", { class: "tag power " + v.powerState, "data-role": "power" }, v.powerState),
              v.encrypted ? el("span", { class: "tag crypto " + v.cryptoState, "data-role": "crypto", title: v.keyId ? "key " + v.keyId : null },
                ...(locked ? [H.lockIcon(), "locked"] : ["encrypted"])) : null,
              v.registered === false ? el("span", { class: "tag", "data-role": "unregistered" }, "unregistered") : null,
              ...alarmTags(v.activeAlarms))));
        }
        const vsan = h.diskGroups > 0
          ? el("span", { class: "tag " + (h.diskGroupsMounted ? "host-safe" : "vsan-unmounted"), "data-role": "vsan", title: h.diskGroups + " vSAN disk group(s)" },
              "vSAN " + (h.diskGroupsMounted ? "mounted" : "not mounted"))
          : null;
        hosts.append(el("li", { class: "host", "data-host": h.name, "data-crypto-state": h.cryptoState },
          el("div", { class: "node" },
            el("span", { class: "kind" }, "host"),
            el("span", { class: "name link", title: "browse its properties", onclick: () => H.openObject("HostSystem", h.name) }, h.name),
            el("span", { class: "tag host-" + h.cryptoState, "data-role": "crypto", title: "host crypto state" }, "crypto: " + h.cryptoState),
            el("span", { class: "tag", title: "keys cached on the host", "data-role": "keys" }, h.cachedKeyCount + " keys"),
            vsan,
            ...alarmTags(h.activeAlarms)),
          vms));
      }
      clusters.append(el("li", { class: "cluster", "data-cluster": c.name },
        el("div", { class: "node" }, el("span", { class: "kind" }, "cl"),
          el("span", { class: "name link", onclick: () => H.openObject("ClusterComputeResource", c.name) }, c.name),
          el("span", { class: "tag" }, c.datastore), c.vsanEncrypted ? el("span", { class: "tag" }, "vSAN encrypted") : null,
          ...alarmTags(c.activeAlarms)),
        hosts));
    }
    const root = el("ul", { class: "tree root" },
      el("li", { class: "datacenter", "data-datacenter": dc.name },
        el("div", { class: "node" }, el("span", { class: "kind" }, "dc"), el("span", { class: "name" }, dc.name)), clusters));
    if (dc.clusters.length === 0) root.append(el("li", { class: "empty" }, "no clusters yet"));
    $("inventory").replaceChildren(root);
  }

  function renderAlarms(alarms) {
    const active = alarms.filter(a => a.active);
    $("alarms").replaceChildren(...active.map(a => el("tr", { class: "alarm", "data-alarm": a.name, "data-object": a.object },
      el("td", null, a.name), el("td", null, a.object), el("td", null, a.reason), el("td", { class: "time" }, H.fmtTime(a.triggeredAt)))));
    $("no-alarms").hidden = active.length > 0;
    $("alarm-count").textContent = active.length ? "(" + active.length + ")" : "";
  }

  // ---- events: one vCenter's log at a time (the current one by default; lost vCenters keep their history) ------
  const seen = new Set();
  let lastKey = 0;           // the newest event key shown, for catch-up after a reconnect
  let eventVcenter = null;   // null: the current vCenter

  function shownVcenter() { return eventVcenter || (H.inventory && H.inventory.vcenter) || null; }

  function addEvent(e, fresh) {
    if (shownVcenter() && e.vcenter !== shownVcenter()) return;
    const id = e.vcenter + ":" + e.key;
    if (seen.has(id)) return;
    seen.add(id);
    if (e.key > lastKey) lastKey = e.key;
    const row = el("tr", { class: "event" + (fresh ? " fresh" : ""), "data-event": id, "data-type-id": e.typeId, "data-object": e.object, "data-vcenter": e.vcenter },
      el("td", { class: "time" }, H.fmtTime(e.time)), el("td", { class: "type" }, e.typeId),
      el("td", { class: "message" }, e.message), el("td", { class: "object" }, e.object));
    applyFilter(row);
    $("events").prepend(row); // newest first
    $("no-events").hidden = true;
  }

  function filterText() { return $("event-filter").value.trim().toLowerCase(); }
  function applyFilter(row) {
    const f = filterText();
    row.classList.toggle("filtered-out", f !== "" && !row.dataset.object.toLowerCase().includes(f));
  }
  H.filterEvents = function (objectName) {
    $("event-filter").value = objectName || "";
    for (const row of $("events").children) applyFilter(row);
  };

  async function loadEvents(reset) {
    if (reset) { seen.clear(); lastKey = 0; $("events").replaceChildren(); }
    const vc = shownVcenter();
    if (!vc) { $("no-events").hidden = false; return; }
    try {
      const since = lastKey;
      const list = await H.getJson("/api/events?vcenter=" + encodeURIComponent(vc) + (since ? "&since=" + since : ""));
      for (const e of list) addEvent(e, false);
      $("no-events").hidden = $("events").children.length > 0;
    } catch (err) { console.warn("events failed", err); }
  }

  function renderVcenters(list) {
    H.vcenters = list;
    const sel = $("event-vcenter");
    const want = eventVcenter || "";
    sel.replaceChildren(el("option", { value: "" }, "current"),
      ...list.map(v => el("option", { value: v.name }, v.name + (v.lost ? " (lost)" : v.current ? " (current)" : ""))));
    sel.value = list.some(v => v.name === want) ? want : "";
    const names = $("vcenter-names");
    if (names) names.replaceChildren(...list.map(v => el("option", { value: v.name })));
  }

  // ---- refresh everything that is read from the API -------------------------------------------------------
  let refreshTimer = null, refreshing = false, again = false;
  H.refresh = async function () {
    if (refreshing) { again = true; return; }
    refreshing = true;
    try {
      const [inv, alarms, vcs] = await Promise.all([H.getJson("/api/inventory"), H.getJson("/api/alarms"), H.getJson("/api/vcenters")]);
      const vcChanged = !H.inventory || H.inventory.vcenter !== inv.vcenter;
      H.inventory = inv;
      renderInventory(inv);
      renderAlarms(alarms);
      renderVcenters(vcs);
      if (vcChanged && !eventVcenter) await loadEvents(true);
      for (const r of H.refreshers) { try { await (r.refresh && r.refresh()); } catch (err) { console.warn("refresh failed", err); } }
    } catch (err) { console.warn("refresh failed", err); }
    finally {
      refreshing = false;
      if (again) { again = false; H.refresh(); }
    }
  };
  H.refreshSoon = function () { clearTimeout(refreshTimer); refreshTimer = setTimeout(H.refresh, 80); };

  // ---- the live stream ---------------------------------------------------------------------------------------
  function connect() {
    const conn = $("connection");
    const es = new EventSource("/api/stream");
    es.addEventListener("ready", m => {
      const ready = JSON.parse(m.data);
      conn.dataset.state = "live"; conn.textContent = "live";
      // A reconnect: catch up on the events missed meanwhile (or start again if the site changed).
      const siteChanged = H.generation !== null && H.generation !== ready.generation;
      H.generation = ready.generation;
      loadEvents(siteChanged);
      H.refreshSoon();
    });
    es.addEventListener("event", m => { addEvent(JSON.parse(m.data), true); H.refreshSoon(); });
    es.addEventListener("alarm", () => H.refreshSoon());
    es.addEventListener("vcenter", () => H.refreshSoon());
    es.addEventListener("action", () => H.refreshSoon());
    es.addEventListener("site", m => {
      const site = JSON.parse(m.data);
      H.generation = site.generation;
      const label = $("site-label");
      label.dataset.home = String(site.home);
      label.textContent = site.home ? "home site" : "runbook site";
      H.inventory = null;
      eventVcenter = null;
      loadEvents(true);
      H.refreshSoon();
    });
    for (const [type, handler] of Object.entries(H.streamHandlers)) es.addEventListener(type, m => handler(JSON.parse(m.data)));
    es.onerror = () => { conn.dataset.state = "down"; conn.textContent = "reconnecting…"; };
  }

  H.setPresenter = function (on) {
    document.body.classList.toggle("presenter", on);
    $("presenter-toggle").setAttribute("aria-pressed", String(on));
    $("presenter-toggle").textContent = on ? "Normal mode" : "Presenter mode";
  };

  H.start = function () {
    for (const b of document.querySelectorAll(".tabs [data-tab]")) b.addEventListener("click", () => H.showTab(b.dataset.tab));
    $("presenter-toggle").addEventListener("click", () => H.setPresenter(!document.body.classList.contains("presenter")));
    const params = new URLSearchParams(location.search);
    if (params.get("presenter") === "1") H.setPresenter(true);
    $("event-filter").addEventListener("input", () => H.filterEvents($("event-filter").value));
    $("event-filter-clear").addEventListener("click", () => H.filterEvents(""));
    $("event-vcenter").addEventListener("change", () => { eventVcenter = $("event-vcenter").value || null; loadEvents(true); });
    for (const r of H.refreshers) r.init && r.init();
    H.showTab(params.get("tab") || "player");
    H.refresh();
    connect();
  };
  return H;
})();
