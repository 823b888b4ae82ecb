/** "I need a pause": a private signal only the facilitators see. */

import { gettext } from "../../i18n.js";
import { byId, setText } from "../dom.js";

export function init(ctx) {
  byId("pause-signal").addEventListener("click", () => {
    setText("pause-signal-status", "");
    ctx.act({ type: "pause_request" }, "pause-signal-error");
  });
}

/** The panel is server-rendered and shown by permission (data-action): nothing to draw. */
export function render() {}

export function onAck(sent) {
  if (sent.type === "pause_request") setText("pause-signal-status", gettext("The facilitators have been told, privately."));
}
