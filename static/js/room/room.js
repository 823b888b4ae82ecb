/**
 * The live room in the browser: the participant's room and, on the console
 * page, the facilitator's controls on top of it.
 *
 * The page arrives with the session's static frame already rendered; this
 * module connects, takes the full state from `hello`, and from then on redraws
 * from events applied in seq order. What a person types is never lost: drafts
 * go through the outbox, private notes are kept on the device as well as on
 * the server.
 *
 * Who said what is shown only as far as the reader may know it (docs/protocol.md
 * §3): anonymous words reach everyone but their author as "Anonymous", and
 * once the session closes the room shows no words to anyone; the review page
 * is where each person reads their own.
 */

import { CLOSE_RIGHTS_CHANGED, RoomConnection } from "./connection.js";
import {
  applyEvent,
  authorName,
  currentTurn,
  forgetWords,
  isAuthorHidden,
  isOwnContribution,
  stateFromHello,
} from "./state.js";
import {
  Announcer,
  CONSENT_EXPLANATIONS,
  KIND_LABELS,
  OFF_RECORD_MARK,
  ServerClock,
  TimerEnds,
  byId,
  choiceLabels,
  describeMember,
  el,
  errorInPlainWords,
  formatDuration,
  replaceList,
  setText,
  show,
  spokenDuration,
} from "./dom.js";
import { confirmInPage, dismissConfirm } from "./confirm.js";
import { renderConsole, setupConsole } from "./console.js";
import { SIGNED_OUT_KEY, STORAGE_PREFIX } from "../storage.js";

const config = JSON.parse(byId("room-config").textContent);
// Keyed by member as well as session: on a shared laptop, one person's unsent
// words must never be shown to, or sent as, the next person who signs in.
// Every key shares STORAGE_PREFIX, so signing out removes them all.
const LOCAL_KEY = `${config.session_id}.${config.member_id}`;
const NOTE_KEY = `${STORAGE_PREFIX}note.${LOCAL_KEY}`;
// Panels that show or take words. None is shown once the session has closed,
// or once the person is no longer let into the room.
const WORD_PANELS = [
  "round-panel",
  "queue-panel",
  "reflection-panel",
  "contributions-panel",
  "compose-panel",
  "capture-panel",
  "pause-signal-panel",
];
const DURABLE_TYPES = ["contribute", "capture", "note_share"];

class Room {
  constructor() {
    this.config = config;
    this.state = null;
    this.clock = new ServerClock();
    this.announcer = new Announcer();
    this.errorTargets = new Map(); // client_id -> element that shows that control's errors
    this.replyTo = null;
    this.editing = new Set(); // contribution ids whose edit form is open
    this.acking = new Set(); // contribution ids whose "I heard you" form is open
    this.drafts = new Map(); // "edit-17" / "ack-17" -> text typed but not yet sent
    this.itemCache = new Map(); // contribution id -> {signature, node}
    this.timerEnds = new TimerEnds();
    // The server's labels for each consent (sessions/models.py Attribution), as the page renders them.
    this.consentLabels = choiceLabels(byId("compose-attribution"));
    // Why the room shows no words any more: "closed", "refused" (no longer let in),
    // "signed-out" (in another tab); null while it does.
    this.wordsGone = null;
    this.rightsChanged = false; // the server closed with 4401; the next hello says so
    this.connection = new RoomConnection({
      url: config.ws_url,
      sessionId: LOCAL_KEY,
      onHello: (frame) => this.onHello(frame),
      onEvent: (frame) => this.onEvent(frame),
      onAck: (frame, sent) => this.onAck(frame, sent),
      onError: (frame, sent) => this.onError(frame, sent),
      onStatus: (status, detail) => this.onStatus(status, detail),
      onFrame: (frame) => this.onFrame(frame),
      onOutboxChange: () => this.renderOutbox(),
    });
  }

  start() {
    this.bindParticipantControls();
    if (config.can_facilitate) setupConsole(this);
    this.renderComposeConsent();
    this.renderOutbox();
    // Signing out in another tab clears this device's drafts (static/js/signout.js): leave with them.
    window.addEventListener("storage", (event) => {
      if (event.key === SIGNED_OUT_KEY && event.newValue !== null) this.signedOutElsewhere();
    });
    this.connection.start();
    window.setInterval(() => this.tick(), 1000);
    // A diagnostic handle for the browser console (and for tests that simulate a dropped network).
    window.commonGroundRoom = this;
  }

  /**
   * Whether the member may send this frame type: the server lists them in
   * `hello.you.actions` (docs/protocol.md §8). A control for anything else is
   * not shown, so nobody is offered what would only be refused.
   */
  may(action) {
    return Boolean(this.state && this.state.you.actions && this.state.you.actions.includes(action));
  }

  /** Whether this page runs the room: the console, for a member whose role runs it. */
  runsRoom() {
    return Boolean(config.can_facilitate && this.state && this.state.you.is_facilitator);
  }

  /** Show only the controls, server-rendered or not, whose action the member may take. */
  applyPermissions() {
    for (const node of document.querySelectorAll("[data-action]")) {
      node.toggleAttribute("data-not-permitted", !this.may(node.dataset.action));
    }
  }

  // --- Talking to the server ------------------------------------------------------

  /** Send an action; its errors appear in `errorEl`, next to the control that caused it. */
  act(frame, errorEl) {
    const target = typeof errorEl === "string" ? byId(errorEl) : errorEl;
    if (target) target.textContent = "";
    const sent = this.connection.sendAction(frame);
    if (!sent) {
      if (target) target.textContent = "Not connected to the room right now. Try again once it says Connected.";
      return null;
    }
    if (target) this.errorTargets.set(sent.client_id, target);
    return sent;
  }

  sendDurable(frame, errorEl) {
    const sent = this.connection.sendDurable(frame);
    const target = typeof errorEl === "string" ? byId(errorEl) : errorEl;
    if (target) {
      target.textContent = "";
      this.errorTargets.set(sent.client_id, target);
    }
    return sent;
  }

  onHello(frame) {
    this.clock.sync(frame.server_time || (frame.state && frame.state.server_time));
    const wasOpen = this.state !== null;
    this.state = stateFromHello(frame);
    // On arriving, a timer that ran out before this page opened is not news.
    if (!wasOpen) this.timerEnds.noteEnded(this.timerKeys());
    if (!wasOpen && !byId("compose-text").value) this.resetComposeConsent();
    // What a person may see can change between connections (their rights, a
    // consent switched to anonymous): every contribution is drawn afresh.
    this.forgetStaleDrafts();
    const unsavedNote = window.localStorage.getItem(NOTE_KEY);
    if (this.state.session.state === "closed") {
      // Kept privately on the server and forgotten here (leaveWords, from renderAll).
    } else if (unsavedNote !== null && (!this.state.note || this.state.note.text !== unsavedNote)) {
      this.state.note = { text: unsavedNote, updated_at: null };
      window.setTimeout(() => this.saveNote(), 0);
    } else if (unsavedNote !== null) {
      window.localStorage.removeItem(NOTE_KEY);
    }
    const notes = byId("reflection-notes");
    if (this.state.note && notes && document.activeElement !== notes) notes.value = this.state.note.text;
    this.renderAll();
    if (this.rightsChanged) {
      this.rightsChanged = false;
      this.announcer.say("Your rights in this exchange changed. The room now shows what you may see and do.");
    } else if (wasOpen) {
      this.announcer.say("Reconnected. The room is up to date.");
    }
  }

