/**
 * New contributions from others, said to screen-reader users without taking
 * them away from what they are doing: a visually hidden `role="log"` region
 * (polite, additions only) that receives one short line per contribution
 * ("Ana Ruiz (Riverton, OH) said: …"), or one summary when several arrive
 * close together ("3 new contributions.", which carries no words).
 *
 * Only what the screen shows is said: the contribution as this reader holds it
 * after the event is applied (an anonymous author stays "Anonymous"), never
 * one's own words (written or captured by the reader), never the history a
 * connection or a replay brings (only words from the last few seconds), and
 * nothing after the room stops showing words.
 *
 * A line is read out once, as it is added, and is no record: the region is
 * still in the accessibility tree (and can be selected and copied), so a line
 * must not outlive the words as the screen shows them. Each line carries the
 * ids of the contributions it is about (`data-contribution-ids`) and leaves at
 * once when one of them is withdrawn, redacted, edited or has its consent
 * changed (switched to anonymous, the name must go from every screen), when a
 * `hello` no longer holds it as it was said, and in any case a few seconds
 * after it was added. Removals are not announced (`aria-relevant="additions"`).
 */

import { gettext, interpolate, ngettext } from "../../i18n.js";
import { byId, el, excerpt } from "../dom.js";
import { authorName, isAuthorHidden, isCapturedBy, isOwnContribution } from "../state.js";

// Words older than this (by the server's clock) are history, not news: a replay after a gap.
export const FRESH_SECONDS = 20;
// Contributions arriving within this window are said as one summary.
export const WINDOW_MS = 1200;
// How much of someone's words the line carries; the list shows them whole.
export const EXCERPT_CHARS = 100;
// Lines kept in the region at most; older ones leave quietly (removals are not announced).
const KEEP_LINES = 20;
// How long a line stays after it is added: long enough to be read out, never long enough to linger.
export const LINE_SECONDS = 15;
// Events after which a contribution's words, or who may be named for them, are no longer as a line said them.
export const RETRACTING_EVENTS = ["contribution_withdrawn", "contribution_redacted", "contribution_edited", "consent_changed"];

/** The contribution an event added, as this reader now holds it, if it is news to say; else null. */
export function newFromOthers(frame, state, secondsSince) {
  if (frame.event !== "contribution_added" || !frame.contribution || state.session.state === "closed") return null;
  const c = state.contributions.find((item) => item.id === frame.contribution.id);
  if (!c || c.purged) return null;
  const me = state.you.member_id;
  if (isOwnContribution(c, me) || isCapturedBy(c, me)) return null;
  const age = frame.at ? secondsSince(frame.at) : 0;
  if (age !== null && age > FRESH_SECONDS) return null;
  return c;
}

/** "Ana Ruiz (Riverton, OH) said: …": the name (and team) only as far as this reader may know them. */
export function contributionLine(c) {
  const values = { name: authorName(c), words: excerpt(c.text, EXCERPT_CHARS) };
  if (!isAuthorHidden(c) && c.author.team && c.author.team.name) {
    return interpolate(gettext("%(name)s (%(team)s) said: %(words)s"), { ...values, team: c.author.team.name }, true);
  }
  return interpolate(gettext("%(name)s said: %(words)s"), values, true);
}

/**
 * What a line was made from, to tell later whether the contribution is still
 * held as it was said: its words, who it names (and how), its consent.
 */
export function lineSource(c) {
  return JSON.stringify([c.text, authorName(c), contributionLine(c), isAuthorHidden(c), c.consent ?? null, Boolean(c.purged)]);
}

/** The contribution whose line an event retracts (its words or author changed, or are gone), or null. */
export function retractedBy(frame) {
  if (!RETRACTING_EVENTS.includes(frame.event)) return null;
  const id = frame.contribution_id ?? (frame.contribution && frame.contribution.id);
  return id === null || id === undefined ? null : id;
}

/** What one window of arrivals is said as: the line itself, or how many. */
export function summaryLine(lines) {
  const n = lines.length;
  return n === 1 ? lines[0] : interpolate(ngettext("%(n)s new contribution.", "%(n)s new contributions.", n), { n }, true);
}

