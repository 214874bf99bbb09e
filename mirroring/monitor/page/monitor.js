// The Database Mirroring Monitor page: polls /api/status of this instance
// and of every instance named in ?peers= once a second and renders one
// panel per instance. Plain DOM calls and textContent only: peers' JSON
// is data, never markup.
"use strict";

const POLL_MS = 1000;
const FETCH_TIMEOUT_MS = 2500;

// Each source is one instance's monitoring listener ("" is our own origin).
const sources = [{ base: "", label: "this instance" }].concat(
  (new URLSearchParams(location.search).get("peers") || "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const base = (/^https?:\/\//i.test(s) ? s : "http://" + s).replace(/\/+$/, "");
      return { base: base, label: base };
    })
);

// el builds an element: attrs become attributes (data-* included), the
// rest become children (strings as text).
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c !== undefined && c !== null) e.append(c);
  }
  return e;
}

function kb(v) { return v.toFixed(1) + " KB"; }
function rate(v) { return v.toFixed(1) + " KB/s"; }
function ms(v) { return v.toFixed(1) + " ms"; }

// duration renders seconds; negative means "no rate to estimate from".
function duration(sec) {
  if (sec < 0) return "— (no rate)";
  if (sec < 1) return sec === 0 ? "0 s" : "< 1 s";
  if (sec < 120) return Math.round(sec) + " s";
  if (sec < 7200) return (sec / 60).toFixed(1) + " min";
  return (sec / 3600).toFixed(1) + " h";
}

function clock(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleTimeString();
}

function field(name, label, value, title) {
  return [el("dt", null, label), el("dd", { "data-field": name, title: title }, String(value))];
}

// sessionCard renders one mirrored database. The §9.5 figures shown are
// the ones that apply to the role (the partner's panel shows the others).
function sessionCard(s) {
  const f = s.figures || {};
  const principal = s.role === "PRINCIPAL";
  const witness = s.witness ? s.witness + " (" + (s.witness_state || "UNKNOWN") + ")" : "none";
  const rows = [
    field("operating_mode", "Operating mode", s.operating_mode),
    field("safety", "Safety", s.safety),
    [el("dt", null, "Partner"), el("dd", { "data-field": "partner" }, s.partner_instance || "?",
      el("span", { class: "addr" }, s.partner))],
    field("witness", "Witness", witness),
    field("available", "Serving users", s.available ? "yes" : "no"),
    field("role_sequence", "Role sequence", s.role_sequence),
    field("timeout_sec", "Timeout", s.timeout_sec + " s"),
    field("end_of_log_lsn", "End of log LSN", s.end_of_log_lsn),
    field("failover_lsn", "Failover LSN", s.failover_lsn),
  ];
  let title, figures;
  if (principal) {
    title = "Principal log";
    figures = [
      field("unsent_log_kb", "Unsent log", kb(f.unsent_log_kb || 0), "potential data loss"),
      field("oldest_unsent_sec", "Oldest unsent transaction",
        f.oldest_unsent_sec > 0 ? duration(f.oldest_unsent_sec) : "none"),
      field("time_to_send_sec", "Time to send log (estimated)", duration(f.time_to_send_sec || 0)),
      field("send_rate_kbps", "Current send rate", rate(f.send_rate_kbps || 0)),
      field("log_generation_kbps", "Current rate of new transactions", rate(f.log_generation_kbps || 0)),
      field("transactions_per_sec", "Transactions/s", (f.transactions_per_sec || 0).toFixed(1)),
      field("average_delay_ms", "Mirror commit overhead", ms(f.average_delay_ms || 0), "average wait per transaction"),
      field("transaction_delay_ms", "Total transaction delay", ms(f.transaction_delay_ms || 0)),
    ];
  } else {
    title = "Mirror log";
    figures = [
      field("unrestored_log_kb", "Unrestored log", kb(f.unrestored_log_kb || 0)),
      field("time_to_restore_sec", "Time to restore log (estimated)", duration(f.time_to_restore_sec || 0)),
      field("recovery_rate_kbps", "Current restore rate", rate(f.recovery_rate_kbps || 0)),
    ];
  }
  return el("article", { class: "session", "data-db": s.database, "data-role": s.role, "data-state": s.state },
    el("div", { class: "session-head" },
      el("h3", { "data-field": "database" }, s.database),
      el("span", { class: "badge role-" + s.role, "data-field": "role" }, s.role),
      el("span", { class: "badge state-" + s.state, "data-field": "state" }, s.state)),
    el("dl", { class: "fields" }, ...rows.flat()),
    el("h5", null, title),
    el("dl", { class: "fields figures" }, ...figures.flat()));
}

