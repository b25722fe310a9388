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
})();
