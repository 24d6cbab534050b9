// Staff UI behaviour. Loaded as a file (CSP: script-src 'self'); never builds HTML from
// alert text: every value goes in through textContent.
"use strict";

const TYPE_LABELS = {
  new_case: "新工单", warning: "预警单", escalation: "提级办理", overdue: "督办", reopened: "重新办理",
  spike: "异常激增", ledger: "台账", saved_search: "订阅命中", source_health: "数据源异常",
};

function localTime(iso) {
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleString("zh-CN", { hour12: false, timeZone: "Asia/Shanghai" });
}

function alertRow(template, alert) {
  const row = template.content.firstElementChild.cloneNode(true);
  row.classList.add("level-" + (alert.level || "info"));
  row.querySelector(".id").textContent = String(alert.id);
  row.querySelector(".time").textContent = localTime(alert.created_at);
  row.querySelector(".type").textContent = TYPE_LABELS[alert.type] || alert.type;
  row.querySelector(".title").textContent = alert.title;
  if (alert.case_id) {
    const link = document.createElement("a");
    link.href = "/cases/" + encodeURIComponent(alert.case_id);
    link.textContent = alert.case_id;
    row.querySelector(".case").appendChild(link);
  }
  return row;
}

function liveAlerts() {
  const state = document.getElementById("live-state");
  const table = document.getElementById("alerts");
  const template = document.getElementById("alert-row");
  if (!state || !table || !template || !window.EventSource) return;
  const cursor = parseInt(state.dataset.cursor || "0", 10) || 0;
  const source = new EventSource("/api/v1/alerts/stream?after=" + cursor);
  const body = table.tBodies[0];
  source.addEventListener("open", () => { state.textContent = "实时"; });
  source.addEventListener("error", () => { state.textContent = "连接中断，正在重连…"; });
  source.addEventListener("alert", (event) => {
    let alert;
    try { alert = JSON.parse(event.data); } catch (e) { return; }
    const empty = body.querySelector(".empty-row");
    if (empty) empty.remove();
    body.insertBefore(alertRow(template, alert), body.firstChild);
  });
}

document.addEventListener("DOMContentLoaded", liveAlerts);
