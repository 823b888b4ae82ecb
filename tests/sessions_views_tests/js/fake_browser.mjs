// What the room client needs of a browser, for its tests under Node: a window,
// localStorage and a websocket the test plays the server on. Not a test file.

export const store = new Map();
globalThis.window = globalThis;
globalThis.localStorage = {
  getItem: (k) => (store.has(k) ? store.get(k) : null),
  setItem: (k, v) => store.set(k, String(v)),
  removeItem: (k) => store.delete(k),
};
globalThis.addEventListener ??= () => {};

/** A websocket whose server is the test: it records what the client sends and plays frames back. */
export class FakeSocket {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;
  static all = [];
  constructor(url) {
    this.url = url;
    this.readyState = FakeSocket.OPEN;
    this.sent = [];
    this.listeners = {};
    FakeSocket.all.push(this);
  }
  addEventListener(name, fn) {
    (this.listeners[name] ||= []).push(fn);
  }
  send(data) {
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000) {
    this.readyState = FakeSocket.CLOSED;
    for (const fn of this.listeners.close || []) fn({ code });
  }
  serverSends(frame) {
    for (const fn of this.listeners.message || []) fn({ data: JSON.stringify(frame) });
  }
}
globalThis.WebSocket = FakeSocket;
