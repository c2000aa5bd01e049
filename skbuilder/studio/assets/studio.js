// The spec studio's page: a plain textarea with a line-number gutter and a backdrop that marks
// each problem where it is; the server checks, summarizes and draws (see skbuilder/studio/app.py).
"use strict";

const DEBOUNCE_MS = 250;
const PINNED_KEY = "skbuilder-studio-pinned";
const $ = (id) => document.getElementById(id);

const state = {
  view: { level: "network", stage: null, block: 0 },
  history: [],
  pinned: null, // {label, text, shipped}
  shipped: null, // the shipped spec the text was opened from: its extends: resolve beside it
  lastGood: null, // the last draft that loaded: {text, shipped}
  seq: 0,
  timer: null,
  problems: [],
  source: null, // the file name the server gives the editor's text in problems
};

// -- small helpers ------------------------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function count(n) {
  return n === null || n === undefined ? "" : Number(n).toLocaleString("en-US");
}

function signed(n) {
  if (!n) return "0";
  return (n > 0 ? "+" : "−") + Math.abs(n).toLocaleString("en-US");
}

function say(message, isError) {
  const status = $("status");
  status.textContent = message;
  status.classList.toggle("error", Boolean(isError));
}

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return response;
}

async function answer(response) {
  try {
    return await response.json();
  } catch (err) {
    return { error: `the server answered ${response.status}` };
  }
}

// -- the editor: gutter, problem marks ------------------------------------------------------

function lines() {
  return $("yaml").value.split("\n");
}

function paintEditor() {
  const text = $("yaml").value;
  const rows = text.split("\n");
  const byLine = new Map();
  for (const p of state.problems) {
    // a problem in a spec this one extends has its place in that file, not in the editor
    if (p.file === state.source && p.line && p.line <= rows.length) {
      if (!byLine.has(p.line)) byLine.set(p.line, []);
      byLine.get(p.line).push(p);
    }
  }
  const gutter = $("gutter");
  gutter.replaceChildren();
  rows.forEach((_, i) => {
    const here = byLine.get(i + 1);
    const row = el("div", { "data-line": i + 1 }, i + 1);
    if (here) {
      row.classList.add("problem");
      row.title = here.map((p) => p.message).join("\n");
    }
    gutter.append(row);
  });
  const backdrop = $("backdrop");
  backdrop.replaceChildren();
  rows.forEach((row, i) => {
    const here = byLine.get(i + 1);
    if (!here) {
      backdrop.append(row + "\n");
      return;
    }
    const column = Math.max(1, Math.min(...here.map((p) => p.column || 1)));
    const start = Math.min(column - 1, row.length);
    const rest = row.slice(start);
    const word = rest.match(/^[^\s,{}\[\]]+/);
    const width = word ? word[0].length : Math.max(1, rest.length);
    const mark = el("mark", { "data-line": i + 1, "data-column": column }, row.slice(start, start + width) || " ");
    backdrop.append(row.slice(0, start), mark, row.slice(start + width) + "\n");
  });
  syncScroll();
}

function syncScroll() {
  const area = $("yaml");
  $("backdrop").scrollTop = area.scrollTop;
  $("backdrop").scrollLeft = area.scrollLeft;
  $("gutter").scrollTop = area.scrollTop;
}

function goTo(line, column) {
  const rows = lines();
  let offset = 0;
  for (let i = 0; i < Math.min(line - 1, rows.length); i++) offset += rows[i].length + 1;
  offset += Math.max(0, (column || 1) - 1);
  const area = $("yaml");
  area.focus();
  area.setSelectionRange(offset, offset);
  const lineHeight = parseFloat(getComputedStyle(area).lineHeight) || 18;
  area.scrollTop = Math.max(0, (line - 4) * lineHeight);
  syncScroll();
}

function showProblems(problems) {
  state.problems = problems;
  const list = $("problems");
  list.replaceChildren();
  $("problems-title").textContent = problems.length
    ? `Problems (${problems.length})`
    : "Problems";
  if (!problems.length) {
    list.append(el("li", { class: "fine" }, "No problems: the spec is valid."));
  }
  for (const p of problems.slice(0, 200)) {
    const where = p.line ? `${p.line}:${p.column}` : p.file;
    const item = el(
      "li",
      { "data-line": p.line || "", "data-column": p.column || "" },
      el("span", { class: "where" }, where),
      ` ${p.path}: ${p.message}`,
    );
    if (p.hint) item.append(el("span", { class: "hint" }, `; ${p.hint}`));
    if (p.line && p.file === state.source) item.addEventListener("click", () => goTo(p.line, p.column));
    list.append(item);
  }
  paintEditor();
}

// -- summary, totals, comparison ------------------------------------------------------------

function fillTable(table, head, rows, foot, numeric) {
  const headRow = el("tr", {}, ...head.map((h, i) => el("th", numeric.has(i) ? { class: "num" } : {}, h)));
  table.tHead.replaceChildren(headRow);
  const toRow = (cells) =>
    el("tr", {}, ...cells.map((c, i) => {
      const cell = el("td", numeric.has(i) ? { class: "num" } : {}, c === null || c === undefined ? "" : c);
      return cell;
    }));
  table.tBodies[0].replaceChildren(...rows.map(toRow));
  table.tFoot.replaceChildren(...foot.map(toRow));
}

