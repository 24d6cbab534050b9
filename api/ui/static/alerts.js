// The live alert feed (预警): Server-Sent Events from /api/v1/alerts/stream, newest first.
// Escalations (提级、督办、critical) flash and, if the operator switched it on, beep.
// Alert text is hostile input: it only ever goes in through textContent.
"use strict";

const TYPE_LABELS = {
  new_case: "新工单", warning: "预警单", escalation: "提级办理", overdue: "督办", reopened: "重新办理",
  spike: "异常激增", ledger: "台账", saved_search: "订阅命中", source_health: "数据源异常",
};
const LOUD = new Set(["escalation", "overdue"]);

function localTime(iso) {
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" });
}

function isEscalation(alert) {
  return LOUD.has(alert.type) || alert.level === "critical";
}

function beep() {
  const toggle = document.getElementById("sound-toggle");
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!toggle || !toggle.checked || !Context) return;
  const audio = new Context();
  const tone = audio.createOscillator();
  const gain = audio.createGain();
  tone.frequency.value = 880;
  gain.gain.value = 0.15;
  tone.connect(gain).connect(audio.destination);
  tone.start();
  tone.stop(audio.currentTime + 0.35);
}

function ackForm(alertId) {
  const template = document.getElementById("ack-form");
  if (!template) return null;
  const form = template.content.firstElementChild.cloneNode(true);
  form.action = "/ui/alerts/" + encodeURIComponent(alertId) + "/ack";
  return form;
}

function alertRow(template, alert) {
  const row = template.content.firstElementChild.cloneNode(true);
  row.classList.add("level-" + (alert.level || "info"));
  if (isEscalation(alert)) row.classList.add("escalation");
  row.dataset.id = String(alert.id);
  row.querySelector(".id").textContent = String(alert.id);
  row.querySelector(".time").textContent = localTime(alert.created_at);
  row.querySelector(".type").textContent = TYPE_LABELS[alert.type] || alert.type;
  row.querySelector(".title").textContent = window.minsheng.visibleBidi(alert.title);
  if (alert.case_id) {
    const link = document.createElement("a");
    link.href = "/cases/" + encodeURIComponent(alert.case_id);
    link.textContent = alert.case_id;
    row.querySelector(".case").appendChild(link);
  }
  const form = alert.acked_at ? null : ackForm(alert.id);
  if (form) row.querySelector(".ack").appendChild(form);
  return row;
}

// Acknowledge without leaving the page; the server records who and when.
function ackInPlace(event) {
  const form = event.target.closest("form.ack-form");
  if (!form || !window.fetch) return;
  event.preventDefault();
  fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
    .then((response) => {
      const cell = form.parentElement;
      if (!response.ok) { form.querySelector("button").textContent = "失败，重试"; return; }
      const done = document.createElement("span");
      done.className = "acked";
      done.textContent = "已确认";
      cell.replaceChildren(done);
      const row = cell.closest("tr");
      if (row) row.classList.remove("fresh");
    })
    .catch(() => { form.querySelector("button").textContent = "失败，重试"; });
}

function liveAlerts() {
  const state = document.getElementById("live-state");
  const table = document.getElementById("alerts");
  const template = document.getElementById("alert-row");
  if (!state || !table || !template) return;
  table.addEventListener("submit", ackInPlace);
  if (!window.EventSource) { state.textContent = "浏览器不支持实时推送，请刷新"; return; }
  const cursor = parseInt(state.dataset.cursor || "0", 10) || 0;
  const source = new EventSource("/api/v1/alerts/stream?after=" + cursor);
  const body = table.tBodies[0];
  source.addEventListener("open", () => { state.textContent = "实时"; state.className = "live"; });
  source.addEventListener("error", () => { state.textContent = "连接中断，正在重连…"; state.className = ""; });
  source.addEventListener("alert", (event) => {
    let alert;
    try { alert = JSON.parse(event.data); } catch (e) { return; }
    if (body.querySelector(`tr[data-id="${CSS.escape(String(alert.id))}"]`)) return;  // a reconnect replays
    const empty = body.querySelector(".empty-row");
    if (empty) empty.remove();
    body.insertBefore(alertRow(template, alert), body.firstChild);
    if (isEscalation(alert)) beep();
  });
}

document.addEventListener("DOMContentLoaded", liveAlerts);
