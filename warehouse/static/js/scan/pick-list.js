// A request as the pick mode and the look-up card show it: its title, and its lines as a
// table of what is asked, picked and left.
import { S } from "./data.js";
import { h, name, quantityText } from "./render.js";

export function requestTitle(request) {
  return [request.code || ("#" + request.id), name(request.organisation)].filter(Boolean).join(" · ");
}

function lineName(line) {
  return name(line.item) || line.item_name || "";
}

export function linesTable(lines) {
  return h("table", { class: "pick-lines" },
    h("thead", {}, h("tr", {}, h("th", {}, S.lookup.item), h("th", { class: "num" }, S.pick.requested),
      h("th", { class: "num" }, S.pick.picked), h("th", { class: "num" }, S.pick.left))),
    h("tbody", {}, lines.map(function (line) {
      const requested = line.allocated !== undefined && line.allocated !== null ? line.allocated : line.requested;
      return h("tr", { class: line.left > 0 ? "" : "line-done" },
        h("td", {}, lineName(line)), h("td", { class: "num" }, quantityText(requested)),
        h("td", { class: "num" }, quantityText(line.picked)), h("td", { class: "num left" }, line.left > 0 ? String(line.left) : "✓"));
    })));
}