function showSummary(summary) {
  const head = ["part", "block", "attention", "M (kernels)", "G", "depth", "output", "params", "MACs"];
  const rows = summary.rows.map((r) => [
    r.part, r.block, r.attention, r.branches, r.groups, r.depth || "", r.output, count(r.params), r.macs_text,
  ]);
  const total = ["total", "", "", "", "", "", "", count(summary.params), summary.macs_text];
  fillTable($("summary"), head, rows, [total], new Set([4, 5, 7, 8]));
  $("total-name").textContent = summary.name;
  $("total-params").textContent = summary.params_text;
  $("total-params").title = count(summary.params);
  $("total-macs").textContent = summary.macs_text;
  $("total-macs").title = count(summary.macs);
  $("total-size").textContent = `@ ${summary.image_size}×${summary.image_size}`;
}

function showCompare(compare) {
  const box = $("compare-box");
  if (!state.pinned || !compare) {
    box.hidden = !state.pinned;
    if (state.pinned) $("compare").tBodies[0].replaceChildren();
    return;
  }
  box.hidden = false;
  $("pinned-name").textContent = `(${state.pinned.label})`;
  const head = ["part", "params pinned", "params now", "change", "MACs pinned", "MACs now", "change"];
  const row = (r) => [
    r.part, count(r.params_pinned), count(r.params), signed(r.params_change),
    count(r.macs_pinned), count(r.macs), signed(r.macs_change),
  ];
  fillTable($("compare"), head, compare.rows.map(row), [row(compare.total)], new Set([1, 2, 3, 4, 5, 6]));
  for (const tr of $("compare").querySelectorAll("tr")) {
    for (const i of [3, 6]) {
      const cell = tr.children[i];
      if (cell && cell.tagName === "TD") {
        cell.classList.toggle("up", cell.textContent.startsWith("+"));
        cell.classList.toggle("down", cell.textContent.startsWith("−"));
      }
    }
  }
}

// -- the diagram ----------------------------------------------------------------------------

function setTrail() {
  const trail = $("trail");
  trail.replaceChildren();
  const link = (label, view) => {
    const a = el("a", { role: "button" }, label);
    a.addEventListener("click", () => openView(view));
    return a;
  };
  const v = state.view;
  trail.append(v.level === "network" ? el("b", {}, "network") : link("network", { level: "network", stage: null, block: 0 }));
  if (v.level !== "network") {
    trail.append(" › ");
    const stageLabel = v.stage || "first SK stage";
    trail.append(v.level === "stage" ? el("b", {}, `stage ${stageLabel}`) : link(`stage ${stageLabel}`, { level: "stage", stage: v.stage, block: 0 }));
  }
  if (v.level === "block") trail.append(" › ", el("b", {}, `block ${v.block + 1}`));
  $("back").disabled = state.history.length === 0;
}

function openView(view, remember = true) {
  if (remember) state.history.push(state.view);
  state.view = view;
  setTrail();
  if (state.lastGood !== null) drawDiagram(state.lastGood);
}

function insertSvg(svgText, targets) {
  const parsed = new DOMParser().parseFromString(svgText, "image/svg+xml");
  const svg = parsed.documentElement;
  if (svg.nodeName !== "svg") throw new Error("the diagram is not SVG");
  for (const bad of svg.querySelectorAll("script, foreignObject")) bad.remove();
  for (const node of svg.querySelectorAll("*")) {
    for (const attr of [...node.attributes]) {
      if (/^on/i.test(attr.name) || /^\s*javascript:/i.test(attr.value)) node.removeAttribute(attr.name);
    }
  }
  const box = $("diagram");
  box.replaceChildren(document.importNode(svg, true));
  for (const group of box.querySelectorAll("g.node, g.cluster")) {
    const title = group.querySelector(":scope > title");
    const target = title && targets[title.textContent];
    if (!target) continue;
    group.classList.add("clickable");
    group.setAttribute("data-open", `${target.level}:${target.stage}:${target.block}`);
    group.addEventListener("click", (event) => {
      event.stopPropagation();
      openView({ level: target.level, stage: target.stage, block: target.block });
    });
  }
}

async function drawDiagram(draft) {
  const seq = state.seq;
  const response = await post("/api/diagram", { ...draft, ...state.view });
  const data = await answer(response);
  if (seq !== state.seq) return;
  if (!response.ok) {
    $("diagram-note").textContent = data.error || "the diagram could not be drawn";
    if (state.view.level !== "network" && response.status === 422 && !data.problems) {
      state.history = [];
      openView({ level: "network", stage: null, block: 0 }, false);
    }
    return;
  }
  insertSvg(data.svg, data.targets);
  $("diagram").classList.remove("stale");
  $("diagram-note").textContent = "";
}

// -- checking as one types ------------------------------------------------------------------

