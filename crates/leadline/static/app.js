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
  // Live import progress: counts, bar and ETA until the import ends.
  const status = document.getElementById("import-status");
  if (status && status.dataset.status === "running") {
    const started = Date.now();
    let firstRows = null;
    const set = (name, value) => { const el = status.querySelector(`[data-field="${name}"]`); if (el) el.textContent = value; };
    const poll = async () => {
      try {
        const res = await fetch(`/imports/${status.dataset.import}/status`, { headers: { Accept: "application/json" } });
        if (!res.ok) return;
        const i = await res.json();
        for (const k of ["rows_done", "created", "updated", "merged", "duplicates", "rejected", "warnings", "status"]) set(k, i[k]);
        const total = Math.max(i.rows_total || 0, i.rows_done);
        set("rows_total", total);
        const bar = document.getElementById("import-progress");
        if (bar) bar.value = i.status === "running" ? Math.floor((i.rows_done * 100) / Math.max(total, 1)) : 100;
        if (firstRows === null) firstRows = i.rows_done;
        const secs = (Date.now() - started) / 1000;
        const rate = (i.rows_done - firstRows) / Math.max(secs, 0.001);
        if (i.status === "running" && rate > 0) {
          set("eta", `${Math.round(rate)} rows/s · about ${Math.ceil((total - i.rows_done) / rate)} s left`);
        }
        if (i.status !== "running") { location.reload(); return; }
      } catch (_) { /* try again */ }
      setTimeout(poll, 500);
    };
    setTimeout(poll, 300);
  }
})();