  /** Drop open forms, drafts and drawn items that no longer fit the room (after a fresh hello). */
  forgetStaleDrafts() {
    this.itemCache.clear();
    const me = this.state.you.member_id;
    const present = new Map(this.state.contributions.map((c) => [c.id, c]));
    for (const id of [...this.editing]) {
      const c = present.get(id);
      if (!c || !(isOwnContribution(c, me) || this.capturedBy(c, me))) {
        this.editing.delete(id);
        this.drafts.delete(`edit-${id}`);
      }
    }
    for (const id of [...this.acking]) {
      if (!present.has(id)) {
        this.acking.delete(id);
        this.drafts.delete(`ack-${id}`);
      }
    }
    if (this.replyTo !== null && !present.has(this.replyTo)) this.setReplyTo(null);
  }

  /** Whether the reader captured it as the scribe (they may edit or withdraw it, not set its consent). */
  capturedBy(c, me) {
    return me !== null && me !== undefined && c.captured_by !== null && c.captured_by !== undefined && c.captured_by === me;
  }

  onEvent(frame) {
    const before = this.snapshotForAnnouncements();
    applyEvent(this.state, frame);
    if (frame.event === "contribution_withdrawn" && frame.contribution_id != null) {
      this.forgetContribution(frame.contribution_id);
    }
    this.announceChange(frame, before);
    // Held words go out again once the pause lifts. At close the pause lifts
    // with no event: sent once more, they are answered for good (acked if
    // already stored, else refused as closed), so none linger on the device.
    if (frame.event === "session_resumed" || frame.event === "session_closed") this.connection.flushOutbox();
    this.renderAll();
  }

  /** A withdrawn contribution leaves the screen at once, with any form open on it. */
  forgetContribution(id) {
    this.editing.delete(id);
    this.acking.delete(id);
    this.drafts.delete(`edit-${id}`);
    this.drafts.delete(`ack-${id}`);
    this.itemCache.delete(id);
    if (this.replyTo === id) {
      this.setReplyTo(null, { focus: false });
      this.announcer.say("The contribution you were replying to was withdrawn. Your words are kept as a new point.");
    }
  }

  onAck(frame, sent) {
    this.errorTargets.delete(frame.client_id);
    if (!sent) return;
    if (sent.type === "note_save") {
      if (window.localStorage.getItem(NOTE_KEY) === sent.text) window.localStorage.removeItem(NOTE_KEY);
    } else if (sent.type === "commitment_set") {
      setText("commitment-status", "Your commitment is recorded. You can change it until the window closes.");
      this.announcer.say("Your commitment is recorded.");
    } else if (sent.type === "pause_request") {
      setText("pause-signal-status", "The facilitators have been told, privately.");
    } else if (sent.type === "note_share") {
      if (!this.wordsGone) this.announcer.say("Your note is shared into the room.");
    } else if (sent.type === "acknowledge") {
      this.acking.delete(sent.contribution_id);
      this.drafts.delete(`ack-${sent.contribution_id}`);
      this.renderContributions();
    } else if (sent.type === "contribution_edit") {
      this.editing.delete(sent.contribution_id);
      this.drafts.delete(`edit-${sent.contribution_id}`);
      this.renderContributions();
    }
  }

  onError(frame, sent) {
    let target = (frame.client_id && this.errorTargets.get(frame.client_id)) || byId("compose-error");
    if (frame.client_id) this.errorTargets.delete(frame.client_id);
    let words = errorInPlainWords(frame);
    const closed = Boolean(this.wordsGone) || (this.state && this.state.session.state === "closed");
    if (closed) {
      // The forms are gone: say it where the person now looks, and never put words back on screen.
      target = byId("closed-status");
      if (sent && DURABLE_TYPES.includes(sent.type) && frame.code === "session_closed") {
        words = "Something you wrote was not shared: the session closed before it reached the room.";
      }
    }
    if (target) target.textContent = words;
    this.announcer.say(words);
    // A durable contribution the server refused for good comes back to the form, so nothing is lost.
    const held = ["paused", "rate_limited", "unavailable"].includes(frame.code);
    if (sent && sent.type === "contribute" && !held && !closed) {
      const box = byId("compose-text");
      if (box && !box.value.trim()) {
        box.value = sent.text;
        this.updateCounter();
      }
    }
  }

  onStatus(status, detail = {}) {
    const node = byId("connection-status");
    if (!node) return;
    if (detail.code === CLOSE_RIGHTS_CHANGED) this.rightsChanged = true;
    node.dataset.status = status;
    if (this.wordsGone === "signed-out") {
      node.dataset.status = "refused";
      node.textContent = "You signed out in another tab. Sign in again to return to the room.";
    } else if (status === "open") node.textContent = "Connected";
    else if (status === "connecting") node.textContent = "Connecting to the room…";
    else if (status === "reconnecting" && this.rightsChanged) {
      node.textContent = "Your rights in this exchange changed. Reconnecting with them…";
    } else if (status === "reconnecting") {
      node.textContent = "Reconnecting… anything you write is kept and sent when the room is back.";
    } else if (status === "refused") {
      node.textContent =
        detail.code === 4404
          ? "This session no longer exists."
          : "You are not allowed in this room: you are not signed in as a member of this exchange. Sign in again to join the room.";
      // No longer let in: nothing the room said stays on this screen.
      this.leaveWords("refused");
    } else node.textContent = "Disconnected.";
    document.body.classList.toggle("room-offline", status !== "open");
  }

  /** Another tab signed out: its sign-out cleared this device; stop, and keep nothing on screen or in memory. */
  signedOutElsewhere() {
    this.connection.outbox.dropInMemory();
    this.leaveWords("signed-out");
    this.connection.stop();
    this.onStatus("closed");
    this.renderOutbox();
  }

