/**
 * The live room in the browser: the participant's room and, on the console
 * page, the facilitator's controls on top of it.
 *
 * The page arrives with the session's static frame already rendered; this
 * module connects (connection.js), takes the full state from `hello`, applies
 * each event in seq order with the pure reducer (state.js), and asks every
 * panel (ui/*.js) to draw itself: `render(state, ctx)`. What a person types is
 * never lost: drafts go through the outbox, private notes are kept on the
 * device as well as on the server.
 *
 * Who said what is shown only as far as the reader may know it (docs/protocol.md
 * §3): anonymous words reach everyone but their author as "Anonymous", and
 * once the session closes the room shows no words to anyone; the review page
 * is where each person reads their own.
 *
 * Nothing here touches the page when the module is imported: `start()` reads
 * the config and binds the controls, once, when the page runs it.
 */

import { gettext } from "../i18n.js";
import { CLOSE_RIGHTS_CHANGED, RoomConnection } from "./connection.js";
import { applyEvent, applyPresence, currentTurn, forgetWords, stateFromHello } from "./state.js";
import { Announcer, ServerClock, TimerEnds, byId, errorInPlainWords, readConfig, turnKey } from "./dom.js";
import { dismissConfirm } from "./confirm.js";
import { SIGNED_OUT_KEY, STORAGE_PREFIX } from "../storage.js";
import { announcementsFor, snapshot } from "./ui/announcements.js";
import * as agenda from "./ui/agenda.js";
import * as capture from "./ui/capture.js";
import * as commitment from "./ui/commitment.js";
import * as composer from "./ui/composer.js";
import * as consolePanel from "./ui/console.js";
import * as contributionLog from "./ui/contribution_log.js";
import * as contributions from "./ui/contributions.js";
import * as notes from "./ui/notes.js";
import * as notSpoken from "./ui/not_spoken.js";
import * as pauseSignal from "./ui/pause_signal.js";
import * as presence from "./ui/presence.js";
import * as queue from "./ui/queue.js";
import * as reflection from "./ui/reflection.js";
import * as round from "./ui/round.js";
import * as signals from "./ui/signals.js";
import * as status from "./ui/status.js";
import * as themes from "./ui/themes.js";

// Every panel, in the order they are drawn. Each has render(state, ctx); some
// have init(ctx) (bind controls, once), tick(state, ctx) (once a second),
// onAck(sent, ctx), onFrame(frame, ctx) (private and signal frames) and
// forget(ctx, reason) (the room shows no words any more). The facilitator's
// (console, signals, themes, not_spoken) draw only on the console page.
const PANELS = [
  status,
  composer,
  agenda,
  presence,
  round,
  queue,
  reflection,
  notes,
  contributions,
  contributionLog,
  commitment,
  capture,
  pauseSignal,
  consolePanel,
  signals,
  themes,
  notSpoken,
];
const DURABLE_TYPES = ["contribute", "capture", "note_share"];

/** What every panel is handed: the config, the room's helpers and the page's own (not the server's) state. */
export function createContext(config) {
  // Keyed by member as well as session: on a shared laptop, one person's unsent
  // words must never be shown to, or sent as, the next person who signs in.
  // Every key shares STORAGE_PREFIX, so signing out removes them all.
  const localKey = `${config.session_id}.${config.member_id}`;
  const ctx = {
    config,
    // Bounds and the server's choice labels, from the page's config (sessions/limits.py, the models' choices).
    limits: config.limits || {},
    labels: config.labels || {},
    localKey,
    noteKey: `${STORAGE_PREFIX}note.${localKey}`,
    state: null,
    connection: null,
    clock: new ServerClock(),
    announcer: new Announcer(),
    timerEnds: new TimerEnds(),
    errorTargets: new Map(), // client_id -> element that shows that control's errors
    // What this page holds open: a reply, inline forms and their drafts, drawn items.
    ui: { replyTo: null, editing: new Set(), acking: new Set(), drafts: new Map(), itemCache: new Map(), arranged: [] },
    // Why the room shows no words any more: "closed", "refused" (no longer let in),
    // "signed-out" (in another tab); null while it does.
    wordsGone: null,
    rightsChanged: false, // the server closed with 4401; the next hello says so
    /**
     * Whether the member may send this frame type: the server lists them in
     * `hello.you.actions` (docs/protocol.md §8). A control for anything else is
     * not shown, so nobody is offered what would only be refused.
     */
    may(action) {
      return Boolean(ctx.state && ctx.state.you.actions && ctx.state.you.actions.includes(action));
    },
    /** Redraw the contribution list now (its inline forms open and close without a new frame). */
    redrawContributions() {
      if (ctx.state) contributions.render(ctx.state, ctx);
    },
    /** Whether this page runs the room: the console, for a member whose role runs it. */
    runsRoom() {
      return Boolean(config.can_facilitate && ctx.state && ctx.state.you.is_facilitator);
    },
    /** Send an action; its errors appear in `errorEl`, next to the control that caused it. */
    act(frame, errorEl) {
      const target = typeof errorEl === "string" ? byId(errorEl) : errorEl;
      if (target) target.textContent = "";
      const sent = ctx.connection.sendAction(frame);
      if (!sent) {
        if (target) target.textContent = gettext("Not connected to the room right now. Try again once it says Connected.");
        return null;
      }
      if (target) ctx.errorTargets.set(sent.client_id, target);
      return sent;
    },
    /** Send words through the outbox: kept on the device, re-sent with the same client_id until acknowledged. */
    sendDurable(frame, errorEl) {
      // Words carry the language they are written in, their author's page's
      // (docs/languages.md), so other screens can mark them with it. Not a
      // capture: a scribe's page says nothing of the language the speaker spoke.
      const lang = frame.type === "capture" ? frame.lang : frame.lang || document.documentElement.lang;
      const sent = ctx.connection.sendDurable(lang ? { ...frame, lang } : frame);
      const target = typeof errorEl === "string" ? byId(errorEl) : errorEl;
      if (target) {
        target.textContent = "";
        ctx.errorTargets.set(sent.client_id, target);
      }
      return sent;
    },
  };
  return ctx;
}

