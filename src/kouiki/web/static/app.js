// kouiki: small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // htmx requests carry the CSRF token of the page (same as the hidden form field).
  document.addEventListener("htmx:configRequest", function (ev) {
    var field = document.querySelector("input[name=csrf_token]");
    if (field) { ev.detail.headers["X-CSRF-Token"] = field.value; }
  });

  // 印刷 button (a page prints without it too: the print stylesheet hides navigation and forms).
  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (t && t.matches && t.matches("[data-print]")) { ev.preventDefault(); window.print(); }
    if (t && t.matches && t.matches("[data-details]")) {  // すべて開く／すべて閉じる (parameters page)
      var open = t.getAttribute("data-details") === "open";
      document.querySelectorAll("main details.measure").forEach(function (d) { d.open = open; });
    }
  });
  document.querySelectorAll("[data-details][hidden]").forEach(function (b) { b.hidden = false; });
  // A page's link to one rule file (/parameters#m-renewal) opens that file's section of the parameters page.
  function openTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var d = id ? document.getElementById(id) : null;
    if (d && d.tagName === "DETAILS") { d.open = true; }
  }
  openTarget();
  window.addEventListener("hashchange", openTarget);

  // Scenario form editor: add a row in place (without JS the 行を追加 button asks the server for one more row)
  // and dim a row marked for removal (the server drops rows whose 削除 box is ticked).
  function scenarioForm() {
    var form = document.getElementById("scenario-form");
    var tpl = document.getElementById("action-row-template");
    var count = document.getElementById("row-count");
    var rows = document.getElementById("action-rows");
    var add = document.getElementById("add-row");
    if (!form || !tpl || !count || !rows || !add) { return; }
    function renumber() {
      var n = 0;
      rows.querySelectorAll(".action-row").forEach(function (row) {
        var removed = row.querySelector(".remove-row");
        row.classList.toggle("removed", !!(removed && removed.checked));
        if (!(removed && removed.checked)) { n += 1; }
        var no = row.querySelector(".row-no");
        if (no) { no.textContent = removed && removed.checked ? "（削除）" : String(n); }
      });
    }
    add.addEventListener("click", function (ev) {
      ev.preventDefault();
      var i = parseInt(count.value, 10) || 0;
      var html = tpl.innerHTML.split("__i__").join(String(i));
      var holder = document.createElement("div");
      holder.innerHTML = html;  // the server-rendered template row: escaped by Jinja, no user text
      while (holder.firstChild) { rows.appendChild(holder.firstChild); }
      count.value = String(i + 1);
      renumber();
      var first = rows.lastElementChild && rows.lastElementChild.querySelector("select");
      if (first) { first.focus(); }
    });
    rows.addEventListener("change", function (ev) {
      if (ev.target && ev.target.classList && ev.target.classList.contains("remove-row")) { renumber(); }
    });
  }

  // Fiscal plan table and staffing forms: choosing a 措置 (or a section's kind) re-draws the row with the columns
  // it needs (the server renders them; without JS the 「措置に合わせて項目を表示」 button does the same).
  function refreshOnChange() {
    document.querySelectorAll("select[data-refresh]").forEach(function (sel) {
      sel.addEventListener("change", function () {
        var button = document.getElementById(sel.getAttribute("data-refresh"));
        if (button) { button.click(); }
      });
    });
  }

  // A 除却 / 円滑化経費 / 近隣市町村 / 共生ビジョン entry ticked for removal is dimmed (the server drops it on save).
  document.addEventListener("change", function (ev) {
    var t = ev.target;
    if (t && t.classList && t.classList.contains("remove-entry") && t.closest) {
      var entry = t.closest(".entry");
      if (entry) { entry.classList.toggle("removed", t.checked); }
    }
  });

  // Legend swatches: colours come from data attributes (the CSP forbids inline styles in the markup).
  function swatches() {
    document.querySelectorAll(".swatch[data-colour]").forEach(function (el) {
      el.style.backgroundColor = el.getAttribute("data-colour");
    });
  }

  // Region form: the words for the members follow the 枠組み select at once (中心市/近隣市町村/形成協定 for a
  // 定住自立圏, 連携中枢都市/連携市町村/連携協約 for a 連携中枢都市圏); without JS the server renders them for
  // the 枠組み saved or submitted. The words come from the form's data-role-labels (region_form.ROLE_LABELS).
  function regionRoleLabels() {
    var form = document.getElementById("region-form");
    var select = document.getElementById("r-framework");
    if (!form || !select) { return; }
    var labels;
    try { labels = JSON.parse(form.getAttribute("data-role-labels") || "{}"); } catch (e) { return; }
    function relabel() {
      var words = labels[select.value];
      if (!words) { return; }
      form.querySelectorAll("[data-role]").forEach(function (el) {
        var word = words[el.getAttribute("data-role")];
        if (word) { el.textContent = word; }
      });
    }
    select.addEventListener("change", relabel);
    relabel();  // a page restored from the back/forward cache keeps the select's value, not the rendered words
  }

  function init() { scenarioForm(); swatches(); refreshOnChange(); regionRoleLabels(); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
