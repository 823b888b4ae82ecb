/** A scribe's capture of what someone said aloud, attributed to the speaker (present in the room). */

import { gettext } from "../../i18n.js";
import { byId, el, setText } from "../dom.js";
import { recount, refuseOverLimit, watchLength } from "../text_limit.js";

const VERB = "capture";

export function init(ctx) {
  const capture = byId("capture-form");
  if (!capture) return;
  const box = byId("capture-text");
  watchLength(box, ctx.limits.text, { counter: byId("capture-counter"), overLine: byId("capture-over"), announcer: ctx.announcer, verb: VERB });
  capture.addEventListener("submit", (event) => {
    event.preventDefault();
    const speaker = byId("capture-speaker").value;
    const words = byId("capture-text").value.trim();
    if (!speaker || !words) {
      setText("capture-error", gettext("Choose who spoke and write what they said."));
      return;
    }
    setText("capture-error", "");
    // Never cut: the words stay in the box until they are shortened.
    if (refuseOverLimit(box, ctx.limits.text, (message) => setText("capture-error", message), { verb: VERB })) return;
    // The language the speaker spoke in, only if the scribe said (never the scribe's page's).
    const lang = byId("capture-lang")?.value || undefined;
    ctx.sendDurable(
      { type: "capture", speaker_member_id: Number(speaker), text: words, kind: "story", reply_to: null, consent: null, lang },
      "capture-error",
    );
    box.value = "";
    recount(box);
    ctx.announcer.say(gettext("Captured."));
  });
}

/** The speaker menu: who is present now, keeping the choice made. */
export function render(state) {
  const select = byId("capture-speaker");
  if (!select) return;
  const chosen = select.value;
  const options = [el("option", { value: "", text: gettext("Choose who spoke") })];
  for (const m of state.present) {
    options.push(el("option", { value: m.id, text: m.display_name, selected: String(m.id) === chosen }));
  }
  select.replaceChildren(...options);
  if (chosen) select.value = chosen;
}

export function forget() {
  const box = byId("capture-text");
  if (box) box.value = "";
  recount(box);
}
