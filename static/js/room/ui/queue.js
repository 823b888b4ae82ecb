/**
 * The speaking queue: raising and lowering one's hand, who is waiting and who
 * has the floor; for a facilitator, moving people up or down and lowering a hand.
 */

import { gettext, interpolate } from "../../i18n.js";
import { byId, el, labelFor, replaceList, show } from "../dom.js";

export function init(ctx) {
  byId("raise-new").addEventListener("click", () => ctx.act({ type: "hand_raise", kind: "new_point" }, "hand-error"));
  byId("raise-reply").addEventListener("click", () =>
    ctx.act({ type: "hand_raise", kind: "direct_reply", reply_to: ctx.ui.replyTo }, "hand-error"),
  );
  byId("lower-hand").addEventListener("click", () => ctx.act({ type: "hand_lower" }, "hand-error"));
}

/** The waiting entries' ids with one moved up (-1) or down (+1); null when it cannot move. */
export function reorderedIds(queue, entryId, delta) {
  const order = queue.map((e) => e.id);
  const index = order.indexOf(entryId);
  const target = index + delta;
  if (index < 0 || target < 0 || target >= order.length) return null;
  [order[index], order[target]] = [order[target], order[index]];
  return order;
}

function moveEntry(ctx, entryId, delta) {
  const order = reorderedIds(ctx.state.queue, entryId, delta);
  if (order) ctx.act({ type: "queue_reorder", order }, "queue-console-error");
}

function facilitatorButtons(ctx, entry, index, length) {
  const name = entry.member.display_name;
  return [
    el("button", {
      type: "button",
      className: "button secondary small",
      text: gettext("Move up"),
      "aria-label": interpolate(gettext("Move %(name)s up"), { name }, true),
      disabled: index === 0,
      dataset: { focusKey: `up-${entry.id}` },
      onclick: () => moveEntry(ctx, entry.id, -1),
    }),
    el("button", {
      type: "button",
      className: "button secondary small",
      text: gettext("Move down"),
      "aria-label": interpolate(gettext("Move %(name)s down"), { name }, true),
      disabled: index === length - 1,
      dataset: { focusKey: `down-${entry.id}` },
      onclick: () => moveEntry(ctx, entry.id, 1),
    }),
    el("button", {
      type: "button",
      className: "button secondary small",
      text: gettext("Lower hand"),
      "aria-label": interpolate(gettext("Lower %(name)s's hand"), { name }, true),
      dataset: { focusKey: `lower-${entry.id}` },
      onclick: () => ctx.act({ type: "hand_lower", entry_id: entry.id }, "queue-console-error"),
    }),
  ];
}

export function render(state, ctx) {
  const me = state.you.member_id;
  const queue = state.queue;
  const mine = queue.some((e) => e.member.id === me);
  const handControls = byId("hand-controls");
  const focusedId = handControls.contains(document.activeElement) ? document.activeElement.id : null;
  show("lower-hand", mine);
  show("raise-new", !mine);
  show("raise-reply", !mine);
  // The button just pressed has gone; keep the keyboard on its counterpart.
  if (focusedId && byId(focusedId).hidden) byId(mine ? "lower-hand" : "raise-new").focus();
  show("queue-empty", queue.length === 0);
  const facilitating = ctx.runsRoom() && ctx.may("queue_reorder");
  const kinds = ctx.labels.queue_kind;
  const items = [];
  const current = state.queueCurrent;
  if (current && current.status === "called") {
    items.push(
      el(
        "li",
        { className: "queue-called", "aria-current": "true" },
        el("span", { className: "badge", text: gettext("Has the floor") }),
        " ",
        el("span", { className: "person-name", dir: "auto", text: current.member.display_name }),
      ),
    );
  }
  queue.forEach((entry, index) => {
    const li = el(
      "li",
      { className: "queue-entry" },
      el("span", { className: "person-name", dir: "auto", text: entry.member.display_name }),
      entry.member.id === me ? " " + gettext("(you)") : "",
      " ",
      el("span", { className: "badge", text: labelFor(kinds, entry.kind) }),
    );
    if (facilitating) li.append(...facilitatorButtons(ctx, entry, index, queue.length));
    items.push(li);
  });
  replaceList(byId("queue-list"), items);
}
