/**
 * Every box in the room where people write their own words, held to its limit
 * the same way: the box has no maxlength, so a long paste stays whole; a live
 * count says how many characters it holds ("5520 of 4000 characters: 1520 too
 * many"); over the limit the box is marked invalid with a line saying nothing
 * was cut, the crossing is said once in the live region (either way, never at
 * every key), and the words cannot be sent until they are shortened.
 *
 * The limits are the server's (sessions/limits.py, in the page's config), and
 * characters are counted as the server counts them (dom.js charCount).
 */

import { gettext, interpolate, ngettext } from "../i18n.js";
import { charCount, overLimitMessage, setText } from "./dom.js";

/**
 * "12 of 4000 characters", flagged near the limit (the last 200 characters, or
 * the last tenth of a short one, so a one-line box is not flagged from the
 * start); over it, by how much.
 */
export function counterText(used, max) {
  const over = used > max;
  const text = over
    ? interpolate(
        ngettext("%(used)s of %(max)s characters: %(extra)s too many", "%(used)s of %(max)s characters: %(extra)s too many", used - max),
        { used, max, extra: used - max },
        true,
      )
    : interpolate(gettext("%(used)s of %(max)s characters"), { used, max }, true);
  return { text, flag: used > max - Math.min(200, Math.ceil(max / 10)), over };
}

/** What the live region says as a box crosses its limit, one way or the other. */
export function crossingText(over, max, verb = "share") {
  if (!over) return interpolate(gettext("Within the %(max)s-character limit again."), { max }, true);
  let format;
  if (verb === "share") format = gettext("Over the %(max)s-character limit: shorten it to share.");
  else if (verb === "save") format = gettext("Over the %(max)s-character limit: shorten it to save.");
  else if (verb === "send") format = gettext("Over the %(max)s-character limit: shorten it to send.");
  else if (verb === "capture") format = gettext("Over the %(max)s-character limit: shorten it to capture.");
  else if (verb === "create the theme") format = gettext("Over the %(max)s-character limit: shorten it to create the theme.");
  else format = gettext("Over the %(max)s-character limit: shorten it to %(verb)s.");
  return interpolate(format, { max, verb }, true);
}

/**
 * Count a box against its limit and show it: the counter, the over-the-limit
 * line, aria-invalid, and (unless quiet) the crossing in the live region.
 * `count` is how the server counts this box's words (trimmed, by default).
 * Returns whether the box is over its limit.
 */
export function flagLength(box, max, { counter = null, overLine = null, announcer = null, verb = "share", quiet = false, count = charCount } = {}) {
  const used = count(box.value);
  const { text, flag, over } = counterText(used, max);
  if (counter) {
    setText(counter, text);
    counter.classList.toggle("flag", flag);
  }
  if (overLine) setText(overLine, overLimitMessage(used, max, verb));
  const was = box.getAttribute("aria-invalid") === "true";
  if (over) box.setAttribute("aria-invalid", "true");
  else box.removeAttribute("aria-invalid");
  if (over !== was && !quiet && announcer) announcer.say(crossingText(over, max, verb));
  return over;
}

// Each watched box's own check, so a box filled or emptied by the page is counted again.
const checks = new WeakMap();

/**
 * Keep a box counted as it changes (flagLength's options); counted at once,
 * quietly. Returns the check, also reachable through recount(box).
 */
export function watchLength(box, max, options = {}) {
  if (!box) return () => false;
  const check = ({ quiet = false } = {}) => flagLength(box, max, { ...options, quiet });
  checks.set(box, check);
  box.addEventListener("input", () => check());
  check({ quiet: true });
  return check;
}

/** Count a watched box again, quietly, after the page changed its words (a send, a restore). */
export function recount(box) {
  const check = box ? checks.get(box) : null;
  return check ? check({ quiet: true }) : false;
}

/**
 * Before sending: words over the limit are refused with how many characters
 * too many and that nothing was cut, the box keeps them and takes the keyboard.
 * Returns true when refused.
 */
export function refuseOverLimit(box, max, showError, { verb = "share", count = charCount } = {}) {
  const used = count(box.value);
  const message = overLimitMessage(used, max, verb);
  if (!message) return false;
  showError(message);
  box.focus();
  return true;
}

/** Code points, untrimmed: how the server counts a private note, which it is sent as typed. */
export function untrimmedCount(text) {
  return [...(text || "")].length;
}
