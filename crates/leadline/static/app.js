// Leadline: keyboard shortcuts and small conveniences. Pages work without this file.
(() => {
  "use strict";
  const help = document.getElementById("help");
  const typing = (el) => el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));
  let pendingG = false;

  const rows = () => Array.from(document.querySelectorAll("table[data-list] tbody tr"));
  let selected = -1;
  const select = (i) => {
    const all = rows();
    if (!all.length) return;
    selected = Math.max(0, Math.min(all.length - 1, i));
    all.forEach((r, j) => r.classList.toggle("selected", j === selected));
    all[selected].querySelector("a")?.focus();
  };

  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "Escape" && help && !help.hidden) { help.hidden = true; return; }
    if (typing(document.activeElement)) {
      if (e.key === "Escape") document.activeElement.blur();
      return;
    }
    if (pendingG) {
      pendingG = false;
      if (e.key === "l") { location.href = "/leads"; }
      else if (e.key === "m") { location.href = "/leads?owner=me"; }
      else if (e.key === "u") { location.href = "/users"; }
      else if (e.key === "c") { location.href = "/campaigns"; }
      return;
    }
    switch (e.key) {
      case "/": e.preventDefault(); document.getElementById("q")?.focus() ?? document.getElementById("global-q")?.focus(); break;
      case "?": if (help) help.hidden = !help.hidden; break;
      case "g": pendingG = true; setTimeout(() => { pendingG = false; }, 1200); break;
      case "n": if (document.querySelector('a[href="/leads/new"]')) location.href = "/leads/new"; break;
      case "j": select(selected + 1); break;
      case "k": select(selected - 1); break;
      case "e": { const edit = document.querySelector('a[href$="/edit"]'); if (edit) location.href = edit.href; break; }
      case "Enter": { const r = rows()[selected]; if (r && r.dataset.href) location.href = r.dataset.href; break; }
      default: break;
    }
  });

  document.querySelector("[data-close-help]")?.addEventListener("click", () => { help.hidden = true; });
  document.querySelectorAll("form[data-confirm]").forEach((f) => {
    f.addEventListener("submit", (e) => { if (!confirm(f.dataset.confirm)) e.preventDefault(); });
  });
  // Filters apply as soon as a select changes; the URL keeps the view.
  document.querySelectorAll("form.filters select").forEach((s) => s.addEventListener("change", () => s.form.submit()));

  // The call screen: every action has a key; saving replaces the screen in place.
  const screen = () => document.getElementById("call-screen");
  const callKeys = (e) => {
    const root = screen();
    if (!root || e.ctrlKey && e.key !== "Enter" || e.metaKey || e.altKey) return;
    const el = document.activeElement;
    if (e.key === "Enter" && (e.ctrlKey || !typing(el) || el.tagName === "INPUT") && document.getElementById("dispose-form")) {
      if (el && el.form && el.form.id === "skip-form") return;
      e.preventDefault(); e.stopImmediatePropagation();
      document.getElementById("dispose-form").requestSubmit();
      return;
    }
    if (typing(el)) return;
    const radio = root.querySelector(`input[name="disposition"][data-key="${e.key}"]`);
    let handled = true;
    if (radio) { radio.checked = true; radio.focus(); }
    else if (e.key === "c") { root.querySelector("#call-button")?.click(); }
    else if (e.key === "n") { root.querySelector("#notes")?.focus(); }
    else if (e.key === "b") { root.querySelector("#callback_at")?.focus(); }
    else if (e.key === "s" && root.querySelector("#skip-form")) { root.querySelector("#skip-form").requestSubmit(); }
    else if (e.key === "Escape" && (!help || help.hidden)) { root.querySelector("#end-form")?.requestSubmit(); }
    else handled = false;
    if (handled) { e.preventDefault(); e.stopImmediatePropagation(); }
  };
  document.addEventListener("keydown", callKeys, true);
  const replaceScreen = (html) => {
    const doc = new DOMParser().parseFromString(html, "text/html");
    const next = doc.getElementById("call-screen");
    const root = screen();
    if (next && root) {
      root.replaceWith(next);
      const flash = document.querySelector("main > .flash");
      if (flash) flash.remove();
      (next.querySelector("#call-button") || next.querySelector("#check-again") || next).focus();
      return true;
    }
    return false;
  };
  document.addEventListener("submit", async (e) => {
    const form = e.target;
    const root = screen();
    if (!root || !root.contains(form) && form.id !== "skip-form") return;
    if (form.id === "end-form") return;
    e.preventDefault();
    const data = new URLSearchParams(new FormData(form, e.submitter));
    if (form.id === "skip-form") data.set("reason", root.querySelector("#skip-reason")?.value || "");
    if (form.id === "dial-form") {
      const state = root.querySelector("#dial-state");
      const res = await fetch(form.action, { method: "POST", body: data, headers: { Accept: "application/json" } });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) { if (state) state.textContent = body.error || "Call refused."; return; }
      if (state) state.textContent = `Dialing… started ${body.started_at || ""}`;
      let frame = document.getElementById("dial-frame");
      if (!frame) { frame = document.createElement("iframe"); frame.id = "dial-frame"; frame.hidden = true; document.body.append(frame); }
      frame.src = body.dial_link;
      return;
    }
    const res = await fetch(form.action, { method: "POST", body: data });
    const html = await res.text();
    if (!replaceScreen(html)) { document.open(); document.write(html); document.close(); }
  });
  // Inbound calls for this rep appear on the call screen without a reload.
  const pollIncoming = async () => {
    const box = document.getElementById("incoming");
    if (!box) return;
    try {
      const res = await fetch("/calls/incoming", { headers: { Accept: "application/json" } });
      if (res.ok) {
        const { items } = await res.json();
        box.replaceChildren(...items.map((c) => {
          const p = document.createElement("p");
          p.className = "flash incoming";
          p.setAttribute("role", "alert");
          p.append("Incoming call from ");
          const strong = document.createElement("strong");
          strong.className = "num";
          strong.textContent = c.from || "unknown number";
          p.append(strong, ` at ${c.at} — `);
          const a = document.createElement("a");
          a.href = `/calls/${c.id}`;
          a.textContent = "give it a disposition";
          p.append(a);
          return p;
        }));
      }
    } catch (_) { /* next time */ }
    setTimeout(pollIncoming, 10000);
  };
  if (screen()) setTimeout(pollIncoming, 10000);
  // A callback time in the rep's zone, shown in the callee's zone too.
  const offsetAt = (utcMs, tz) => {
    const p = Object.fromEntries(new Intl.DateTimeFormat("en-US", { timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" })
      .formatToParts(new Date(utcMs)).map((x) => [x.type, x.value]));
    return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute) - Math.floor(utcMs / 60000) * 60000;
  };
  document.addEventListener("input", (e) => {
    const root = screen();
    if (!root || e.target.id !== "callback_at") return;
    const out = root.querySelector("#callback-their");
    const m = /^(\d+)-(\d+)-(\d+)T(\d+):(\d+)/.exec(e.target.value);
    if (!out || !m) { if (out) out.textContent = ""; return; }
    const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
    const yours = root.dataset.yourZone, theirs = root.dataset.calleeZone;
    const utc = wall - offsetAt(wall - offsetAt(wall, yours), yours);
    const fmt = new Intl.DateTimeFormat("en-GB", { timeZone: theirs, weekday: "short", hour: "2-digit", minute: "2-digit" });
    out.textContent = `= ${fmt.format(new Date(utc))} their time (${theirs})`;
  });
  // Live import progress: counts, bar and ETA until the import ends.
  const status = document.getElementById("import-status");
  const live = (s) => s === "running" || s === "stopping" || s === "undoing" || s === "undo-waiting";
  // An undo waiting for its turn says so every few seconds.
  const waiting = (i) => i.status !== "undoing" && i.status !== "undone" && i.undo_waiting_at
    && Date.now() - Date.parse(i.undo_waiting_at) < 60000;
  if (status && live(status.dataset.status)) {
    const started = Date.now();
    let firstRows = null;
    const set = (name, value) => { const el = status.querySelector(`[data-field="${name}"]`); if (el) el.textContent = value; };
    const poll = async () => {
      try {
        const res = await fetch(`/imports/${status.dataset.import}/status`, { headers: { Accept: "application/json" } });
        if (!res.ok) return;
        const i = await res.json();
        const n = (v) => Number(v).toLocaleString("en-US");
        for (const k of ["rows_done", "created", "updated", "merged", "duplicates", "rejected", "warnings"]) set(k, n(i[k]));
        set("status", i.status);
        const total = Math.max(i.rows_total || 0, i.rows_done);
        set("rows_total", n(total));
        const bar = document.getElementById("import-progress");
        if (bar && i.status === "undoing") bar.removeAttribute("value");
        else if (bar) bar.value = i.status === "running" ? Math.floor((i.rows_done * 100) / Math.max(total, 1)) : 100;
        if (firstRows === null) firstRows = i.rows_done;
        const secs = (Date.now() - started) / 1000;
        const rate = (i.rows_done - firstRows) / Math.max(secs, 0.001);
        if (i.status === "running" && rate > 0) {
          const left = Math.ceil((total - i.rows_done) / rate);
          const eta = left < 90 ? `${left} s` : left < 5400 ? `${Math.round(left / 60)} min` : `${(left / 3600).toFixed(1)} h`;
          set("eta", `${n(Math.round(rate))} rows/s · about ${eta} left`);
        }
        if (!live(i.status) && !waiting(i)) { location.reload(); return; }
      } catch (_) { /* try again */ }
      setTimeout(poll, 500);
    };
    setTimeout(poll, 300);
  }
})();