export class Room {
  constructor(config) {
    this.ctx = createContext(config);
    this.panels = PANELS;
    this.ctx.connection = new RoomConnection({
      url: config.ws_url,
      sessionId: this.ctx.localKey,
      heartbeatSeconds: config.heartbeat_seconds,
      onHello: (frame) => this.onHello(frame),
      onEvent: (frame, info) => this.onEvent(frame, info),
      onAck: (frame, sent) => this.onAck(frame, sent),
      onError: (frame, sent) => this.onError(frame, sent),
      onStatus: (name, detail) => this.onStatus(name, detail),
      onFrame: (frame) => this.onFrame(frame),
      onOutboxChange: () => composer.renderOutbox(this.ctx),
    });
  }

  // For the browser console and for tests (a dropped network, the room's memory).
  get state() {
    return this.ctx.state;
  }

  get connection() {
    return this.ctx.connection;
  }

  start() {
    for (const panel of this.panels) panel.init?.(this.ctx);
    // Signing out in another tab clears this device's drafts (static/js/signout.js): leave with them.
    window.addEventListener("storage", (event) => {
      if (event.key === SIGNED_OUT_KEY && event.newValue !== null) this.signedOutElsewhere();
    });
    this.ctx.connection.start();
    window.setInterval(() => this.tick(), 1000);
  }

  onHello(frame) {
    const ctx = this.ctx;
    ctx.clock.sync(frame.server_time || (frame.state && frame.state.server_time));
    const wasOpen = ctx.state !== null;
    ctx.state = stateFromHello(frame);
    // On arriving, a timer that ran out before this page opened is not news.
    if (!wasOpen) ctx.timerEnds.noteEnded(this.endedTimerKeys());
    if (!wasOpen && !byId("compose-text").value) composer.resetComposeConsent(ctx);
    // What a person may see can change between connections (their rights, a
    // consent switched to anonymous): every contribution is drawn afresh.
    contributions.forgetStale(ctx.state, ctx);
    // Nothing already said stays in the log region unless still held, as it was said.
    contributionLog.afterHello(ctx.state, ctx);
    notes.afterHello(ctx.state, ctx);
    this.renderAll();
    if (ctx.rightsChanged) {
      ctx.rightsChanged = false;
      ctx.announcer.say(gettext("Your rights in this exchange changed. The room now shows what you may see and do."));
    } else if (wasOpen) {
      ctx.announcer.say(gettext("Reconnected. The room is up to date."));
    }
  }

  onEvent(frame, { replayed = false } = {}) {
    const ctx = this.ctx;
    const before = snapshot(ctx.state);
    applyEvent(ctx.state, frame);
    if (frame.event === "contribution_withdrawn" && frame.contribution_id != null) {
      contributions.forgetContribution(ctx, frame.contribution_id);
    }
    // Words withdrawn, redacted or edited, or a name hidden since: no line keeps them (live or replayed).
    contributionLog.retractFor(frame, ctx);
    const clock = ctx.clock;
    const said = announcementsFor(frame, before, ctx.state, {
      secondsUntil: (iso) => clock.secondsUntil(iso),
      announced: (key) => ctx.timerEnds.announced(key),
    });
    for (const [text, options] of said) ctx.announcer.say(text, options);
    // Someone else's new words, in the log region (as this reader may see them); a replay is not news.
    if (!replayed) contributionLog.heard(frame, ctx);
    // Held words go out again once the pause lifts. At close the pause lifts
    // with no event: sent once more, they are answered for good (acked if
    // already stored, else refused as closed), so none linger on the device.
    if (frame.event === "session_resumed" || frame.event === "session_closed") ctx.connection.flushOutbox();
    this.renderAll();
  }