  /**
   * The room shows no words any more (closed, or the person is no longer let
   * in): forget every contribution, reply, heard reflection, private note and
   * draft, on screen and in memory, and take away the controls that make them.
   */
  leaveWords(reason) {
    if (!this.wordsGone || reason !== "closed") this.wordsGone = reason;
    if (this.state) forgetWords(this.state);
    dismissConfirm();
    const focusWasInWords = WORD_PANELS.some((id) => byId(id)?.contains(document.activeElement));
    this.editing.clear();
    this.acking.clear();
    this.drafts.clear();
    this.itemCache.clear();
    this.setReplyTo(null, { focus: false });
    byId("contribution-list").replaceChildren();
    for (const id of ["compose-text", "reflection-notes", "capture-text"]) {
      const box = byId(id);
      if (box) box.value = "";
    }
    setText("compose-reply-author", "");
    setText("compose-reply-excerpt", "");
    this.closeNoteShare({ focus: false });
    if (reason === "closed") {
      // The note as last saved stays, privately, on the server (a closed session
      // takes no more notes: its off-the-record words were erased from them at
      // the close); the device forgets it and never shows it here again.
      try {
        window.localStorage.removeItem(NOTE_KEY);
      } catch {
        // Storage disabled: nothing was kept there.
      }
    }
    // Refused (a lapsed sign-in, say): the device keeps an unsaved note for the
    // next time this person is let in; signing out removes it (signout.js).
    this.renderRoomShape();
    if (focusWasInWords) {
      const heading = reason === "closed" ? byId("closed-heading") : byId("room-title");
      if (heading) {
        heading.tabIndex = -1;
        heading.focus();
      }
    }
  }

  /** Hide what shows or takes words once there are none to show; point to the review page after close. */
  renderRoomShape() {
    const gone = Boolean(this.wordsGone);
    if (gone) for (const id of WORD_PANELS) show(id, false);
    show("closed-panel", this.wordsGone === "closed");
    const archiveUrl = this.state && this.state.session.archive_url;
    if (archiveUrl) byId("closed-review-link").href = archiveUrl;
  }

  onFrame(frame) {
    if (frame.type === "heartbeat" && frame.server_time) {
      this.clock.sync(frame.server_time);
    } else if (frame.type === "private") {
      if (frame.kind === "note" && this.state && !this.wordsGone && this.state.session.state !== "closed") {
        this.state.note = frame.note;
        const box = byId("reflection-notes");
        if (box && document.activeElement !== box && frame.note && !box.value) box.value = frame.note.text;
      } else if (frame.kind === "commitment" && this.state) {
        this.state.commitment = frame.commitment;
        this.renderClosing();
      }
    } else if (frame.type === "signal" && this.state) {
      if (frame.kind === "pause_request") {
        if (!this.state.signals.some((s) => s.id === frame.signal.id)) this.state.signals.push(frame.signal);
        this.announcer.say(`${frame.signal.member.display_name} has asked, privately, for a pause.`, { urgent: true });
      } else if (frame.kind === "signal_dismissed") {
        this.state.signals = this.state.signals.filter((s) => s.id !== frame.signal_id);
      }
      renderConsole(this);
    }
  }

  // --- Announcements ----------------------------------------------------------------

  snapshotForAnnouncements() {
    const turn = currentTurn(this.state.round);
    return {
      turnId: turn ? turn.id : null,
      phaseId: this.state.currentPhase ? this.state.currentPhase.id : null,
      reflectionId: this.state.reflection ? this.state.reflection.id : null,
      paused: this.state.session.paused,
      sessionState: this.state.session.state,
      queueCurrentId: this.state.queueCurrent ? this.state.queueCurrent.id : null,
    };
  }

  announceChange(frame, before) {
    const s = this.state;
    const me = s.you.member_id;
    const turn = currentTurn(s.round);
    if (frame.event === "round_started") this.announcer.say("A go-around has started.");
    if (turn && turn.id !== before.turnId) {
      if (turn.member.id === me) {
        this.announcer.say("Your turn. When you have finished, choose I'm done, or Pass.", { urgent: true });
      } else {
        this.announcer.say(`It is now ${turn.member.display_name}'s turn.`);
      }
    }
    if (frame.event === "round_ended") this.announcer.say("The go-around has ended.");
    const phaseId = s.currentPhase ? s.currentPhase.id : null;
    if (phaseId !== before.phaseId && s.currentPhase) this.announcer.say(`Now: ${s.currentPhase.title}.`);
    if (frame.event === "reflection_started") {
      const secs = this.clock.secondsUntil(s.reflection.ends_at);
      this.announcer.say(`Quiet reflection has begun, for ${spokenDuration(secs || 0)}. Your notes are private.`);
    }
    if (frame.event === "reflection_ended" && !this.timerEnds.announced(`reflection-${frame.reflection_id}`)) {
      this.announcer.say("Quiet reflection has ended.");
    }
    if (frame.event === "session_paused") this.announcer.say("The room is paused.", { urgent: true });
    if (frame.event === "session_resumed") this.announcer.say("The room has resumed.");
    if (frame.event === "session_opened") this.announcer.say("The session is open.");
    if (frame.event === "session_closed") {
      this.announcer.say(
        "The session has closed. The words shared here are now only on the review page. What will you try at home before we meet again?",
      );
    }
    if (frame.event === "queue_called" && frame.entry) {
      const who = frame.entry.member.id === me ? "You have" : `${frame.entry.member.display_name} has`;
      this.announcer.say(`${who} the floor.`, { urgent: frame.entry.member.id === me });
    }
  }

  // --- Participant controls -----------------------------------------------------

