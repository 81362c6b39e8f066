// The property browser, in the spirit of vCenter's Managed Object Browser: open a managed object (from the inventory or
// the content list), then follow its properties, e.g. VirtualMachine app01 → config → keyId → keyId.
"use strict";
(function () {
  const { $, el } = H;
  let object = null;   // { type, id } (a managed object ID, or a name) or null for the content list
  let path = [];       // property names (and "[i]" array items) followed from the object
  // The managed object types the browser opens (/api/mob/{type}/{id}); other references (folders, alarms) are shown, not followed.
  const BROWSABLE = ["Datacenter", "ClusterComputeResource", "HostSystem", "VirtualMachine", "Datastore", "CryptoManagerKmip"];

  H.openObject = function (type, id) {
    object = { type, id };
    path = [];
    H.showTab("properties");
    load();
  };

  function go(newPath) { path = newPath; load(); }

  async function load() {
    const err = $("mob-error");
    err.hidden = true;
    let doc;
    try {
      doc = object ? await H.getJson("/api/mob/" + encodeURIComponent(object.type) + "/" + encodeURIComponent(object.id)) : await H.getJson("/api/mob");
    } catch (e) {
      err.textContent = e.message; err.hidden = false;
      renderPath(); $("mob-props").replaceChildren();
      return;
    }
    // Follow the path as far as it still exists (a property can disappear: a VM decrypted).
    let node = { type: doc.type, properties: doc.properties };
    let reached = [];
    for (const step of path) {
      const next = child(node, step);
      if (!next) { err.textContent = "the property " + [...reached, step].join(".") + " is not there any more"; err.hidden = false; break; }
      node = next; reached.push(step);
    }
    path = reached;
    renderPath(doc);
    render(node);
  }

  function child(node, step) {
    if (node.properties && step in node.properties) return node.properties[step];
    const m = /^\[(\d+)\]$/.exec(step);
    if (m && node.items) return node.items[Number(m[1])] || null;
    return null;
  }

  function renderPath(doc) {
    const parts = [el("a", { "data-path": "content", onclick: () => { object = null; go([]); } }, "content")];
    if (object) {
      parts.push(el("span", { class: "sep" }, "›"),
        el("a", { "data-path": "object", title: doc && doc.value ? doc.value : "", onclick: () => go([]) }, object.type + " " + (doc && doc.name ? doc.name : object.id)));
      path.forEach((p, i) => parts.push(el("span", { class: "sep" }, "›"),
        el("a", { "data-path": p, onclick: () => go(path.slice(0, i + 1)) }, p)));
    }
    $("mob-path").replaceChildren(...parts);
  }

  function valueCell(name, v) {
    if (v.ref && !BROWSABLE.includes(v.ref.type)) return el("span", { class: "ref", title: v.ref.value }, v.ref.type + " " + (v.ref.name || v.ref.value));
    if (v.ref) return el("a", { class: "ref", title: v.ref.value, onclick: () => H.openObject(v.ref.type, v.ref.value) }, v.ref.type + " " + (v.ref.name || v.ref.value));
    if (v.properties) return el("a", { class: "follow", onclick: () => go([...path, name]) }, "(" + v.type + ") ›");
    if (v.items) return v.items.length === 0 ? el("span", { class: "unset" }, "(empty)")
      : el("a", { class: "follow", onclick: () => go([...path, name]) }, "(" + v.items.length + " item" + (v.items.length > 1 ? "s" : "") + ") ›");
    if (v.value === null || v.value === undefined) return el("span", { class: "unset" }, "unset");
    return String(v.value);
  }

  function render(node) {
    const rows = [];
    if (node.properties) {
      for (const [name, v] of Object.entries(node.properties))
        rows.push(el("tr", { "data-prop": name }, el("td", { class: "name" }, name), el("td", { class: "type" }, v.type), el("td", { class: "value" }, valueCell(name, v))));
    } else if (node.items) {
      node.items.forEach((v, i) => {
        const name = "[" + i + "]";
        rows.push(el("tr", { "data-prop": name }, el("td", { class: "name" }, name), el("td", { class: "type" }, v.type), el("td", { class: "value" }, valueCell(name, v))));
      });
    } else {
      rows.push(el("tr", { "data-prop": "(value)" }, el("td", { class: "name" }, path[path.length - 1] || ""), el("td", { class: "type" }, node.type), el("td", { class: "value" }, valueCell("", node))));
    }
    $("mob-props").replaceChildren(...rows);
  }

  H.refreshers.push({
    init: () => load(),
    refresh: () => H.currentTab === "properties" ? load() : null,
    onTab: tab => { if (tab === "properties") load(); },
  });
  H.resetProperties = function () { object = null; path = []; if (H.currentTab === "properties") load(); };
})();
