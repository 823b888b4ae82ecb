/** Who present has not spoken yet this session: told only to a member who runs the room. */

import { byId, el, replaceList, show } from "../dom.js";

/** The names of the present members who have not spoken, in the server's order. */
export function notSpokenNames(state) {
  const names = new Map(state.present.map((m) => [m.id, m.display_name]));
  return (state.notYetSpoken || []).filter((id) => names.has(id)).map((id) => names.get(id));
}

export function render(state, ctx) {
  if (!ctx.config.can_facilitate) return;
  show("not-spoken-panel", Array.isArray(state.notYetSpoken));
  show("not-spoken-empty", (state.notYetSpoken || []).length === 0);
  replaceList(
    byId("not-spoken-list"),
    notSpokenNames(state).map((name) => el("li", { dir: "auto", text: name })),
  );
}