  onAck(frame, sent) {
    this.ctx.errorTargets.delete(frame.client_id);
    if (!sent) return;
    for (const panel of this.panels) panel.onAck?.(sent, this.ctx);
  }

  onError(frame, sent) {
    const ctx = this.ctx;
    let target = (frame.client_id && ctx.errorTargets.get(frame.client_id)) || byId("compose-error");
    if (frame.client_id) ctx.errorTargets.delete(frame.client_id);
    let words = errorInPlainWords(frame);
    const closed = Boolean(ctx.wordsGone) || (ctx.state && ctx.state.session.state === "closed");
    if (closed) {
      // The forms are gone: say it where the person now looks, and never put words back on screen.
      target = byId("closed-status");
      if (sent && DURABLE_TYPES.includes(sent.type) && frame.code === "session_closed") {
        words = gettext("Something you wrote was not shared: the session closed before it reached the room.");
      }
    }
    if (target) target.textContent = words;
    ctx.announcer.say(words);
    composer.onError(frame, sent, ctx, { closed });
  }

  onStatus(name, detail = {}) {
    if (!byId("connection-status")) return;
    if (detail.code === CLOSE_RIGHTS_CHANGED) this.ctx.rightsChanged = true;
    status.renderConnection(name, detail, this.ctx);
    // No longer let in: nothing the room said stays on this screen.
    if (name === "refused" && this.ctx.wordsGone !== "signed-out") this.leaveWords("refused");
  }

  onFrame(frame) {
    if (frame.type === "heartbeat" && frame.server_time) {
      this.ctx.clock.sync(frame.server_time);
      return;
    }
    if (frame.type === "presence") {
      // After close nothing says who is here (a frame may cross the close on its way).
      if (this.ctx.state && this.ctx.state.session.state !== "closed" && Array.isArray(frame.present)) {
        applyPresence(this.ctx.state, frame.present);
        this.renderAll();
      }
      return;
    }
    for (const panel of this.panels) panel.onFrame?.(frame, this.ctx);
  }

  /** Another tab signed out: its sign-out cleared this device; stop, and keep nothing on screen or in memory. */
  signedOutElsewhere() {
    this.ctx.connection.outbox.dropInMemory();
    this.leaveWords("signed-out");
    this.ctx.connection.stop();
    this.onStatus("closed");
    composer.renderOutbox(this.ctx);
  }

  /**
   * The room shows no words any more (closed, or the person is no longer let
   * in): forget every contribution, reply, heard reflection, private note and
   * draft, on screen and in memory, and take away the controls that make them.
   */
  leaveWords(reason) {
    const ctx = this.ctx;
    if (!ctx.wordsGone || reason !== "closed") ctx.wordsGone = reason;
    if (ctx.state) forgetWords(ctx.state);
    dismissConfirm();
    const focusWasInWords = status.focusInWords();
    for (const panel of this.panels) panel.forget?.(ctx, reason);
    status.renderShape(ctx.state, ctx);
    if (focusWasInWords) {
      const heading = reason === "closed" ? byId("closed-heading") : byId("room-title");
      if (heading) {
        heading.tabIndex = -1;
        heading.focus();
      }
    }
  }

  renderAll() {
    const ctx = this.ctx;
    if (!ctx.state) return;
    // After close the live room shows no words to anyone, whatever arrived before.
    if (ctx.state.session.state === "closed" && !ctx.wordsGone) this.leaveWords("closed");
    for (const panel of this.panels) panel.render(ctx.state, ctx);
    this.applyPermissions();
    this.tick();
  }

  /** Show only the controls, server-rendered or not, whose action the member may take. */
  applyPermissions() {
    for (const node of document.querySelectorAll("[data-action]")) {
      node.toggleAttribute("data-not-permitted", !this.ctx.may(node.dataset.action));
    }
  }

  /** Keys of the timers that have already run out, by the server's clock. */
  endedTimerKeys() {
    const { state, clock } = this.ctx;
    const keys = [];
    const turn = currentTurn(state.round);
    if (turn && turn.ends_at && clock.secondsUntil(turn.ends_at) === 0) keys.push(turnKey(turn));
    if (state.reflection && clock.secondsUntil(state.reflection.ends_at) === 0) keys.push(`reflection-${state.reflection.id}`);
    return keys;
  }

  /** Once a second: timers count down from server-held end times, corrected by the server's clock. */
  tick() {
    if (!this.ctx.state) return;
    for (const panel of this.panels) panel.tick?.(this.ctx.state, this.ctx);
  }
}

/** Start the room on this page: read its config, bind the panels, connect. */
export function start() {
  const room = new Room(readConfig());
  room.start();
  // A diagnostic handle for the browser console (and for tests that simulate a dropped network).
  window.commonGroundRoom = room;
  return room;
}

// The page's module script: start once it has loaded (a module runs after the
// document is parsed). Imported without a page (Node's tests), it only defines.
if (globalThis.document) start();