export class ContributionLog {
  /**
   * @param {function} getState  the reader's state now: at the end of a window each
   *                             line is made from it, so words withdrawn or a name
   *                             hidden meanwhile are never said
   * @param {number} lineMs      how long a line stays in the region
   */
  constructor(getState, regionId = "contribution-log", windowMs = WINDOW_MS, lineMs = LINE_SECONDS * 1000) {
    this.getState = getState;
    this.regionId = regionId;
    this.windowMs = windowMs;
    this.lineMs = lineMs;
    this.pending = [];
    this.timer = null;
    // The lines in the region, oldest first: {node, sources: Map(id -> lineSource), timer}.
    this.said = [];
  }

  /** An applied event: if it added someone else's words, say so (after the window, with any others). */
  heard(frame, state, secondsSince) {
    const c = newFromOthers(frame, state, secondsSince);
    if (!c) return;
    this.pending.push(c.id);
    if (!this.timer) this.timer = window.setTimeout(() => this.flush(), this.windowMs);
  }

  /** The waiting contributions still shown now. */
  waiting() {
    const state = this.getState();
    if (!state || state.session.state === "closed") return [];
    return this.pending.map((id) => state.contributions.find((c) => c.id === id)).filter((c) => c && !c.purged);
  }

  /** The lines for the waiting contributions still shown now. */
  lines() {
    return this.waiting().map(contributionLine);
  }

  flush() {
    window.clearTimeout(this.timer);
    this.timer = null;
    const shown = this.waiting();
    this.pending = [];
    const region = byId(this.regionId);
    if (!region || !shown.length) return;
    const ids = shown.map((c) => c.id);
    const node = el("p", { dir: "auto", "data-contribution-ids": ids.join(" "), text: summaryLine(shown.map(contributionLine)) });
    region.append(node);
    const line = { node, sources: new Map(shown.map((c) => [c.id, lineSource(c)])), timer: null };
    line.timer = window.setTimeout(() => this.drop(line), this.lineMs);
    this.said.push(line);
    while (this.said.length > KEEP_LINES) this.drop(this.said[0]);
  }

  /** One line leaves the region (quietly: removals are not announced). */
  drop(line) {
    window.clearTimeout(line.timer);
    line.node.remove();
    this.said = this.said.filter((other) => other !== line);
  }

  /** A contribution's words or author changed, or are gone: every line about it leaves at once. */
  retract(contributionId) {
    for (const line of [...this.said]) if (line.sources.has(contributionId)) this.drop(line);
  }

  /**
   * A new `hello` replaced the state: a line stays only while every contribution
   * it is about is still held, shown, with the same words and the same author.
   */
  keepOnlyHeld(state) {
    const held = new Map((state && state.session.state !== "closed" ? state.contributions : []).map((c) => [c.id, c]));
    for (const line of [...this.said]) {
      const same = [...line.sources].every(([id, source]) => held.has(id) && lineSource(held.get(id)) === source);
      if (!same) this.drop(line);
    }
  }

  /** The room shows no words any more: nothing waiting is said, and nothing said stays. */
  clear() {
    window.clearTimeout(this.timer);
    this.timer = null;
    this.pending = [];
    for (const line of this.said) window.clearTimeout(line.timer);
    this.said = [];
    byId(this.regionId)?.replaceChildren();
  }
}

// As a panel of the room (room.js): bound once, never redrawn; lines leave as the words change, and with them.

export function init(ctx) {
  ctx.contributionLog = new ContributionLog(() => ctx.state);
}

/** Nothing to draw: the region is written only as contributions arrive (and pruned), never re-rendered whole. */
export function render() {}

/** An event the room applied: called by room.js after the reducer. */
export function heard(frame, ctx) {
  ctx.contributionLog?.heard(frame, ctx.state, (iso) => ctx.clock.secondsSince(iso));
}

/** An event the room applied, live or replayed: a line whose words or author it changed leaves. */
export function retractFor(frame, ctx) {
  const id = retractedBy(frame);
  if (id !== null) ctx.contributionLog?.retract(id);
}

/** A `hello` replaced the state: lines about words no longer held as they were said leave. */
export function afterHello(state, ctx) {
  ctx.contributionLog?.keepOnlyHeld(state);
}

export function forget(ctx) {
  ctx.contributionLog?.clear();
}
