// The KMS panel: what vSphere never shows. Each KMS cluster, its servers (relays) and how each vCenter sees them
// (vCenter → KMS trust: the server certificate thumbprint vCenter trusts), the client certificates the KMS allows
// (KMS → vCenter trust, and when each takes effect), and the keys with their state and owner.
"use strict";
(function () {
  const { $, el } = H;
  H.kmsClusters = [];

  const short = s => s && s.length > 16 ? s.slice(0, 8) + "…" + s.slice(-6) : (s || "");
  function state(text, kind, attrs) { return el("span", Object.assign({ class: "state " + kind }, attrs || {}), text); }

  function table(headers, rows, attrs) {
    return el("table", attrs || null, el("thead", null, el("tr", null, ...headers.map(h => el("th", null, h)))), el("tbody", null, ...rows));
  }

  function render(clusters) {
    H.kmsClusters = clusters;
    const panel = $("kms-panel");
    if (clusters.length === 0) { panel.replaceChildren(el("div", { class: "empty" }, "no KMS cluster on this site")); return; }
    const now = H.inventory ? new Date(H.inventory.time) : new Date();
    panel.replaceChildren(...clusters.map(k => {
      const servers = k.servers.map(s => el("tr", { "data-server": s.number },
        el("td", null, String(s.number)), el("td", null, s.name), el("td", { class: "mono" }, s.endpoint),
        el("td", null, s.mode === "Pass" ? state("up", "good", { "data-role": "server-state" })
          : state(s.mode === "Refuse" ? "down (refuses connections)" : "stalled", "bad", { "data-role": "server-state" })),
        el("td", null, String(s.openConnections) + " open / " + s.connectionsAccepted),
        el("td", null, s.vcenters.length === 0 ? el("span", { class: "empty" }, "no vCenter uses it")
          : el("div", null, ...s.vcenters.map(v => el("div", { "data-trust-vcenter": v.vcenter },
              v.vcenter + " (" + v.provider + "): ",
              v.trustedThumbprint === k.serverThumbprint ? state("trusts the KMS", "good", { "data-role": "vc-trust" })
                : v.trustedThumbprint ? state("trusts another certificate", "bad", { "data-role": "vc-trust" })
                : state("does not trust it", "bad", { "data-role": "vc-trust" }),
              " ", el("span", { class: "mono" }, v.status)))))));
      const clients = (k.clients || []).map(c => {
        const from = c.trustedFrom ? new Date(c.trustedFrom) : null;
        const trust = !c.allowed ? state("not allowed", "bad")
          : c.inEffect ? state("in effect", "good")
          : state("in effect from " + H.fmtTime(c.trustedFrom) + (from ? " (in " + Math.max(0, Math.ceil((from - now) / 60000)) + " min)" : ""), "wait");
        return el("tr", { "data-client": c.sha1, "data-in-effect": String(!!c.inEffect) },
          el("td", null, c.subject), el("td", { class: "mono", title: c.sha1 }, short(c.sha1)), el("td", null, trust),
          el("td", { class: "time" }, H.fmtTime(c.trustedFrom)), el("td", null, String(c.objects)));
      });
      const keys = (k.keys || []).map(o => el("tr", { "data-key": o.id, "data-state": o.state },
        el("td", { class: "mono" }, o.id), el("td", null, o.name || ""),
        el("td", null, o.disabledByAdministrator ? state(o.state + " (disabled)", "bad") : o.state === "Active" || o.state === "PreActive" ? state(o.state, "good") : state(o.state, "bad")),
        el("td", null, o.ownerSubject), el("td", null, (o.algorithm || "") + (o.length ? " " + o.length : "")),
        el("td", { class: "time" }, H.fmtTime(o.initialDate))));
      const store = k.store || { kind: "SQLite", nodes: [] };
      const nodes = store.nodes.map(n => el("tr", { "data-node": n.number, "data-running": String(n.running) },
        el("td", null, String(n.number)), el("td", { class: "mono" }, n.kmipEndpoint),
        el("td", null, n.running ? state("running (process " + n.processId + ")", "good", { "data-role": "node-state" })
          : state("killed", "bad", { "data-role": "node-state" }))));
      return el("div", { class: "kms-cluster", "data-kms": k.name },
        el("h3", null, "KMS cluster " + k.name,
          k.reachable ? state("reachable", "good", { "data-role": "reachable" }) : state("unreachable" + (k.unreachableBecause ? ": " + k.unreachableBecause : ""), "bad", { "data-role": "reachable" }),
          el("span", { class: "mono", title: "server certificate SHA-1, as vCenter shows it" }, "SHA-1 " + k.serverThumbprint)),
        el("div", null, "KMIP at ", el("span", { class: "mono" }, k.kmipEndpoint),
          "; a newly allowed client certificate takes effect after " + k.allowedClientDelayMinutes + " minutes"),
        el("div", { "data-role": "store" }, store.kind === "PostgreSQL"
          ? ["Store: ", el("span", { class: "mono" }, store.database), " (PostgreSQL), shared by " + store.nodes.length + " nodes"]
          : "Store: SQLite (one embedded KMS)"),
        nodes.length ? table(["Node", "KMIP", "Process"], nodes, { class: "kms-nodes" }) : null,
        k.rootKey ? el("div", { "data-role": "root-key", "data-state": k.rootKey.state },
          k.rootKey.provider === "Key Protect"
            ? ["Root key: customer root key ", el("span", { class: "mono" }, k.rootKey.keyId), " in Key Protect (", el("span", { class: "mono" }, k.rootKey.serviceUrl), ") ",
               k.rootKey.state === "Active" ? state("active", "good") : k.rootKey.state === "Suspended" ? state("disabled: no key can be unwrapped", "bad")
                 : k.rootKey.state === "Destroyed" ? state("deleted: every key is crypto-shredded", "bad") : state(k.rootKey.state, "bad"),
               k.rootKey.versions ? " " + k.rootKey.versions + " version" + (k.rootKey.versions === 1 ? "" : "s") : ""]
            : "Root key: a local file on the KMS") : null,
        k.adminError ? el("div", { class: "error" }, k.adminError) : null,
        el("h4", null, "Servers, and the vCenters that trust them"),
        table(["#", "Server", "Endpoint", "State", "Connections", "vCenter → KMS trust"], servers, { class: "kms-servers" }),
        el("h4", null, "Client certificates the KMS allows (KMS → vCenter trust)"),
        clients.length ? table(["Subject", "SHA-1", "Trust", "From", "Keys"], clients, { class: "kms-clients" }) : el("div", { class: "empty" }, "none"),
        el("h4", null, "Keys (" + keys.length + ")"),
        keys.length ? table(["Key ID", "Name", "State", "Owner", "Algorithm", "Created"], keys, { class: "kms-keys" }) : el("div", { class: "empty" }, "no keys"));
    }));
  }

  async function load() {
    try { render(await H.getJson("/api/kms-clusters")); }
    catch (err) { $("kms-panel").replaceChildren(el("div", { class: "error" }, err.message)); }
  }

  // Reading the KMS panel asks every cluster's KMS admin API: only while the KMS tab (or the Actions tab, whose cluster
  // list comes from here) is shown, not at every event on the stream.
  const wanted = () => H.currentTab === "kms" || H.currentTab === "actions" || H.kmsClusters.length === 0;
  H.refreshers.push({
    refresh: () => wanted() ? load() : null,
    onTab: tab => { if (tab === "kms" || tab === "actions") load().then(() => H.fillActions && H.fillActions()); },
  });
})();