  bindParticipantControls() {
    const compose = byId("compose-form");
    const text = byId("compose-text");
    text.addEventListener("input", () => this.updateCounter());
    compose.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submitContribution();
    });
    byId("compose-attribution").addEventListener("change", () => this.renderComposeConsent());
    byId("compose-reply-cancel").addEventListener("click", () => this.setReplyTo(null));

    byId("raise-new").addEventListener("click", () => this.act({ type: "hand_raise", kind: "new_point" }, "hand-error"));
    byId("raise-reply").addEventListener("click", () =>
      this.act({ type: "hand_raise", kind: "direct_reply", reply_to: this.replyTo }, "hand-error"),
    );
    byId("lower-hand").addEventListener("click", () => this.act({ type: "hand_lower" }, "hand-error"));
    byId("turn-done").addEventListener("click", () => this.act({ type: "turn_done" }, "turn-error"));
    byId("turn-pass").addEventListener("click", () => this.act({ type: "turn_pass" }, "turn-error"));

    const notes = byId("reflection-notes");
    notes.value = window.localStorage.getItem(NOTE_KEY) || "";
    let noteTimer = null;
    notes.addEventListener("input", () => {
      if (this.wordsGone) return;
      // Kept on the device only until the server holds it: private notes should not linger in the browser.
      window.localStorage.setItem(NOTE_KEY, notes.value);
      window.clearTimeout(noteTimer);
      noteTimer = window.setTimeout(() => this.saveNote(), 1500);
    });
    // Sharing a note asks how it may be attributed, there and then (never the composer's menu).
    byId("reflection-share").addEventListener("click", () => {
      if (byId("note-share-step").hidden) this.openNoteShare();
      else this.closeNoteShare();
    });
    byId("note-share-confirm").addEventListener("click", () => this.shareNote());
    byId("note-share-cancel").addEventListener("click", () => this.closeNoteShare());
    byId("note-share-step").addEventListener("change", () => this.renderNoteConsent());
    closeOnEscape(byId("note-share-step"), () => this.closeNoteShare());

    byId("pause-signal").addEventListener("click", () => {
      setText("pause-signal-status", "");
      this.act({ type: "pause_request" }, "pause-signal-error");
    });

    byId("commitment-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const value = byId("commitment-text").value.trim();
      setText("commitment-status", "");
      if (!value) {
        setText("commitment-error", "Write what you will try first.");
        return;
      }
      this.act({ type: "commitment_set", text: value }, "commitment-error");
    });

    const capture = byId("capture-form");
    if (capture) {
      capture.addEventListener("submit", (event) => {
        event.preventDefault();
        const speaker = byId("capture-speaker").value;
        const words = byId("capture-text").value.trim();
        if (!speaker || !words) {
          setText("capture-error", "Choose who spoke and write what they said.");
          return;
        }
        this.sendDurable(
          { type: "capture", speaker_member_id: Number(speaker), text: words, kind: "story", reply_to: null, consent: null },
          "capture-error",
        );
        byId("capture-text").value = "";
        this.announcer.say("Captured.");
      });
    }
  }

  /** Save the private note; offline, it simply waits on the device for the next connection. */
  saveNote() {
    if (this.wordsGone) return;
    const text = byId("reflection-notes").value;
    this.connection.sendAction({ type: "note_save", text });
  }

  /** The session's attribution default: what the composer and the note-share choice start from. */
  defaultConsent() {
    const fromServer = this.state && this.state.session.attribution_default;
    return fromServer || byId("compose-attribution").dataset.default || config.attribution_default || "named";
  }

  consentLabel(consent) {
    return this.consentLabels.get(consent) || consent;
  }

  /** Back to the session's default, so the next words never go off the record (or unnamed) by accident. */
  resetComposeConsent() {
    const select = byId("compose-attribution");
    const value = this.defaultConsent();
    if ([...select.options].some((o) => o.value === value)) select.value = value;
    this.renderComposeConsent();
  }

  /**
   * Say, next to the menu, what others will see under the chosen consent (a
   * polite live region, changed only when the choice does), and mark a draft
   * going off the record on the text box itself.
   */
  renderComposeConsent() {
    const consent = byId("compose-attribution").value;
    setText("compose-consent-explain", CONSENT_EXPLANATIONS[consent] || "");
    const offRecord = consent === "off_record";
    show("compose-offrecord-mark", offRecord);
    const box = byId("compose-text");
    box.classList.toggle("off-record-draft", offRecord);
    box.placeholder = offRecord ? OFF_RECORD_MARK : "";
    // A hidden description would still be read: it joins only while it shows.
    box.setAttribute("aria-describedby", `${offRecord ? "compose-offrecord-mark " : ""}compose-counter compose-error`);
    byId("compose-panel").classList.toggle("composing-off-record", offRecord);
  }

  openNoteShare() {
    const notes = byId("reflection-notes");
    setText("reflection-error", "");
    if (!notes.value.trim()) {
      setText("reflection-error", "Write something in your notes first.");
      notes.focus();
      return;
    }
    const step = byId("note-share-step");
    const choice = this.defaultConsent();
    let checked = null;
    for (const radio of step.querySelectorAll("input[name=note-consent]")) {
      radio.checked = radio.value === choice;
      if (radio.checked) checked = radio;
    }
    step.hidden = false;
    byId("reflection-share").setAttribute("aria-expanded", "true");
    this.renderNoteConsent();
    (checked || step.querySelector("input[name=note-consent]"))?.focus();
  }

  closeNoteShare({ focus = true } = {}) {
    const step = byId("note-share-step");
    if (!step || step.hidden) return;
    const hadFocus = step.contains(document.activeElement);
    step.hidden = true;
    byId("reflection-share").setAttribute("aria-expanded", "false");
    if (focus && hadFocus) byId("reflection-share").focus();
  }

  renderNoteConsent() {
    const chosen = byId("note-share-step").querySelector("input[name=note-consent]:checked");
    setText("note-consent-explain", chosen ? CONSENT_EXPLANATIONS[chosen.value] || "" : "");
  }

  shareNote() {
    const value = byId("reflection-notes").value.trim();
    const chosen = byId("note-share-step").querySelector("input[name=note-consent]:checked");
    if (!value) {
      setText("reflection-error", "Write something in your notes first.");
      return;
    }
    if (!chosen) {
      setText("reflection-error", "Choose how your note may be attributed.");
      return;
    }
    this.sendDurable({ type: "note_share", text: value, consent: chosen.value }, "reflection-error");
    this.closeNoteShare();
    byId("reflection-share").focus();
  }

  updateCounter() {
    const box = byId("compose-text");
    const used = box.value.length;
    const counter = byId("compose-counter");
    counter.textContent = `${used} of ${config.max_length} characters`;
    counter.classList.toggle("flag", used > config.max_length - 200);
    if (used === config.max_length) this.announcer.say("You have reached the 4000-character limit.");
  }

  async submitContribution() {
    const box = byId("compose-text");
    const value = box.value.trim();
    setText("compose-error", "");
    if (!value) {
      setText("compose-error", "Write something before sharing.");
      box.focus();
      return;
    }
    if (value.length > config.max_length) {
      setText("compose-error", `At most ${config.max_length} characters.`);
      return;
    }
    const consent = byId("compose-attribution").value;
    if (consent === "off_record") {
      // Once per send: off the record is a knowing choice, never a leftover.
      const yes = await confirmInPage({
        title: "Share this off the record?",
        text: `${CONSENT_EXPLANATIONS.off_record} Nobody can quote it from the archive.`,
        confirmLabel: "Share off the record",
        cancelLabel: "Go back",
        focus: "confirm",
      });
      if (!yes) return;
      // The room may have closed while the question was open.
      if (this.wordsGone || !box.value.trim() || byId("compose-attribution").value !== "off_record") return;
    }
    this.sendDurable(
      {
        type: "contribute",
        text: box.value.trim(),
        kind: byId("compose-kind").value,
        consent,
        reply_to: this.replyTo,
      },
      "compose-error",
    );
    box.value = "";
    this.updateCounter();
    this.setReplyTo(null, { focus: false });
    this.resetComposeConsent();
    if (!this.connection.isOpen()) {
      this.announcer.say("Not connected: your contribution is kept on this device and will be sent when the room is back.");
    }
  }

  setReplyTo(contributionId, { focus = true } = {}) {
    this.replyTo = contributionId;
    const box = byId("compose-reply");
    if (contributionId === null || !this.state) {
      box.hidden = true;
      return;
    }
    this.renderComposeReply();
    byId("compose-kind").value = "response";
    box.hidden = false;
    if (focus) byId("compose-text").focus();
  }

  /** "In reply to …": kept current, so a name hidden since (anonymous) is hidden here too. */
  renderComposeReply() {
    if (this.replyTo === null || !this.state) return;
    const parent = this.state.contributions.find((c) => c.id === this.replyTo);
    setText("compose-reply-author", parent ? authorName(parent) : "a contribution");
    setText("compose-reply-excerpt", parent ? excerpt(parent.text) : "");
  }

  // --- Rendering ------------------------------------------------------------------

  renderAll() {
    if (!this.state) return;
    // After close the live room shows no words to anyone, whatever arrived before.
    if (this.state.session.state === "closed" && !this.wordsGone) this.leaveWords("closed");
    this.renderRoomShape();
    this.renderComposeReply();
    this.renderSessionState();
    this.renderPhases();
    this.renderPresence();
    this.renderRound();
    this.renderQueue();
    this.renderReflection();
    this.renderContributions();
    this.renderClosing();
    this.renderCapture();
    renderConsole(this);
    this.applyPermissions();
    this.tick();
  }

  renderSessionState() {
    const s = this.state.session;
    const badge = byId("room-state");
    badge.dataset.state = s.state;
    const words = { scheduled: "not yet open", open: "open", closed: "closed" }[s.state] || s.state;
    badge.textContent = `Session ${words}${s.paused ? " · paused" : ""}`;
    show("pause-banner", Boolean(s.paused) && s.state === "open");
    document.body.classList.toggle("room-paused", Boolean(s.paused));
    const note =
      s.state === "closed"
        ? "The session has closed; contributions are no longer taken."
        : s.state === "scheduled"
          ? "The session has not opened yet. You can draft here and share once it opens."
          : s.paused
            ? "The room is paused: what you share now is held and sent when the facilitator resumes."
            : "";
    setText("compose-note", note);
  }

  renderPhases() {
    const current = this.state.session.state === "closed" ? null : this.state.currentPhase;
    for (const item of document.querySelectorAll("#phase-list li[data-phase-id]")) {
      const isNow = current && Number(item.dataset.phaseId) === current.id;
      item.classList.toggle("phase-current", Boolean(isNow));
      if (isNow) item.setAttribute("aria-current", "step");
      else item.removeAttribute("aria-current");
      const badge = item.querySelector(".phase-now");
      if (badge) badge.hidden = !isNow;
    }
  }

  renderPresence() {
    const me = this.state.you.member_id;
    const items = this.state.present.map((m) =>
      el(
        "li",
        {},
        el("span", { className: "person-name", text: m.display_name }),
        m.id === me ? el("span", { className: "muted", text: " (you)" }) : null,
        el("span", { className: "muted", text: ` · ${describeMember(m)}` }),
      ),
    );
    if (!items.length) items.push(el("li", { className: "muted", text: "No one is connected yet." }));
    replaceList(byId("presence-list"), items);
  }

  renderRound() {
    const round = this.state.round;
    const me = this.state.you.member_id;
    const turn = currentTurn(round);
    const mine = Boolean(turn && turn.member.id === me);
    const controls = byId("my-turn-controls");
    const hadFocus = controls.contains(document.activeElement);
    show("my-turn-controls", mine);
    if (hadFocus && !mine) focusQuietly(byId("round-status"));
    show("turn-timer", Boolean(turn && turn.ends_at));
    byId("round-panel").classList.toggle("my-turn", mine);
    if (!round) {
      setText("round-status", "No go-around under way.");
      replaceList(byId("round-order"), []);
      return;
    }
    const total = round.turns.length;
    if (turn) {
      setText(
        "round-status",
        mine ? `Your turn (${turn.position} of ${total}).` : `It is ${turn.member.display_name}'s turn (${turn.position} of ${total}).`,
      );
    } else {
      setText("round-status", "The go-around is finishing.");
    }
    const statusWords = { pending: "waiting", current: "speaking now", spoke: "spoke", passed: "passed", skipped: "skipped" };
    const items = round.turns.map((t) =>
      el(
        "li",
        { className: `turn turn-${t.status}`, "aria-current": t.status === "current" ? "true" : null },
        el("span", { className: "person-name", text: t.member.display_name }),
        t.member.id === me ? " (you)" : "",
        el("span", { className: "badge", text: statusWords[t.status] || t.status }),
      ),
    );
    replaceList(byId("round-order"), items);
  }

  renderQueue() {
    const me = this.state.you.member_id;
    const queue = this.state.queue;
    const mine = queue.some((e) => e.member.id === me);
    const handControls = byId("hand-controls");
    const focusedId = handControls.contains(document.activeElement) ? document.activeElement.id : null;
    show("lower-hand", mine);
    show("raise-new", !mine);
    show("raise-reply", !mine);
    // The button just pressed has gone; keep the keyboard on its counterpart.
    if (focusedId && byId(focusedId).hidden) byId(mine ? "lower-hand" : "raise-new").focus();
    show("queue-empty", queue.length === 0);
    const facilitating = this.runsRoom() && this.may("queue_reorder");
    const items = [];
    const current = this.state.queueCurrent;
    if (current && current.status === "called") {
      items.push(
        el(
          "li",
          { className: "queue-called", "aria-current": "true" },
          el("span", { className: "badge", text: "Has the floor" }),
          " ",
          el("span", { className: "person-name", text: current.member.display_name }),
        ),
      );
    }
    queue.forEach((entry, index) => {
      const li = el(
        "li",
        { className: "queue-entry" },
        el("span", { className: "person-name", text: entry.member.display_name }),
        entry.member.id === me ? " (you)" : "",
        " ",
        el("span", { className: "badge", text: entry.kind === "direct_reply" ? "Direct reply" : "New point" }),
      );
      if (facilitating) {
        const name = entry.member.display_name;
        li.append(
          el("button", {
            type: "button",
            className: "button secondary small",
            text: "Move up",
            "aria-label": `Move ${name} up`,
            disabled: index === 0,
            dataset: { focusKey: `up-${entry.id}` },
            onclick: () => this.moveQueueEntry(entry.id, -1),
          }),
          el("button", {
            type: "button",
            className: "button secondary small",
            text: "Move down",
            "aria-label": `Move ${name} down`,
            disabled: index === queue.length - 1,
            dataset: { focusKey: `down-${entry.id}` },
            onclick: () => this.moveQueueEntry(entry.id, 1),
          }),
          el("button", {
            type: "button",
            className: "button secondary small",
            text: "Lower hand",
            "aria-label": `Lower ${name}'s hand`,
            dataset: { focusKey: `lower-${entry.id}` },
            onclick: () => this.act({ type: "hand_lower", entry_id: entry.id }, "queue-console-error"),
          }),
        );
      }
      items.push(li);
    });
    replaceList(byId("queue-list"), items);
  }

  moveQueueEntry(entryId, delta) {
    const order = this.state.queue.map((e) => e.id);
    const index = order.indexOf(entryId);
    const target = index + delta;
    if (index < 0 || target < 0 || target >= order.length) return;
    [order[index], order[target]] = [order[target], order[index]];
    this.act({ type: "queue_reorder", order }, "queue-console-error");
  }

  renderReflection() {
    const reflection = this.state.reflection;
    const panel = byId("reflection-panel");
    const wasHidden = panel.hidden;
    panel.hidden = !reflection || Boolean(this.wordsGone);
    panel.classList.toggle("reflection-active", Boolean(reflection));
    if (panel.hidden) this.closeNoteShare({ focus: false });
    if (reflection && wasHidden && this.state.note && !this.wordsGone && !byId("reflection-notes").value) {
      byId("reflection-notes").value = this.state.note.text;
    }
  }

  /**
   * Redraw only the contributions that changed. Unchanged items keep their DOM
   * nodes, so a screen reader's place, keyboard focus and half-typed edits are
   * not disturbed by someone else's words arriving.
   */
  renderContributions() {
    const s = this.state;
    const me = s.you.member_id;
    const themeNames = new Map(s.themes.map((t) => [t.id, t.name]));
    const byIdMap = new Map(s.contributions.map((c) => [c.id, c]));
    const list = byId("contribution-list");
    const seen = new Set();
    const nodes = s.contributions.map((c) => {
      seen.add(c.id);
      const parent = c.reply_to ? byIdMap.get(c.reply_to) : null;
      const signature = JSON.stringify([
        c,
        parent ? [authorName(parent), parent.text] : null,
        this.editing.has(c.id),
        this.acking.has(c.id),
        s.session.state,
        s.themes,
        (s.ackReflections[c.id] || []).length,
        s.you.actions,
        this.runsRoom(),
      ]);
      const cached = this.itemCache.get(c.id);
      if (cached && cached.signature === signature) return cached.node;
      const node = this.contributionItem(c, { me, themeNames, byIdMap });
      if (cached) this.carryError(cached.node, node);
      this.itemCache.set(c.id, { signature, node });
      return node;
    });
    for (const id of [...this.itemCache.keys()]) if (!seen.has(id)) this.itemCache.delete(id);

    const active = document.activeElement;
    const focusKey = active && list.contains(active) ? active.dataset.focusKey : null;
    nodes.forEach((node, index) => {
      if (list.children[index] !== node) list.insertBefore(node, list.children[index] || null);
    });
    while (list.children.length > nodes.length) list.lastElementChild.remove();
    if (focusKey && !list.contains(document.activeElement)) {
      const again = list.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
      if (again) again.focus();
      else byId("contributions-heading").focus();
    }
    show("contributions-empty", nodes.length === 0);
  }

  /** Keep an error shown under a contribution when that contribution is redrawn. */
  carryError(oldNode, newNode) {
    const before = oldNode.querySelector(":scope > .control-error");
    const after = newNode.querySelector(":scope > .control-error");
    if (!before || !after) return;
    after.textContent = before.textContent;
    for (const [clientId, target] of this.errorTargets) {
      if (target === before) this.errorTargets.set(clientId, after);
    }
  }

  contributionItem(c, { me, themeNames, byIdMap }) {
    // Who wrote it, only as far as this reader may know: anonymous words show
    // "Anonymous", no role or team, and are never treated as the reader's own.
    const hidden = isAuthorHidden(c);
    const name = authorName(c);
    const mine = isOwnContribution(c, me);
    const captured = !mine && this.capturedBy(c, me);
    const open = this.state.session.state === "open";
    const li = el("li", { className: `contribution${c.reply_to ? " is-reply" : ""}`, id: `contribution-${c.id}` });
    const header = el(
      "p",
      { className: "contribution-meta" },
      el("strong", { text: name }),
      !hidden ? el("span", { className: "muted", text: ` · ${describeMember(c.author)}` }) : null,
      mine && c.consent === "anonymous" ? el("span", { className: "muted", text: " · yours; everyone else sees “Anonymous”" }) : null,
      " ",
      el("span", { className: "badge", text: KIND_LABELS[c.kind] || c.kind }),
      " ",
      el("span", { className: `badge consent consent-${c.consent}`, text: this.consentLabel(c.consent) }),
      c.captured_by ? el("span", { className: "muted", text: captured ? " · captured by you" : " · captured by the scribe" }) : null,
      c.edited_at ? el("span", { className: "muted", text: " · edited" }) : null,
    );
    li.append(header);
    if (c.reply_to) {
      const parent = byIdMap.get(c.reply_to);
      li.append(
        el(
          "p",
          { className: "in-reply-to muted" },
          "In reply to ",
          parent
            ? el("a", { href: `#contribution-${parent.id}`, text: `${authorName(parent)}: “${excerpt(parent.text)}”` })
            : "a contribution that was withdrawn",
        ),
      );
    }
    if (this.editing.has(c.id)) {
      li.append(this.editForm(c, { mine }));
    } else {
      li.append(el("p", { className: "contribution-text", text: c.purged ? "(off the record: not kept)" : c.text }));
    }
    const themes = (c.themes || []).map((id) => themeNames.get(id)).filter(Boolean);
    if (themes.length) {
      li.append(
        el("p", { className: "contribution-themes" }, "Themes: ", ...themes.map((theme) => el("span", { className: "badge theme", text: theme }))),
      );
    }
    const reflections = this.state.ackReflections[c.id] || [];
    li.append(
      el("p", { className: "muted acks" }, `Heard by ${c.acks} ${c.acks === 1 ? "person" : "people"}`, c.acked_by_me ? ", including you" : ""),
    );
    if (reflections.length) {
      li.append(
        el(
          "ul",
          { className: "ack-reflections", "aria-label": "What people heard" },
          reflections.map((r) => el("li", {}, el("strong", { text: r.display_name }), ": ", el("span", { text: r.reflection }))),
        ),
      );
    }
    const actions = el("div", { className: "button-row contribution-actions" });
    const errorId = `contribution-error-${c.id}`;
    if (open) {
      if (this.may("contribute")) {
        actions.append(
          el("button", {
            type: "button",
            className: "button secondary small",
            text: "Reply",
            "aria-label": `Reply to ${name}`,
            dataset: { focusKey: `reply-${c.id}` },
            onclick: () => this.setReplyTo(c.id),
          }),
        );
      }
      if (!mine && !c.acked_by_me && !this.acking.has(c.id) && this.may("acknowledge")) {
        actions.append(
          el("button", {
            type: "button",
            className: "button secondary small",
            text: "I heard you",
            "aria-label": `I heard you, ${name}`,
            dataset: { focusKey: `ack-${c.id}` },
            onclick: () => {
              this.acking.add(c.id);
              this.renderContributions();
              byId(`ack-reflection-${c.id}`)?.focus();
            },
          }),
        );
      }
      // The speaker edits and withdraws their own words; so may the scribe who captured them.
      const whose = mine ? "your contribution" : "the words you captured";
      if ((mine || captured) && !c.purged && !this.editing.has(c.id) && this.may("contribution_edit")) {
        actions.append(
          el("button", {
            type: "button",
            className: "button secondary small",
            text: "Edit",
            "aria-label": `Edit ${whose}`,
            dataset: { focusKey: `edit-${c.id}` },
            onclick: () => {
              this.editing.add(c.id);
              this.renderContributions();
              byId(`edit-text-${c.id}`)?.focus();
            },
          }),
        );
      }
      if ((mine || captured) && this.may("contribution_withdraw")) {
        actions.append(
          el("button", {
            type: "button",
            className: "button danger small",
            text: "Withdraw",
            "aria-label": `Withdraw ${whose}`,
            dataset: { focusKey: `withdraw-${c.id}` },
            onclick: () => this.withdraw(c, errorId, { title: `Withdraw ${whose}?`, confirmLabel: "Withdraw" }),
          }),
        );
      }
      // A facilitator may remove anyone's words, by id, without learning whose they are.
      if (this.runsRoom() && this.may("contribution_withdraw") && !mine && !captured) {
        actions.append(
          el("button", {
            type: "button",
            className: "button danger small",
            text: "Remove",
            "aria-label": hidden ? "Remove this anonymous contribution" : `Remove ${name}'s contribution`,
            dataset: { focusKey: `remove-${c.id}` },
            onclick: () => this.withdraw(c, errorId, { title: "Remove this contribution from the room?", confirmLabel: "Remove" }),
          }),
        );
      }
    }
    li.append(actions);
    if (this.acking.has(c.id)) li.append(this.ackForm(c, errorId));
    if (mine && open && !c.purged && this.may("consent_set")) li.append(this.consentForm(c, errorId));
    if (this.runsRoom()) li.append(...this.themeControls(c, errorId));
    li.append(el("p", { className: "control-error", id: errorId }));
    return li;
  }

  /** Withdrawing removes words from every screen at once: asked once, inside the page. */
  async withdraw(c, errorId, { title, confirmLabel }) {
    const yes = await confirmInPage({
      title,
      text: "It is removed from everyone's screen at once, erased when the session closes, and never archived. Replies to it stay.",
      confirmLabel,
      cancelLabel: "Keep it",
      danger: true,
      focus: "cancel",
    });
    if (yes) this.act({ type: "contribution_withdraw", contribution_id: c.id }, errorId);
  }

  /**
   * Close a contribution's inline edit or "I heard you" form, dropping its
   * draft, and put the keyboard back on the button that opened it.
   */
  closeInlineForm(openSet, contributionId, kind) {
    openSet.delete(contributionId);
    this.drafts.delete(`${kind}-${contributionId}`);
    this.renderContributions();
    const opener = byId(`contribution-${contributionId}`)?.querySelector(`[data-focus-key="${kind}-${contributionId}"]`);
    if (opener) opener.focus();
  }

  editForm(c, { mine = true } = {}) {
    const errorId = `contribution-error-${c.id}`;
    const label = mine ? "Edit your contribution" : "Edit the words you captured";
    const form = el("form", { className: "stack-form inline-edit" });
    const draftKey = `edit-${c.id}`;
    const area = el("textarea", {
      id: `edit-text-${c.id}`,
      rows: 4,
      maxlength: config.max_length,
      dataset: { focusKey: `edit-text-${c.id}` },
    });
    area.value = this.drafts.has(draftKey) ? this.drafts.get(draftKey) : c.text;
    area.addEventListener("input", () => this.drafts.set(draftKey, area.value));
    form.append(
      el("label", { for: `edit-text-${c.id}`, text: label }),
      area,
      el(
        "div",
        { className: "button-row" },
        el("button", { type: "submit", className: "button small", text: "Save edit" }),
        el("button", {
          type: "button",
          className: "button secondary small",
          text: "Cancel",
          onclick: () => this.closeInlineForm(this.editing, c.id, "edit"),
        }),
      ),
    );
    closeOnEscape(form, () => this.closeInlineForm(this.editing, c.id, "edit"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const value = area.value.trim();
      if (!value) {
        setText(errorId, "An edit can't be empty; withdraw the contribution instead.");
        return;
      }
      this.act({ type: "contribution_edit", contribution_id: c.id, text: value }, errorId);
    });
    return form;
  }

  ackForm(c, errorId) {
    const inputId = `ack-reflection-${c.id}`;
    const form = el("form", { className: "inline-ack" });
    const draftKey = `ack-${c.id}`;
    const input = el("input", {
      type: "text",
      id: inputId,
      maxlength: 280,
      autocomplete: "off",
      dataset: { focusKey: `ack-input-${c.id}` },
    });
    input.value = this.drafts.get(draftKey) || "";
    input.addEventListener("input", () => this.drafts.set(draftKey, input.value));
    form.append(
      el("label", { for: inputId, text: "What I heard (optional, one line)" }),
      input,
      el(
        "div",
        { className: "button-row" },
        el("button", { type: "submit", className: "button small", text: "Send “I heard you”" }),
        el("button", {
          type: "button",
          className: "button secondary small",
          text: "Cancel",
          onclick: () => this.closeInlineForm(this.acking, c.id, "ack"),
        }),
      ),
    );
    closeOnEscape(form, () => this.closeInlineForm(this.acking, c.id, "ack"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.act({ type: "acknowledge", contribution_id: c.id, reflection: input.value.trim() }, errorId);
    });
    return form;
  }

  /** The speaker changes how their words may be attributed; the sentence under it says what others will then see. */
  consentForm(c, errorId) {
    const selectId = `consent-${c.id}`;
    const explainId = `consent-explain-${c.id}`;
    const select = el(
      "select",
      { id: selectId, "aria-describedby": explainId, dataset: { focusKey: `consent-${c.id}` } },
      [...this.consentLabels].map(([value, label]) => el("option", { value, text: label, selected: value === c.consent })),
    );
    const explain = el("p", { className: "help consent-explain", id: explainId, text: CONSENT_EXPLANATIONS[c.consent] || "" });
    select.addEventListener("change", () => setText(explain, CONSENT_EXPLANATIONS[select.value] || ""));
    const form = el(
      "form",
      { className: "inline-consent" },
      el("label", { for: selectId, text: "How these words may be attributed" }),
      select,
      el("button", { type: "submit", className: "button secondary small", text: "Change", dataset: { focusKey: `consent-save-${c.id}` } }),
      explain,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (select.value !== c.consent) this.act({ type: "consent_set", contribution_id: c.id, consent: select.value }, errorId);
    });
    return form;
  }

  themeControls(c, errorId) {
    const tagged = new Set(c.themes || []);
    const controls = [];
    const untag = el("div", { className: "button-row theme-tags" });
    const untaggable = this.may("theme_untag") ? this.state.themes.filter((t) => tagged.has(t.id)) : [];
    for (const theme of untaggable) {
      untag.append(
        el("button", {
          type: "button",
          className: "button secondary small",
          text: `Remove theme: ${theme.name}`,
          dataset: { focusKey: `untag-${c.id}-${theme.id}` },
          onclick: () => this.act({ type: "theme_untag", contribution_id: c.id, theme_id: theme.id }, errorId),
        }),
      );
    }
    if (untag.childNodes.length) controls.push(untag);
    const untaggedThemes = this.may("theme_tag") ? this.state.themes.filter((t) => !tagged.has(t.id)) : [];
    if (untaggedThemes.length) {
      const selectId = `theme-select-${c.id}`;
      const select = el(
        "select",
        { id: selectId, dataset: { focusKey: `theme-select-${c.id}` } },
        untaggedThemes.map((t) => el("option", { value: t.id, text: t.name })),
      );
      const form = el(
        "form",
        { className: "inline-theme" },
        el("label", { for: selectId, text: "Tag with a theme" }),
        select,
        el("button", { type: "submit", className: "button secondary small", text: "Tag", dataset: { focusKey: `tag-${c.id}` } }),
      );
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        this.act({ type: "theme_tag", contribution_id: c.id, theme_id: Number(select.value) }, errorId);
      });
      controls.push(form);
    }
    return controls;
  }

  renderClosing() {
    const s = this.state;
    const phases = s.phases || [];
    const lastPhase = phases.length ? phases[phases.length - 1] : null;
    const inClosingPhase = s.session.state === "open" && (!lastPhase || (s.currentPhase && s.currentPhase.id === lastPhase.id));
    const afterClose =
      s.session.state === "closed" &&
      (!s.session.commitments_until || Date.parse(s.session.commitments_until) > this.clock.now());
    const commitment = s.commitment;
    const closed = s.session.state === "closed";
    // After close, a member's own commitment stays in view (with the way to
    // report on it) even once the window to change it has ended.
    show("closing-panel", inClosingPhase || afterClose || (closed && Boolean(commitment)));
    show("commitment-form", inClosingPhase || afterClose);
    show("commitment-kept", closed && !afterClose && Boolean(commitment));
    setText("commitment-kept-text", commitment ? commitment.text : "");
    const checkin = closed && commitment && commitment.id != null && config.checkin_url;
    if (checkin) byId("commitment-checkin-link").href = config.checkin_url.replace("{id}", String(commitment.id));
    show("commitment-checkin", Boolean(checkin));
    const box = byId("commitment-text");
    if (s.commitment && !box.value && document.activeElement !== box) box.value = s.commitment.text;
    if (s.commitment && !byId("commitment-status").textContent) {
      setText("commitment-status", "Your commitment is recorded. You can change it until the window closes.");
    }
    byId("commitment-submit").textContent = s.commitment ? "Update my commitment" : "Record my commitment";
  }

  renderCapture() {
    const select = byId("capture-speaker");
    if (!select) return;
    const chosen = select.value;
    const options = [el("option", { value: "", text: "Choose who spoke" })];
    for (const m of this.state.present) {
      options.push(el("option", { value: m.id, text: m.display_name, selected: String(m.id) === chosen }));
    }
    select.replaceChildren(...options);
    if (chosen) select.value = chosen;
  }

  renderOutbox() {
    const pending = this.connection.pending();
    const list = byId("outbox-list");
    if (!list) return;
    show("outbox", pending.length > 0);
    list.replaceChildren(
      ...pending.map((frame) =>
        el("li", { dataset: { clientId: frame.client_id } }, el("span", { text: excerpt(frame.text || "", 120) }), el("span", { className: "muted", text: " · waiting to send" })),
      ),
    );
  }

  /** Keys of the timers that have already run out, by the server's clock. */
  timerKeys() {
    const keys = [];
    const turn = currentTurn(this.state.round);
    if (turn && turn.ends_at && this.clock.secondsUntil(turn.ends_at) === 0) keys.push(turnKey(turn));
    const reflection = this.state.reflection;
    if (reflection && this.clock.secondsUntil(reflection.ends_at) === 0) keys.push(`reflection-${reflection.id}`);
    return keys;
  }

  /** Once a second: timers count down from server-held end times, corrected by the server's clock. */
  tick() {
    if (!this.state) return;
    const s = this.state;
    const phase = s.currentPhase;
    if (phase && phase.started_at && s.session.state === "open") {
      const elapsed = this.clock.secondsSince(phase.started_at);
      const over = elapsed > phase.planned_minutes * 60;
      setText(
        "phase-progress",
        `${phase.title}: ${Math.floor(elapsed / 60)} of ${phase.planned_minutes} minutes${over ? " (over the planned time)" : ""}`,
      );
      byId("phase-progress").classList.toggle("flag", over);
    } else if (s.session.state === "closed") {
      setText("phase-progress", "The session has closed.");
    } else if (s.session.state === "scheduled") {
      setText("phase-progress", "Not started.");
    }
    const turn = currentTurn(s.round);
    if (turn && turn.ends_at) {
      const left = this.clock.secondsUntil(turn.ends_at);
      setText("turn-timer", left > 0 ? `Time left for this turn: ${formatDuration(left)}` : "Time for this turn is up.");
      if (left === 0 && this.timerEnds.justEnded(turnKey(turn))) {
        const whose = turn.member.id === s.you.member_id ? "your" : `${turn.member.display_name}'s`;
        this.announcer.say(`Time is up for ${whose} turn.`);
      }
    }
    const reflection = s.reflection;
    if (reflection) {
      const left = this.clock.secondsUntil(reflection.ends_at);
      setText(
        "reflection-countdown",
        left > 0 ? `${formatDuration(left)} of quiet reflection left` : "Quiet reflection has ended. The facilitator will continue when the room is ready.",
      );
      if (left === 0 && this.timerEnds.justEnded(`reflection-${reflection.id}`)) {
        this.announcer.say("Quiet reflection has ended.");
      }
    }
    if (config.can_facilitate) renderConsole(this, { tickOnly: true });
  }
}

/** Escape inside a small inline form closes it, as a dialog would. */
function closeOnEscape(form, close) {
  form.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    event.preventDefault();
    event.stopPropagation();
    close();
  });
}

function focusQuietly(node) {
  if (!node) return;
  node.tabIndex = -1;
  node.focus();
}

/** A turn's end is news once per end time: an extended turn can run out again. */
function turnKey(turn) {
  return `turn-${turn.id}-${turn.ends_at}`;
}

function excerpt(text, length = 80) {
  const flat = (text || "").replace(/\s+/g, " ").trim();
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
}

new Room().start();