function bytes(n) {
  if (n < 1024) return n + " B";
  return n < 1048576 ? (n / 1024).toFixed(1) + " KB" : (n / 1048576).toFixed(1) + " MB";
}

// connectionsTable lists the endpoint's connections, two lines a cell so
// that it fits a panel a third of a screen wide.
function connectionsTable(conns) {
  const head = ["Remote server", "State", "Sent / received"];
  const rows = conns.map((c) => el("tr", { class: "connection", "data-remote": c.remote_server_name,
    title: "role " + c.role + ", login " + c.login_state + ", " + c.authentication_method +
      ", encryption " + c.encryption_algorithm + ", connected " + clock(c.connect_time) },
  el("td", null, el("span", { "data-field": "remote_server_name" }, c.remote_server_name || "?"),
    el("span", { class: "addr", "data-field": "remote_address" }, c.remote_address || "")),
  el("td", null, el("span", { "data-field": "state", class: "conn-" + c.state }, c.state),
    el("span", { class: "addr", "data-field": "direction" }, c.is_accept ? "accepted" : "dialled")),
  el("td", null, el("span", { "data-field": "bytes_sent" }, bytes(c.bytes_sent)), " / ",
    el("span", { "data-field": "bytes_received" }, bytes(c.bytes_received)),
    el("span", { class: "addr", "data-field": "last_activity_time" }, "last " + clock(c.last_activity_time)))));
  return el("div", { class: "table-wrap" }, el("table", { class: "connections" },
    el("thead", null, el("tr", null, ...head.map((h) => el("th", null, h)))),
    el("tbody", null, ...rows)));
}

// render fills a source's panel. An unreachable instance keeps its last
// answer, dimmed, under a banner saying why and since when.
function render(panel, src, res) {
  if (res.ok) {
    src.last = res.data;
    src.lastSeen = new Date();
  }
  const st = src.last;
  panel.dataset.status = res.ok ? "ok" : "unreachable";
  if (st) panel.dataset.server = st.server;
  const head = el("div", { class: "instance-head" },
    el("h2", { "data-field": "server" }, st ? st.server : src.label),
    st ? el("span", { class: "source" }, src.label) : null,
    el("span", { class: "clock", "data-field": "time" }, st ? "as of " + clock(st.time) : ""));
  const body = [head];
  if (!res.ok) {
    body.push(el("div", { class: "banner", "data-field": "error" },
      "UNREACHABLE: " + src.base + "/api/status — " + res.error +
      (src.lastSeen ? " (last answer " + src.lastSeen.toLocaleTimeString() + ")" : "")));
  }
  if (st) {
    if (st.sessions.length === 0) {
      body.push(el("p", { class: "empty" }, "No mirrored databases on this instance."));
    }
    body.push(...st.sessions.map(sessionCard));
    body.push(el("h4", null, "Endpoint connections"));
    body.push(st.connections.length ? connectionsTable(st.connections)
      : el("p", { class: "empty" }, "No endpoint connections."));
  }
  panel.replaceChildren(...body);
}

async function fetchStatus(src) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), FETCH_TIMEOUT_MS);
  try {
    const r = await fetch(src.base + "/api/status", { signal: ctl.signal, cache: "no-store" });
    if (!r.ok) throw new Error("HTTP " + r.status);
    return { ok: true, data: await r.json() };
  } catch (e) {
    return { ok: false, error: e.name === "AbortError" ? "timed out" : String(e.message || e) };
  } finally {
    clearTimeout(timer);
  }
}

const main = document.getElementById("instances");
const panels = sources.map((src, i) => main.appendChild(
  el("section", { class: "instance", "data-source": i === 0 ? "self" : src.base, "data-status": "loading" },
    el("div", { class: "instance-head" }, el("h2", null, src.label)))));

// poll refreshes every panel, then schedules the next round (so a slow
// peer delays the refresh rather than piling requests up). After the
// first round the page marks itself ready for headless browsers.
async function poll() {
  const results = await Promise.all(sources.map(fetchStatus));
  results.forEach((res, i) => render(panels[i], sources[i], res));
  document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
  if (!document.documentElement.dataset.ready) {
    const self = sources[0].last;
    document.title = "Database Mirroring Monitor — " + (self ? self.server : "unreachable");
    document.documentElement.dataset.ready = "true";
  }
  setTimeout(poll, POLL_MS);
}

poll();
