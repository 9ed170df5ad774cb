// SPDX-License-Identifier: BSD-3-Clause
// A browser phone on JsSIP for `sipkit proxy -l ws:` (RFC 7118): registers,
// calls, rings, answers, cancels and hangs up. Bundled with JsSIP by
// `make webphone` (esbuild) into dist/phone.js; nothing is loaded from elsewhere.
//
// The page reads its settings from the query string:
//   ws=ws://127.0.0.1:5066  the proxy's WebSocket listener
//   user=alice  domain=sipkit.test  display=Alice
// and keeps what happens in window.webphone.events (for people and tests alike).
import JsSIP from "jssip";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const state = { registered: false, session: null, events: [], incoming: 0 };

function log(what) {
  state.events.push(what);
  const line = document.createElement("div");
  line.textContent = new Date().toISOString().slice(11, 23) + "  " + what;
  $("log").prepend(line);
  $("status").textContent = what;
}

function buttons() {
  const s = state.session;
  const ringing = s && s.direction === "incoming" && !s.isEstablished() && !s.isEnded();
  $("call").disabled = !state.registered || !!s;
  $("answer").disabled = !ringing;
  $("hangup").disabled = !s;
  $("hangup").textContent = s && !s.isEstablished() ? "Cancel" : "Hang up";
}

function track(session) {
  state.session = session;
  const end = (what) => (e) => {
    log(what + ": " + e.cause + (e.message && e.message.status_code ? " (" + e.message.status_code + ")" : ""));
    state.session = null;
    buttons();
  };
  session.on("progress", (e) => log("progress " + (e.response ? e.response.status_code : "(ringing)")));
  session.on("confirmed", () => log("confirmed"));
  session.on("failed", end("failed"));
  session.on("ended", end("ended"));
  buttons();
}

const wsUrl = params.get("ws") || "ws://" + location.hostname + ":5066";
const user = params.get("user") || "alice";
const domain = params.get("domain") || location.hostname;
// ICE servers: none. A phone on a lab network has no business asking a public
// STUN server, and these tests never leave loopback.
const pcConfig = { iceServers: [] };

const ua = new JsSIP.UA({
  sockets: [new JsSIP.WebSocketInterface(wsUrl)],
  uri: "sip:" + user + "@" + domain,
  display_name: params.get("display") || user,
  register: true,
  register_expires: 600,
  session_timers: false,
  user_agent: "sipkit-webphone (JsSIP)",
});

ua.on("connected", () => log("connected " + wsUrl));
ua.on("disconnected", () => log("disconnected"));
ua.on("registered", () => {
  state.registered = true;
  log("registered " + user + "@" + domain);
  buttons();
});
ua.on("registrationFailed", (e) => log("registration failed: " + e.cause));
ua.on("newRTCSession", (e) => {
  if (e.originator !== "remote") return;
  if (state.session) {
    e.session.terminate({ status_code: 486 });
    return;
  }
  state.incoming++;
  log("incoming call from " + e.request.from.uri.toString() + " (ringing)");
  track(e.session);
});

const webphone = {
  state,
  events: state.events,
  call(target) {
    const s = ua.call(target, {
      mediaConstraints: { audio: true, video: false },
      pcConfig,
    });
    log("calling " + target);
    track(s);
  },
  answer() {
    if (state.session) state.session.answer({ mediaConstraints: { audio: true, video: false }, pcConfig });
  },
  hangup() {
    if (state.session) state.session.terminate();
  },
  stop() {
    ua.stop();
  },
};
window.webphone = webphone;

$("call").onclick = () => webphone.call($("target").value);
$("answer").onclick = () => webphone.answer();
$("hangup").onclick = () => webphone.hangup();
$("target").value = params.get("target") || "sip:bob@" + domain;
$("me").textContent = user + "@" + domain + " via " + wsUrl;
buttons();
ua.start();
