/** Who is in the room now: names, role (the server's label) and team. */

import { gettext } from "../../i18n.js";
import { byId, describeMember, el, replaceList } from "../dom.js";

export function render(state, ctx) {
  const me = state.you.member_id;
  const { stakeholder_role: roles, exchange_role: exchangeRoles } = ctx.labels;
  const items = state.present.map((m) =>
    el(
      "li",
      {},
      el("span", { className: "person-name", dir: "auto", text: m.display_name }),
      m.id === me ? el("span", { className: "muted", text: " " + gettext("(you)") }) : null,
      el("span", { className: "muted", text: ` · ${describeMember(m, roles, exchangeRoles)}` }),
    ),
  );
  if (!items.length) items.push(el("li", { className: "muted", text: gettext("No one is connected yet.") }));
  replaceList(byId("presence-list"), items);
}