async function update() {
  const text = $("yaml").value;
  const seq = ++state.seq;
  const started = performance.now();
  let response;
  try {
    response = await post("/api/check", {
      text,
      shipped: state.shipped,
      pinned: state.pinned ? state.pinned.text : null,
      pinned_shipped: state.pinned ? state.pinned.shipped : null,
    });
  } catch (err) {
    say("the studio server does not answer", true);
    return;
  }
  const data = await answer(response);
  if (seq !== state.seq) return;
  if (!response.ok) {
    say(data.error || `the server answered ${response.status}`, true);
    return;
  }
  showProblems(data.problems);
  $("totals").classList.toggle("stale", !data.ok);
  $("diagram").classList.toggle("stale", !data.ok);
  $("summary").classList.toggle("stale", !data.ok);
  if (!data.ok) {
    const n = data.problems.length;
    say(`${n} problem${n === 1 ? "" : "s"}; showing the last valid spec`, true);
    $("diagram-note").textContent = "";
    return;
  }
  state.lastGood = { text, shipped: state.shipped };
  showSummary(data.summary);
  showCompare(data.compare);
  const v = state.view;
  if (v.stage !== null && !data.stages.includes(v.stage)) {
    state.history = [];
    state.view = { level: "network", stage: null, block: 0 };
    setTrail();
  }
  await drawDiagram(state.lastGood);
  if (seq === state.seq) say(`checked in ${Math.round(performance.now() - started)} ms`);
}

function scheduleUpdate() {
  paintEditor();
  clearTimeout(state.timer);
  state.timer = setTimeout(update, DEBOUNCE_MS);
}

function setText(text, shipped) {
  state.shipped = shipped;
  $("yaml").value = text;
  $("yaml").scrollTop = 0;
  state.history = [];
  state.view = { level: "network", stage: null, block: 0 };
  setTrail();
  scheduleUpdate();
}

// -- downloads, pinning, the picker ---------------------------------------------------------

function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function specName() {
  return ($("total-name").textContent || "spec").replace(/[^A-Za-z0-9_.-]+/g, "_");
}

async function download(format) {
  if (state.lastGood === null) {
    say("nothing to download: the spec has never loaded", true);
    return;
  }
  say(`drawing ${format.toUpperCase()}…`);
  const response = await post("/api/download", { ...state.lastGood, ...state.view, format });
  if (!response.ok) {
    const data = await answer(response);
    say(data.error || `the server answered ${response.status}`, true);
    return;
  }
  const disposition = response.headers.get("content-disposition") || "";
  const match = disposition.match(/filename="([^"]+)"/);
  saveBlob(await response.blob(), match ? match[1] : `diagram.${format}`);
  say(`downloaded ${match ? match[1] : format}`);
}

function pin() {
  state.pinned = {
    label: `${specName()} at ${new Date().toLocaleTimeString()}`,
    text: $("yaml").value,
    shipped: state.shipped,
  };
  try {
    localStorage.setItem(PINNED_KEY, JSON.stringify(state.pinned));
  } catch (err) { /* storage may be off: the pin lasts until the page is closed */ }
  $("unpin").disabled = false;
  scheduleUpdate();
}

function unpin() {
  state.pinned = null;
  try { localStorage.removeItem(PINNED_KEY); } catch (err) { /* nothing kept */ }
  $("compare-box").hidden = true;
}

async function openShipped(name) {
  const response = await fetch(`/api/specs/${encodeURIComponent(name)}`);
  const data = await answer(response);
  if (!response.ok) {
    say(data.error || "that spec could not be opened", true);
    return;
  }
  setText(data.text, name);
}

async function start() {
  const area = $("yaml");
  area.addEventListener("input", scheduleUpdate);
  area.addEventListener("scroll", syncScroll);
  area.addEventListener("keydown", (event) => {
    if (event.key === "Tab" && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      document.execCommand("insertText", false, "  ");
    }
  });
  $("back").addEventListener("click", () => {
    if (state.history.length) openView(state.history.pop(), false);
  });
  $("zoom").addEventListener("click", () => {
    const fit = $("diagram").classList.toggle("fit");
    $("zoom").textContent = fit ? "Actual size" : "Fit";
  });
  $("pin").addEventListener("click", pin);
  $("unpin").addEventListener("click", unpin);
  $("save-yaml").addEventListener("click", () =>
    saveBlob(new Blob([area.value], { type: "application/yaml" }), `${specName()}.yaml`));
  for (const format of ["svg", "png", "pdf"]) {
    $(`save-${format}`).addEventListener("click", () => download(format));
  }
  const [first, names] = await Promise.all([
    fetch("/api/start").then(answer),
    fetch("/api/specs").then(answer),
  ]);
  state.source = first.source;
  const picker = $("picker");
  picker.append(el("option", { value: "" }, `${first.label} (as started)`));
  for (const name of names.specs || []) picker.append(el("option", { value: name }, name));
  picker.addEventListener("change", () => {
    if (picker.value) openShipped(picker.value);
    else setText(first.text, null);
  });
  try {
    state.pinned = JSON.parse(localStorage.getItem(PINNED_KEY) || "null");
  } catch (err) {
    state.pinned = null;
  }
  setTrail();
  setText(first.text || "", null);
}

document.addEventListener("DOMContentLoaded", start);
