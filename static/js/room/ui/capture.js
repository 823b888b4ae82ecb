/** A scribe's capture of what someone said aloud, attributed to the speaker (present in the room). */

import { byId, charCount, el, overLimitMessage, setText } from "../dom.js";

export function init(ctx) {
  const capture = byId("capture-form");
  if (!capture) return;
  capture.addEventListener("submit", (event) => {
    event.preventDefault();
    const speaker = byId("capture-speaker").value;
    const words = byId("capture-text").value.trim();
    if (!speaker || !words) {
      setText("capture-error", "Choose who spoke and write what they said.");
      return;
    }
    // Never cut: the words stay in the box until they are shortened.
    const over = overLimitMessage(charCount(words), ctx.limits.text);
    if (over) {
      setText("capture-error", over);
      byId("capture-text").focus();
      return;
    }
    ctx.sendDurable(
      { type: "capture", speaker_member_id: Number(speaker), text: words, kind: "story", reply_to: null, consent: null },
      "capture-error",
    );
    byId("capture-text").value = "";
    ctx.announcer.say("Captured.");
  });
}

/** The speaker menu: who is present now, keeping the choice made. */
export function render(state) {
  const select = byId("capture-speaker");
  if (!select) return;
  const chosen = select.value;
  const options = [el("option", { value: "", text: "Choose who spoke" })];
  for (const m of state.present) {
    options.push(el("option", { value: m.id, text: m.display_name, selected: String(m.id) === chosen }));
  }
  select.replaceChildren(...options);
  if (chosen) select.value = chosen;
}

export function forget() {
  const box = byId("capture-text");
  if (box) box.value = "";
}
