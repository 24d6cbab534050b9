// Staff UI behaviour shared by every page. Loaded as a file (CSP: script-src 'self');
// never builds HTML from data: values go in through textContent.
"use strict";

// Bidi controls in hostile text are shown, not obeyed (the server does the same).
function visibleBidi(text) {
  return String(text == null ? "" : text).replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (c) => "⟦U+" + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0") + "⟧");
}

function formatLeft(ms) {
  const minutes = Math.floor(Math.abs(ms) / 60000);
  const days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60;
  if (days) return `${days}天${hours}小时`;
  if (hours) return `${hours}小时${mins}分`;
  return `${mins}分`;
}

// SLA countdowns: every element with data-due (an ISO time) shows the time left, or overdue.
function tickCountdowns() {
  const now = Date.now();
  document.querySelectorAll("[data-due]").forEach((node) => {
    const due = Date.parse(node.dataset.due);
    if (isNaN(due)) return;
    const left = due - now;
    node.textContent = left >= 0 ? "剩余 " + formatLeft(left) : "已超时 " + formatLeft(left);
    node.classList.toggle("late", left < 0);
    node.classList.toggle("soon", left >= 0 && left < 3600 * 1000);
    const card = node.closest(".case-card");
    if (card) card.classList.toggle("overdue", left < 0);
  });
}

// The search form leaves out empty fields, so a shared URL carries only what was chosen.
function pruneEmptyFields(event) {
  const form = event.target;
  if (!form.matches("form[method=get]")) return;
  form.querySelectorAll("input, select").forEach((field) => {
    if (field.name && field.value === "" && field.type !== "checkbox") field.disabled = true;
  });
  window.setTimeout(() => form.querySelectorAll("[disabled]").forEach((f) => { f.disabled = false; }), 0);
}

window.minsheng = { visibleBidi };

document.addEventListener("DOMContentLoaded", () => {
  tickCountdowns();
  if (document.querySelector("[data-due]")) window.setInterval(tickCountdowns, 30000);
  document.addEventListener("submit", pruneEmptyFields, true);
});
