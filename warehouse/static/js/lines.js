// Intake forms on a tablet: find an item by typing part of its name or code, add and
// remove donation lines, see what a boxed line adds up to, keep the site and its places
// in step, and make Enter go to the next field (a second tap on "Record" is forms.js's).
// Every form works without this script: the selects list every item, "More lines" asks
// the server for blank lines, and the server checks every value. Texts come from data-
// attributes the page writes in the reader's language.
"use strict";

(function () {
  function normalise(text) {
    return (text || "").toLocaleLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  function textsOf(form) {
    const data = form.dataset;
    return {
      filterLabel: data.filterLabel || "",
      filterPlaceholder: data.filterPlaceholder || "",
      noMatch: data.noMatch || "",
      matches: data.matches || "{num}",
    };
  }

  // --- The item picker: a filter field above the grouped select --------------------------

  function enhanceItemSelect(select, texts) {
    if (select.dataset.enhanced) return;
    select.dataset.enhanced = "1";
    const placeholder = select.querySelector("option[value='']");
    const groups = Array.from(select.querySelectorAll("optgroup")).map(function (group) {
      return { label: group.label, options: Array.from(group.querySelectorAll("option")) };
    });
    const input = document.createElement("input");
    input.type = "search";
    input.id = select.id + "-filter";
    input.className = "item-filter";
    input.placeholder = texts.filterPlaceholder;
    input.autocomplete = "off";
    input.spellcheck = false;
    input.setAttribute("aria-label", texts.filterLabel);
    input.setAttribute("aria-controls", select.id);
    input.setAttribute("enterkeyhint", "done");
    const status = document.createElement("p");
    status.className = "item-filter-status";
    status.setAttribute("aria-live", "polite");
    select.parentNode.insertBefore(input, select);
    select.parentNode.insertBefore(status, select.nextSibling);

    function filter() {
      const words = normalise(input.value).split(/\s+/).filter(Boolean);
      const chosen = select.value;
      // Options are rebuilt rather than hidden: iOS Safari lists hidden options anyway.
      select.textContent = "";
      if (placeholder) select.appendChild(placeholder);
      let count = 0;
      let only = null;
      let keep = false;
      groups.forEach(function (group) {
        const matching = group.options.filter(function (option) {
          const haystack = normalise(option.textContent + " " + (option.dataset.search || ""));
          return words.every(function (word) { return haystack.indexOf(word) !== -1; });
        });
        if (!matching.length) return;
        const element = document.createElement("optgroup");
        element.label = group.label;
        matching.forEach(function (option) {
          element.appendChild(option);
          if (option.value === chosen) keep = true;
        });
        select.appendChild(element);
        count += matching.length;
        only = matching[0];
      });
      if (keep) select.value = chosen;
      else if (count === 1) select.value = only.value;  // a typed or scanned code
      else select.value = "";
      status.textContent = !words.length ? "" :
        count ? texts.matches.replace("{num}", String(count)) : texts.noMatch;
      status.classList.toggle("no-match", words.length > 0 && count === 0);
      if (select.value !== chosen) select.dispatchEvent(new Event("change", { bubbles: true }));
    }

    input.addEventListener("input", filter);
  }

  // --- Donation lines: add, remove, and each boxed line's total --------------------------

  const INDEX = /lines-(\d+)-/;

  function renumber(element, index) {
    ["id", "name", "for", "aria-describedby", "aria-controls"].forEach(function (name) {
      element.querySelectorAll("[" + name + "]").forEach(function (node) {
        node.setAttribute(name, node.getAttribute(name).replace(INDEX, "lines-" + index + "-"));
      });
    });
  }

  function clean(line) {
    line.querySelectorAll("input").forEach(function (input) {
      input.value = "";
      input.removeAttribute("aria-invalid");
    });
    line.querySelectorAll("select").forEach(function (select) {
      select.removeAttribute("aria-invalid");
      select.removeAttribute("data-enhanced");
      select.querySelectorAll("option").forEach(function (option) { option.selected = false; });
      select.value = "";
    });
    line.querySelectorAll(".field-error, .line-errors, .item-filter, .item-filter-status, .line-remove")
      .forEach(function (node) { node.remove(); });
    line.querySelectorAll(".has-error").forEach(function (node) {
      node.classList.remove("has-error");
    });
    const total = line.querySelector("[data-line-total]");
    if (total) total.textContent = "";
  }

  function whole(value) {
    const text = (value || "").trim();
    return /^\d+$/.test(text) ? parseInt(text, 10) : null;
  }

  function showTotal(line, template) {
    const total = line.querySelector("[data-line-total]");
    const each = whole((line.querySelector("input[name$='-quantity']") || {}).value);
    const boxes = whole((line.querySelector("input[name$='-boxes']") || {}).value);
    if (!total) return;
    total.textContent = each && boxes && template ? template
      .replace("{boxes}", String(boxes)).replace("{each}", String(each))
      .replace("{total}", String(boxes * each)) : "";
  }

  function enhanceLines(container, texts) {
    const form = container.closest("form");
    const lines = Array.from(container.querySelectorAll("[data-line]"));
    if (!lines.length) return;
    const blank = lines[0].cloneNode(true);
    clean(blank);
    const data = container.dataset;

    function numberLines() {
      container.querySelectorAll("[data-line]").forEach(function (line, position) {
        const number = line.querySelector(".line-number");
        if (number) number.textContent = String(position + 1);
      });
    }

    function nextIndex() {
      let highest = -1;
      container.querySelectorAll("[name^='lines-']").forEach(function (node) {
        const match = INDEX.exec(node.name);
        if (match) highest = Math.max(highest, parseInt(match[1], 10));
      });
      return highest + 1;
    }

    function enhance(line) {
      line.querySelectorAll("[data-item-select]").forEach(function (select) {
        enhanceItemSelect(select, texts);
      });
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "line-remove";
      remove.textContent = "×";
      remove.title = data.removeLabel || "";
      remove.setAttribute("aria-label", data.removeLabel || "");
      remove.addEventListener("click", function () {
        if (container.querySelectorAll("[data-line]").length > 1) {
          line.remove();
        } else {  // the last line is emptied: a fresh one, as the filter reordered its select
          const fresh = blank.cloneNode(true);
          renumber(fresh, nextIndex());
          line.replaceWith(fresh);
          enhance(fresh);
        }
        numberLines();
      });
      line.appendChild(remove);
      line.addEventListener("input", function () { showTotal(line, data.totalBoxed); });
      showTotal(line, data.totalBoxed);
    }

    lines.forEach(enhance);

    const more = form.querySelector("[data-more-lines]");
    const add = document.createElement("button");
    add.type = "button";
    add.className = "button add-line";
    add.textContent = "+ " + (data.addLabel || "");
    add.addEventListener("click", function () {
      const line = blank.cloneNode(true);
      renumber(line, nextIndex());
      container.appendChild(line);
      enhance(line);
      numberLines();
      const focus = line.querySelector(".item-filter") || line.querySelector("select");
      if (focus) focus.focus();
    });
    if (more) {
      more.hidden = true;
      more.parentNode.insertBefore(add, more);
    } else {
      container.parentNode.insertBefore(add, container.nextSibling);
    }
  }

  // --- Places: the site and its intake location, a source and its targets ----------------

  function followSite(siteSelect, placeSelect) {
    siteSelect.addEventListener("change", function () {
      const site = siteSelect.value;
      const option = placeSelect.querySelector("option[data-site='" + site + "'][data-intake]")
        || placeSelect.querySelector("option[data-site='" + site + "']");
      if (option) placeSelect.value = option.value;
    });
    placeSelect.addEventListener("change", function () {
      const option = placeSelect.options[placeSelect.selectedIndex];
      if (option && option.dataset.site) siteSelect.value = option.dataset.site;
    });
  }

  function limitTargets(sourceSelect, targetSelect) {
    function apply() {
      const option = sourceSelect.options[sourceSelect.selectedIndex];
      const site = option ? option.dataset.site : null;
      Array.from(targetSelect.querySelectorAll("option[data-site]")).forEach(function (target) {
        target.disabled = Boolean(site) && target.dataset.site !== site;
      });
      const chosen = targetSelect.options[targetSelect.selectedIndex];
      if (chosen && chosen.disabled) targetSelect.value = "";
    }
    sourceSelect.addEventListener("change", apply);
    apply();
  }

  // --- Enter goes to the next field ------------------------------------------------------
  // A tablet keyboard's Enter (or a scanner's, after a code) would otherwise send a form
  // half filled in. The big button sends it.

  function enterMovesOn(form) {
    form.addEventListener("keydown", function (event) {
      const field = event.target;
      if (event.key !== "Enter" || field.tagName !== "INPUT"
          || field.type === "submit" || field.type === "button") return;
      event.preventDefault();
      const fields = Array.from(form.querySelectorAll(
        "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea"))
        .filter(function (element) { return element.offsetParent !== null; });
      const next = fields[fields.indexOf(field) + 1];
      if (next) next.focus();
    });
  }

  function start() {
    document.querySelectorAll("form.intake-form").forEach(function (form) {
      const texts = textsOf(form);
      const lines = form.querySelector("[data-lines]");
      if (lines) enhanceLines(lines, texts);
      form.querySelectorAll("[data-item-select]").forEach(function (select) {
        enhanceItemSelect(select, texts);
      });
      const site = form.querySelector("[data-site-select]");
      const place = form.querySelector("select[name='intake_location']");
      if (site && place) followSite(site, place);
      const source = form.querySelector("select[name='source']");
      const target = form.querySelector("select[name='target']");
      if (source && target) limitTargets(source, target);
      if (form.querySelector("[data-item-select]")) enterMovesOn(form);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
