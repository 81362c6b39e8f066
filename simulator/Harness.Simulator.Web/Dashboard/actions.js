// The actions: every fault and recovery action of STEPS.md as a button, through the simulator's REST API. Each shows
// what it did (and the events it logged), or the fault and message of a refusal; the page updates from the stream.
"use strict";
(function () {
  const { $, el } = H;
  const seg = s => encodeURIComponent(s);

  /** Reads a required field; throws a message naming it when empty. */
  function need(id, what) {
    const v = $(id).value.trim();
    if (!v) throw new InputError("enter " + what + " first");
    return v;
  }
  class InputError extends Error {}

  function userQuery(sep) {
    const u = $("act-user").value.trim();
    return u ? (sep || "?") + "user=" + seg(u) : "";
  }
  const vm = () => need("act-vm", "a VM name");

  // action → () => [path, body?]
  const actions = {
    "reboot-host": () => ["/api/hosts/" + seg(need("act-host", "a host")) + "/reboot"],
    "kms-unreachable": () => ["/api/kms-clusters/" + seg(need("act-kms", "a KMS cluster")) + "/unreachable"],
    "kms-reachable": () => ["/api/kms-clusters/" + seg(need("act-kms", "a KMS cluster")) + "/reachable"],
    "kms-server-down": () => ["/api/kms-clusters/" + seg(need("act-kms", "a KMS cluster")) + "/servers/" + seg(need("act-kms-server", "a server number")) + "/down"],
    "kms-server-up": () => ["/api/kms-clusters/" + seg(need("act-kms", "a KMS cluster")) + "/servers/" + seg(need("act-kms-server", "a server number")) + "/up"],
    "kms-delete-root-key": () => ["/api/kms-clusters/" + seg(need("act-kms", "a KMS cluster")) + "/root-key/delete"],
    "kms-node-kill": () => ["/api/kms-clusters/" + seg(need("act-kms", "a KMS cluster")) + "/nodes/" + seg(need("act-kms-server", "a node number")) + "/kill"],
    "kms-node-restart": () => ["/api/kms-clusters/" + seg(need("act-kms", "a KMS cluster")) + "/nodes/" + seg(need("act-kms-server", "a node number")) + "/restart"],
    "crk-disable": () => ["/api/kms-clusters/" + seg(need("act-kms", "a KMS cluster")) + "/customer-root-key/disable"],
    "crk-enable": () => ["/api/kms-clusters/" + seg(need("act-kms", "a KMS cluster")) + "/customer-root-key/enable"],
    "crk-rotate": () => ["/api/kms-clusters/" + seg(need("act-kms", "a KMS cluster")) + "/customer-root-key/rotate"],
    "crk-delete": () => ["/api/kms-clusters/" + seg(need("act-kms", "a KMS cluster")) + "/customer-root-key/delete"],
    "key-deactivate": () => ["/api/vms/" + seg(vm()) + "/key/deactivate"],
    "key-reactivate": () => ["/api/vms/" + seg(vm()) + "/key/reactivate"],
    "key-destroy": () => ["/api/vms/" + seg(vm()) + "/key/destroy"],
    "remove-keys": () => {
      const h = $("act-vm-host").value;
      return ["/api/vms/" + seg(vm()) + "/remove-keys" + (h ? "?host=" + seg(h) : "")];
    },
    "register": () => ["/api/vms/" + seg(vm()) + "/register" + userQuery()],
    "unlock": () => ["/api/vms/" + seg(vm()) + "/unlock" + userQuery()],
    "power-on": () => ["/api/vms/" + seg(vm()) + "/power-on"],
    "power-off": () => ["/api/vms/" + seg(vm()) + "/power-off"],
    "encrypt": () => ["/api/vms/" + seg(vm()) + "/encrypt"],
    "rekey": () => ["/api/vms/" + seg(vm()) + "/rekey" + userQuery()],
    "deep-rekey": () => ["/api/vms/" + seg(vm()) + "/rekey?deep=true" + userQuery("&")],
    "register-all-locked": () => ["/api/register-locked-vms" + userQuery()],
    // The body's name is checked by the API (an empty name is refused there, with its message).
    "vcenter-new": () => ["/api/vcenters", { name: $("act-vcenter").value }],
    "vcenter-lose": () => ["/api/vcenters/" + seg(need("act-vcenter", "a vCenter name")) + "/lose"],
    "vcenter-trust": () => {
      const body = { kmsCluster: $("act-trust-kms").value, waitForTrust: $("act-trust-wait").checked };
      const provider = $("act-trust-provider").value.trim();
      if (provider) body.providerName = provider;
      return ["/api/vcenters/" + seg(need("act-vcenter", "a vCenter name")) + "/trust", body];
    },
    "advance-clock": () => {
      const raw = $("act-minutes").value.trim();
      const minutes = Number(raw);
      if (raw === "" || !Number.isFinite(minutes)) throw new InputError("enter the minutes to pass (a number), not \"" + raw + "\"");
      return ["/api/clock/advance", { minutes }];
    },
  };
  H.actionNames = Object.keys(actions);

  function show(outcome, ...children) {
    const box = $("action-result");
    box.dataset.outcome = outcome;
    box.replaceChildren(...children.filter(c => c !== null && c !== undefined));
    box.hidden = false;
  }

  function eventList(events) {
    if (!events || events.length === 0) return null;
    return el("ul", { class: "events" }, ...events.map(e => el("li", { "data-type-id": e.typeId },
      e.object + ": " + e.message + " ", el("span", { class: "mono" }, "(" + e.typeId + ")"))));
  }

  async function run(button) {
    const name = button.dataset.action;
    let path, body;
    try { [path, body] = actions[name](); }
    catch (err) {
      if (!(err instanceof InputError)) throw err;
      show("error", el("span", { class: "fault" }, "Not sent: "), el("span", { class: "detail" }, err.message));
      $("action-result").dataset.action = name;
      return;
    }
    const label = button.textContent;
    for (const b of document.querySelectorAll("[data-action]")) b.disabled = true;
    show("running", label + "…");
    $("action-result").dataset.action = name;
    try {
      const r = await H.post(path, body);
      if (r.ok) {
        show("ok", el("span", { class: "did" }, "Done: " + r.body.did), eventList(r.body.events));
      } else {
        const p = r.body || {};
        show("error", el("span", { class: "fault" }, (p.fault || p.title || ("HTTP " + r.status)) + ": "),
          el("span", { class: "detail" }, p.detail || ""), eventList(p.events));
      }
    } finally {
      for (const b of document.querySelectorAll("[data-action]")) b.disabled = false;
      H.refreshSoon();
    }
  }

  H.fillActions = fill;
  function fill() {
    const inv = H.inventory;
    if (!inv) return;
    const hosts = inv.datacenter.clusters.flatMap(c => c.hosts.map(h => h.name));
    for (const sel of document.querySelectorAll("select[data-fill=hosts]")) {
      const keep = sel.value;
      const options = sel.dataset.optional ? [el("option", { value: "" }, sel.dataset.optional)] : [];
      sel.replaceChildren(...options, ...hosts.map(h => el("option", { value: h }, h)));
      if ([...sel.options].some(o => o.value === keep)) sel.value = keep;
    }
    const vms = inv.datacenter.clusters.flatMap(c => c.hosts.flatMap(h => h.vms.map(v => v.name)));
    $("vm-names").replaceChildren(...vms.map(v => el("option", { value: v })));
    const kms = $("act-kms");
    const keep = kms.value;
    kms.replaceChildren(...(H.kmsClusters || []).map(k => el("option", { value: k.name }, k.name)));
    if ([...kms.options].some(o => o.value === keep)) kms.value = keep;
  }

  H.refreshers.push({
    init: () => {
      for (const b of document.querySelectorAll("[data-action]")) b.addEventListener("click", () => run(b));
    },
    refresh: () => fill(),
  });
})();
