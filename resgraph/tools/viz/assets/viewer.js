/* resgraph's interactive viewer: lays out the graph embedded in #rg-data, draws it as SVG, folds
   and unfolds units in place, pans, zooms, searches and explains what is clicked.

   The data (resgraph/tools/viz/viewer_data.py) is a tree of units in pre-order: leaves (chains of
   layers) and, above them, scopes (block instances, groups, repetitions, runs of alike blocks).
   Layout is layered and local: an open scope lays out only its direct children (rows by longest
   path, the heaviest path straight down the middle as the trunk), so folding one unit re-lays out
   nothing but the units that hold it, and the same fold state always gives the same picture.
   Edges between rows next to each other are drawn straight; every other edge is an arc on the
   right of what it passes, bulging with its length, as the static pictures draw skip edges. */
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("rg-data").textContent);
  const U = D.units, N = D.nodes, K = D.kinds, NU = U.length;
  const PAD = 8, HDR = 19, GAPX = 20, GAPY = 18, LINE = 14, BPAD = 6, SYM = 24, LANE = 5;
  const FONT = "11px Helvetica, Arial, sans-serif", BOLD = "bold " + FONT;
  const svgNS = "http://www.w3.org/2000/svg";

  const isLeaf = (u) => U[u].ch === undefined;
  const depth = new Int32Array(NU), pos = new Int32Array(NU), weight = new Float64Array(NU);
  for (let u = 1; u < NU; u++) depth[u] = depth[U[u].p] + 1;
  for (let u = 0; u < NU; u++) if (!isLeaf(u)) U[u].ch.forEach((c, i) => { pos[c] = i; });
  for (let u = NU - 1; u >= 0; u--) {
    if (isLeaf(u)) weight[u] = U[u].z;
    if (u > 0) weight[U[u].p] += weight[u];
  }
  const leafOfNode = new Int32Array(N.length);
  for (let u = 0; u < NU; u++) if (isLeaf(u)) for (let i = 0; i < U[u].z; i++) leafOfNode[U[u].a + i] = u;
  const usersOf = N.map(() => []);
  N.forEach((n, j) => n.i.forEach((i) => usersOf[i].push(j)));
  const nodeByName = new Map(N.map((n, i) => [n.n, i]));
  const unitByPath = new Map();
  U.forEach((u, i) => { if (!isLeaf(i) && i > 0) unitByPath.set(u.n, i); });

  const open = new Uint8Array(NU);
  D.open.forEach((u) => { open[u] = 1; });
  open[0] = 1;

  // -- text widths (measured once per string and font) ----------------------------------------
  const ctx = document.createElement("canvas").getContext("2d");
  const widths = new Map();
  function textWidth(text, font) {
    const key = font === BOLD ? "b" + text : text;
    let w = widths.get(key);
    if (w === undefined) {
      ctx.font = font;
      w = ctx.measureText(text).width;
      widths.set(key, w);
    }
    return w;
  }
  const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

  // -- per-state arrays ------------------------------------------------------------------------
  const vis = new Int32Array(NU);
  const w = new Float64Array(NU), h = new Float64Array(NU), ax = new Float64Array(NU);
  const relx = new Float64Array(NU), rely = new Float64Array(NU), absx = new Float64Array(NU), absy = new Float64Array(NU);
  const rank = new Int32Array(NU), lastRank = new Int32Array(NU);
  const sized = new Uint8Array(NU);  // 1: w/h of its box (leaf or folded scope) known
  let edges = [], byScope = new Map(), busesAt = new Map();

  function computeVisible() {
    vis[0] = 0;
    for (let u = 1; u < NU; u++) {
      const p = U[u].p;
      vis[u] = vis[p] === p && open[p] ? u : vis[p];
    }
  }

  /** Leaf edges lifted to the units drawn; a pair joined several ways draws as the weakest kind,
      and an edge into a folded box is plain (what it merges inside is the box's business). */
  function visibleEdges() {
    const seen = new Map();
    for (const [a, b, k] of D.edges) {
      const va = vis[a], vb = vis[b];
      if (va === vb) continue;
      const kind = isLeaf(vb) ? k : 0;
      const key = va * NU + vb;
      const old = seen.get(key);
      if (old === undefined || kind < old) seen.set(key, kind);
    }
    edges = [];
    byScope = new Map();
    busesAt = new Map();
    for (const [key, k] of seen) {
      const e = { u: Math.floor(key / NU), v: key % NU, k, cu: 0, cv: 0, s: 0, straight: false, arcX: 0 };
      let a = e.u, b = e.v;
      while (depth[a] > depth[b]) a = U[a].p;
      while (depth[b] > depth[a]) b = U[b].p;
      while (U[a].p !== U[b].p) { a = U[a].p; b = U[b].p; }
      e.cu = a; e.cv = b; e.s = U[a].p;
      edges.push(e);
      if (!byScope.has(e.s)) byScope.set(e.s, []);
      byScope.get(e.s).push(e);
    }
  }

  // -- boxes -----------------------------------------------------------------------------------
  function lines(u) {
    const x = U[u];
    if (isLeaf(u)) {
      if (x.sym) return null;
      const rows = x.rows.map((r) => r.map((i) => N[i].l).join(" · "));
      return x.k === "input" ? [[x.n, BOLD]].concat([[x.s, FONT]]) : rows.map((r) => [r, FONT]).concat([[x.s, FONT]]);
    }
    return [["▸ " + x.short, BOLD], [x.call, FONT], [x.s, FONT]];
  }

  function sizeBox(u) {
    if (sized[u]) return;
    sized[u] = 1;
    const ls = lines(u);
    if (ls === null) { w[u] = h[u] = SYM; ax[u] = SYM / 2; return; }
    let width = 0;
    for (const [t, f] of ls) width = Math.max(width, textWidth(t, f));
    const extra = U[u].mx !== undefined ? 16 : 0;
    w[u] = Math.max(36, Math.ceil(width + 2 * BPAD + extra));
    h[u] = ls.length * LINE + 2 * BPAD - 2;
    if (U[u].k === "repeat" || U[u].k === "run") { w[u] += 4; h[u] += 4; }
    ax[u] = w[u] / 2;
  }

  function exposed(x, top, holder) {
    // x sits in the first (top) or last row of every layout from its own up to `holder`'s
    for (; x !== holder; x = U[x].p) if (rank[x] !== (top ? 0 : lastRank[U[x].p])) return false;
    return true;
  }

  /** Lay out open scope s: its children in rows, the trunk on the axis x = 0, sizes bottom-up. */
  function layoutScope(s) {
    const ch = U[s].ch, n = ch.length;
    for (const c of ch) {
      if (!isLeaf(c) && open[c]) layoutScope(c);
      else sizeBox(c);
    }
    const preds = Array.from({ length: n }, () => []);
    const local = byScope.get(s) || [];
    for (const e of local) if (pos[e.cu] < pos[e.cv]) preds[pos[e.cv]].push(pos[e.cu]);
    const rk = new Int32Array(n), best = new Float64Array(n), from = new Int32Array(n).fill(-1);
    let end = -1;
    for (let i = 0; i < n; i++) {
      let r = 0, b = 0;
      for (const p of preds[i]) {
        if (rk[p] + 1 > r) r = rk[p] + 1;
        if (best[p] > b) { b = best[p]; from[i] = p; }
      }
      rk[i] = r;
      best[i] = b + weight[ch[i]];
      if (end < 0 || best[i] >= best[end]) end = i;
    }
    const spine = new Uint8Array(n);
    for (let i = end; i >= 0; i = from[i]) spine[i] = 1;
    let rows = 0;
    for (let i = 0; i < n; i++) { rank[ch[i]] = rk[i]; if (rk[i] + 1 > rows) rows = rk[i] + 1; }
    lastRank[s] = rows - 1;
    const inRow = Array.from({ length: rows }, () => []);
    for (let i = 0; i < n; i++) inRow[rk[i]].push(i);
    const x = new Float64Array(n), y = new Float64Array(n), rowTop = new Float64Array(rows + 1);
    let minX = Infinity, maxX = -Infinity;
    for (let r = 0; r < rows; r++) {
      const items = inRow[r].map((i) => {
        let want = null;
        if (spine[i]) want = 0;
        else if (preds[i].length) want = preds[i].reduce((t, p) => t + x[p] + ax[ch[p]], 0) / preds[i].length;
        return { i, want };
      });
      items.sort((a, b) => (a.want === null ? Infinity : a.want) - (b.want === null ? Infinity : b.want) || a.i - b.i);
      const at = items.findIndex((it) => spine[it.i]);
      const left = (it) => ax[ch[it.i]];
      if (at >= 0) {
        x[items[at].i] = -left(items[at]);
        let edge = x[items[at].i] + w[ch[items[at].i]];
        for (let j = at + 1; j < items.length; j++) {
          const it = items[j], c = ch[it.i];
          x[it.i] = Math.max(it.want === null ? -Infinity : it.want - ax[c], edge + GAPX);
          edge = x[it.i] + w[c];
        }
        edge = x[items[at].i];
        for (let j = at - 1; j >= 0; j--) {
          const it = items[j], c = ch[it.i];
          x[it.i] = Math.min(it.want - ax[c], edge - GAPX - w[c]);
          edge = x[it.i];
        }
      } else {
        let edge = -Infinity;
        for (const it of items) {
          const c = ch[it.i];
          const want = it.want === null ? (edge === -Infinity ? -ax[c] : -Infinity) : it.want - ax[c];
          x[it.i] = Math.max(want, edge + GAPX);
          edge = x[it.i] + w[c];
        }
      }
      let rh = 0;
      for (const i of inRow[r]) {
        const c = ch[i];
        y[i] = rowTop[r];
        if (h[c] > rh) rh = h[c];
        if (x[i] < minX) minX = x[i];
        if (x[i] + w[c] > maxX) maxX = x[i] + w[c];
      }
      rowTop[r + 1] = rowTop[r] + rh + GAPY;
    }
    // edges: straight between rows next to each other where nothing stands between; a source
    // with several other edges of one kind gets a bus (a lane beside the column, a tick into each
    // target: a dense block's thousands of concat edges are as many ticks, not as many arcs);
    // a lone edge is an arc on the right of the rows it passes
    const rowRight = new Float64Array(rows).fill(-Infinity);
    for (let i = 0; i < n; i++) rowRight[rk[i]] = Math.max(rowRight[rk[i]], x[i] + w[ch[i]]);
    let right = maxX;
    const groups = new Map();
    for (const e of local) {
      const ru = rank[e.cu], rv = rank[e.cv];
      e.straight = rv === ru + 1 && exposed(e.u, false, e.cu) && exposed(e.v, true, e.cv);
      e.bus = null;
      if (e.straight) continue;
      const key = e.u * K.length + e.k;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(e);
    }
    const buses = [];
    for (const group of groups.values()) {
      if (group.length < 2) {
        const e = group[0], ru = rank[e.cu], rv = rank[e.cv];
        let base = -Infinity;
        for (let r = Math.min(ru, rv); r <= Math.max(ru, rv); r++) base = Math.max(base, rowRight[r]);
        e.arcX = base + 10 + 16 * Math.log2(1 + Math.abs(rv - ru));
        if (e.arcX + 6 > right) right = e.arcX + 6;
        continue;
      }
      let lo = rank[group[0].cu], hi = lo;
      for (const e of group) { lo = Math.min(lo, rank[e.cv]); hi = Math.max(hi, rank[e.cv]); }
      const bus = { u: group[0].u, k: group[0].k, lo, hi, x: 0, to: group.map((e) => e.v) };
      for (const e of group) e.bus = bus;
      buses.push(bus);
    }
    buses.sort((a, b) => a.lo - b.lo || b.hi - a.hi || a.u - b.u);
    const laneEnd = [];
    for (const bus of buses) {
      let lane = laneEnd.findIndex((end) => end < bus.lo);
      if (lane < 0) { lane = laneEnd.length; laneEnd.push(0); }
      laneEnd[lane] = bus.hi;
      bus.x = maxX + 14 + lane * LANE;
      if (bus.x + 6 > right) right = bus.x + 6;
    }
    busesAt.set(s, buses);
    const top = s === 0 ? PAD : HDR;
    let width = right - minX + 2 * PAD;
    if (s > 0) width = Math.max(width, textWidth("▾ " + U[s].h, BOLD) + 2 * PAD + (U[s].mx !== undefined ? 16 : 0));
    for (let i = 0; i < n; i++) { relx[ch[i]] = x[i] - minX + PAD; rely[ch[i]] = y[i] + top; }
    for (const e of local) e.arcX += -minX + PAD;
    for (const bus of buses) bus.x += -minX + PAD;
    w[s] = width;
    h[s] = rowTop[rows] - GAPY + top + PAD;
    ax[s] = -minX + PAD;
  }

  function layout() {
    computeVisible();
    visibleEdges();
    layoutScope(0);
    absx[0] = absy[0] = 0;
    for (let u = 1; u < NU; u++) {
      if (vis[u] !== u) continue;
      absx[u] = absx[U[u].p] + relx[u];
      absy[u] = absy[U[u].p] + rely[u];
    }
  }

  // -- drawing ---------------------------------------------------------------------------------
  const svg = document.getElementById("canvas");
  const vp = document.createElementNS(svgNS, "g");
  svg.appendChild(vp);
  const defs = document.createElementNS(svgNS, "defs");
  defs.innerHTML = K.map((k, i) =>
    `<marker id="ar${i}" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="7" markerHeight="7" orient="auto">` +
    `<path d="M0,0 L10,5 L0,10 z" fill="${k.color}"/></marker>`).join("");
  svg.appendChild(defs);
  const kindStyle = document.createElement("style");
  kindStyle.textContent = K.map((k, i) =>
    `.e${i}{stroke:${k.color};stroke-width:${k.width}px;${k.dash ? `stroke-dasharray:${k.dash};` : ""}` +
    `opacity:${k.bold ? 0.6 : 0.85};marker-end:url(#ar${i})}.a${i}{fill:${k.color}}`).join("") +
    "path.e.bus{marker-end:none}";
  document.head.appendChild(kindStyle);

  const f1 = (v) => Math.round(v * 10) / 10;

  function edgePath(e) {
    const u = e.u, v = e.v;
    if (e.straight) {
      const x1 = absx[u] + ax[u], y1 = absy[u] + h[u], x2 = absx[v] + ax[v], y2 = absy[v] - 1;
      const ym = (y1 + y2) / 2;
      return `M${f1(x1)},${f1(y1)}C${f1(x1)},${f1(ym)} ${f1(x2)},${f1(ym)} ${f1(x2)},${f1(y2)}`;
    }
    const X = absx[e.s] + e.arcX;
    const xs = absx[u] + w[u], ys = absy[u] + h[u] / 2, xt = absx[v] + w[v] + 1, yt = absy[v] + h[v] / 2;
    return `M${f1(xs)},${f1(ys)}C${f1(X)},${f1(ys)} ${f1(X)},${f1(yt)} ${f1(xt)},${f1(yt)}`;
  }

  function busPaths(s, bus) {
    const u = bus.u, X = f1(absx[s] + bus.x), ys = absy[u] + h[u] / 2;
    let lo = ys, hi = ys, ticks = "", heads = "";
    for (const v of bus.to) {
      const yt = f1(absy[v] + h[v] / 2), xt = f1(absx[v] + w[v] + 1);
      lo = Math.min(lo, yt); hi = Math.max(hi, yt);
      ticks += `M${X},${yt}H${xt + 6}`;
      heads += `M${xt},${yt}l7,-3.5v7z`;
    }
    return `<path class="e e${bus.k} bus" d="M${f1(absx[u] + w[u])},${f1(ys)}H${X}M${X},${f1(lo)}V${f1(hi)}${ticks}"/>` +
      `<path class="ah a${bus.k}" d="${heads}"/>`;
  }

  function boxMarkup(u, out, text) {
    const x = U[u], X = f1(absx[u]), Y = f1(absy[u]), W = w[u], H = h[u];
    out.push(`<g class="bx k-${x.k}" data-u="${u}" transform="translate(${X},${Y})">`);
    if (!text) {  // too small to read: the box alone
      const stroke = !isLeaf(u) && x.b ? ` stroke="${x.b}"` : isLeaf(u) && x.sym ? ` stroke="${x.sc}"` : "";
      out.push(`<rect width="${W}" height="${H}" rx="6" fill="${x.f}"${stroke}/></g>`);
      return;
    }
    if (isLeaf(u) && x.sym) {
      out.push(`<circle cx="${SYM / 2}" cy="${SYM / 2}" r="${SYM / 2 - 1}" fill="${x.f}" stroke="${x.sc}" stroke-width="1.5"/>` +
        `<text x="${SYM / 2}" y="${SYM / 2 + 5}" text-anchor="middle" class="sym" data-n="${x.a}">${esc(x.sym)}</text></g>`);
      return;
    }
    if (!isLeaf(u)) {
      const stroke = x.b ? ` stroke="${x.b}" stroke-width="1.6"` : "";
      if (x.k === "repeat" || x.k === "run") out.push(`<rect x="4" y="4" width="${W - 4}" height="${H - 4}" rx="6" fill="${x.f}"${stroke}/>`);
      const bw = x.k === "repeat" || x.k === "run" ? W - 4 : W, bh = x.k === "repeat" || x.k === "run" ? H - 4 : H;
      out.push(`<rect width="${bw}" height="${bh}" rx="6" fill="${x.f}"${stroke}/>`);
      const cx = f1(bw / 2);
      out.push(`<text x="${cx}" y="${BPAD + 10}" text-anchor="middle" class="b"><tspan class="tog" data-t="${u}">▸</tspan> ${esc(x.short)}</text>`);
      out.push(`<text x="${cx}" y="${BPAD + 10 + LINE}" text-anchor="middle">${esc(x.call)}</text>`);
      out.push(`<text x="${cx}" y="${BPAD + 10 + 2 * LINE}" text-anchor="middle" class="sh">${esc(x.s)}</text>`);
      if (x.mx !== undefined) out.push(`<text x="${bw - 12}" y="${BPAD + 10}" class="mxb" data-mx="${x.mx}">▦</text>`);
      out.push("</g>");
      return;
    }
    out.push(`<rect width="${W}" height="${H}" rx="6" fill="${x.f}"/>`);
    const cx = f1(W / 2);
    let line = 0;
    if (x.k === "input") {
      out.push(`<text x="${cx}" y="${BPAD + 10}" text-anchor="middle" class="b"><tspan data-n="${x.a}">${esc(x.n)}</tspan></text>`);
      line = 1;
    } else {
      x.rows.forEach((r, j) => {
        const color = x.rc[j] ? ` style="fill:${x.rc[j]};font-weight:bold"` : "";
        const parts = r.map((i) => `<tspan data-n="${i}">${esc(N[i].l)}</tspan>`).join(" · ");
        out.push(`<text x="${cx}" y="${BPAD + 10 + LINE * j}" text-anchor="middle"${color}>${parts}</text>`);
      });
      line = x.rows.length;
    }
    out.push(`<text x="${cx}" y="${BPAD + 10 + LINE * line}" text-anchor="middle" class="sh">${esc(x.s)}</text></g>`);
  }

  // Only what is near the view is in the page (the view and one view's size around it), and no
  // text below TEXT_SCALE: a model of thousands of layers costs what the screen shows. Panning or
  // zooming past that margin draws again, at the next frame.
  const TEXT_SCALE = 0.3;
  let lastRender = 0, drawnRect = null, drawnText = true, pending = false;
  let tx = 0, ty = 0, k = 1;

  function render(keep) {
    const t0 = performance.now();
    const before = keep === undefined ? null : [absx[keep], absy[keep]];
    layout();
    if (before) {  // the unit folded or unfolded stays where it was on the screen
      tx += (before[0] - absx[keep]) * k;
      ty += (before[1] - absy[keep]) * k;
      vp.setAttribute("transform", `translate(${f1(tx)},${f1(ty)}) scale(${k})`);
    }
    draw();
    lastRender = performance.now() - t0;
  }

  function viewRect() {
    const r = svg.getBoundingClientRect();
    return [-tx / k, -ty / k, r.width / k, r.height / k];
  }

  function edgeBox(e) {
    if (e.straight) return [absx[e.u], absy[e.u], absx[e.v] + w[e.v], absy[e.v] + h[e.v]];
    const X = absx[e.s] + e.arcX;
    return [Math.min(absx[e.u], absx[e.v]), Math.min(absy[e.u], absy[e.v]), X, Math.max(absy[e.u] + h[e.u], absy[e.v] + h[e.v])];
  }

  function draw() {
    const [vx, vy, vw, vh] = viewRect();
    const x0 = vx - vw, y0 = vy - vh, x1 = vx + 2 * vw, y1 = vy + 2 * vh;
    drawnRect = [x0, y0, x1, y1];
    drawnText = k >= TEXT_SCALE;
    const near = (ax, ay, bx, by) => bx >= x0 && ax <= x1 && by >= y0 && ay <= y1;
    const nearUnit = (u) => near(absx[u], absy[u], absx[u] + w[u], absy[u] + h[u]);
    // frames, then edges, then the frames' headers (over the edges that cross them), then boxes
    const out = [], heads = [];
    for (let u = 1; u < NU; u++) {
      if (vis[u] !== u || isLeaf(u) || !open[u] || !nearUnit(u)) continue;
      const x = U[u];
      out.push(`<rect class="fr" data-u="${u}" x="${f1(absx[u])}" y="${f1(absy[u])}" width="${f1(w[u])}" height="${f1(h[u])}" rx="8" fill="${x.fr}"/>`);
      if (!drawnText) continue;
      heads.push(`<g class="hd" data-u="${u}"><text x="${f1(absx[u] + PAD)}" y="${f1(absy[u] + 13)}" style="stroke:${x.fr}">` +
        `<tspan class="tog" data-t="${u}">▾</tspan> ${esc(x.h)}</text>`);
      if (x.mx !== undefined) heads.push(`<text x="${f1(absx[u] + w[u] - 16)}" y="${f1(absy[u] + 13)}" class="mxb" data-mx="${x.mx}">▦</text>`);
      heads.push("</g>");
    }
    for (const e of edges) if (!e.bus && near(...edgeBox(e))) out.push(`<path class="e e${e.k}" d="${edgePath(e)}"/>`);
    for (const [sc, buses] of busesAt) {
      for (const bus of buses) {
        let lo = absy[bus.u], hi = lo + h[bus.u];
        for (const v of bus.to) { lo = Math.min(lo, absy[v]); hi = Math.max(hi, absy[v] + h[v]); }
        if (near(absx[bus.u], lo, absx[sc] + bus.x, hi)) out.push(busPaths(sc, bus));
      }
    }
    out.push(...heads);
    for (let u = 1; u < NU; u++) if (vis[u] === u && (isLeaf(u) || !open[u]) && nearUnit(u)) boxMarkup(u, out, drawnText);
    vp.innerHTML = out.join("");
    markSelection();
  }

  // -- pan and zoom ----------------------------------------------------------------------------
  function applyView() {
    vp.setAttribute("transform", `translate(${f1(tx)},${f1(ty)}) scale(${k})`);
    if (drawnRect === null || pending) return;
    const [vx, vy, vw, vh] = viewRect();
    const inside = vx >= drawnRect[0] && vy >= drawnRect[1] && vx + vw <= drawnRect[2] && vy + vh <= drawnRect[3];
    if (!inside || (k >= TEXT_SCALE) !== drawnText) {
      pending = true;
      requestAnimationFrame(() => { pending = false; draw(); });
    }
  }
  function fit(all) {
    const r = svg.getBoundingClientRect();
    let s = Math.min(1, (r.width - 20) / w[0], (r.height - 20) / h[0]);
    if (!all && s < 0.6) s = Math.min(1, (r.width - 20) / w[0]);
    k = Math.max(s, 0.02);
    tx = (r.width - w[0] * k) / 2;
    ty = h[0] * k < r.height ? (r.height - h[0] * k) / 2 : 10;
    redraw();
  }
  function redraw() {
    vp.setAttribute("transform", `translate(${f1(tx)},${f1(ty)}) scale(${k})`);
    draw();
  }
  function zoomAt(factor, px, py) {
    const nk = Math.min(4, Math.max(0.02, k * factor));
    tx = px - (px - tx) * (nk / k);
    ty = py - (py - ty) * (nk / k);
    k = nk;
    applyView();
  }
  svg.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    const r = svg.getBoundingClientRect();
    zoomAt(Math.exp(-ev.deltaY * 0.0015), ev.clientX - r.left, ev.clientY - r.top);
  }, { passive: false });
  let drag = null;
  svg.addEventListener("pointerdown", (ev) => { drag = { x: ev.clientX, y: ev.clientY, tx, ty, moved: false }; });
  window.addEventListener("pointermove", (ev) => {
    if (!drag) return;
    const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    if (drag.moved) { tx = drag.tx + dx; ty = drag.ty + dy; applyView(); svg.classList.add("panning"); }
  });
  window.addEventListener("pointerup", () => { setTimeout(() => { drag = null; }, 0); svg.classList.remove("panning"); });
  function centerOn(u) {
    const r = svg.getBoundingClientRect();
    if (k < 0.7) k = 1;
    tx = r.width / 2 - (absx[u] + w[u] / 2) * k;
    ty = r.height / 3 - (absy[u] + h[u] / 2) * k;
    redraw();
  }

  // -- folding ---------------------------------------------------------------------------------
  function toggle(u, state) {
    if (isLeaf(u) || u === 0) return;
    open[u] = state === undefined ? 1 - open[u] : state ? 1 : 0;
    render(u);
  }
  function reveal(u) {  // lays out with every block around u open; the caller draws
    for (let p = U[u].p; p > 0; p = U[p].p) open[p] = 1;
    layout();
  }
  function setAll(state) {
    for (let u = 1; u < NU; u++) if (!isLeaf(u)) open[u] = state;
    const t0 = performance.now();
    layout();
    fit(false);
    lastRender = performance.now() - t0;
  }

  // -- selection and the side panel ------------------------------------------------------------
  const panel = document.getElementById("panel");
  let selected = null;  // {node: i} or {unit: u}
  function markSelection() {
    for (const el of vp.querySelectorAll(".sel")) el.classList.remove("sel");
    if (!selected) return;
    if (selected.node !== undefined) {
      const leaf = leafOfNode[selected.node];
      const shown = vis[leaf];
      const box = vp.querySelector(`g.bx[data-u="${shown}"]`);
      if (box) box.classList.add("sel");
      if (shown === leaf) for (const t of vp.querySelectorAll(`[data-n="${selected.node}"]`)) t.classList.add("sel");
    } else {
      const el = vp.querySelector(`g.bx[data-u="${vis[selected.unit]}"], rect.fr[data-u="${vis[selected.unit]}"]`);
      if (el) el.classList.add("sel");
    }
  }
  const fmt = (v) => (v === null || v === undefined ? "?" : v.toLocaleString("en-US"));
  function big(v) {
    if (v === null || v === undefined) return "unknown (a size is known only at run time)";
    const units = [[1e9, "G"], [1e6, "M"], [1e3, "k"]];
    for (const [d, s] of units) if (v >= d) return `${(v / d).toFixed(2)} ${s} <span class="muted">(${fmt(v)})</span>`;
    return fmt(v);
  }
  /** Where a unit was written: file:line, and those lines (at most 8, dedented), the span marked. */
  function source(src) {
    if (!src) return '<div class="muted">not written in a file</div>';
    const [f, a, b, c0, c1] = src, file = D.files[f];
    let text = "";
    if (file[1]) {
      const last = Math.min(b, a + 7), got = [];
      for (let l = a; l <= last; l++) got.push(file[1][l - 1] || "");
      const indent = Math.min(...got.filter((t) => t.trim()).map((t) => t.match(/^ */)[0].length), c0 > 0 ? c0 - 1 : Infinity);
      const cut = Number.isFinite(indent) ? indent : 0;
      const body = got.map((t, j) => {
        const l = a + j, from = l === a && c0 > 0 ? c0 - 1 : 0, to = l === b && c1 > 0 ? c1 - 1 : t.length;
        const line = esc(t.slice(cut, Math.max(from, cut))) + "<mark>" + esc(t.slice(Math.max(from, cut), to)) + "</mark>" + esc(t.slice(to));
        return `<span class="ln">${l}</span>${line}`;
      });
      text = `<pre class="src">${body.join("\n")}${last < b ? "\n…" : ""}</pre>`;
    }
    return `<div class="loc">${esc(file[0])}:${a}${c0 > 0 ? ":" + c0 : ""}</div>${text}`;
  }
  const link = (i) => `<a href="#" data-sn="${i}">${esc(N[i].n)}</a>`;
  const ulink = (u) => `<a href="#" data-su="${u}">${esc(U[u].n)}</a>`;
  function madeIn(u) {
    const rows = [];
    for (let p = U[u].p; p > 0; p = U[p].p) {
      if (U[p].k === "run") continue;
      rows.push(`<li>${ulink(p)}${U[p].full ? ": " + esc(U[p].full) : ""}${U[p].src ? ` <span class="muted">${esc(D.files[U[p].src[0]][0])}:${U[p].src[1]}</span>` : ""}</li>`);
    }
    return rows.length ? `<h3>inside</h3><ul>${rows.join("")}</ul>` : "";
  }
  function showNode(i) {
    const n = N[i], kind = K[n.e];
    const attrs = Object.entries(n.a).map(([a, v]) => `<tr><td>${esc(a)}</td><td>${esc(v)}</td></tr>`).join("");
    const ins = n.i.map((j) => `<li>${link(j)} <span class="muted">${esc(N[j].s)}</span></li>`).join("");
    const outs = usersOf[i].map((j) => `<li>${link(j)} <span class="muted">${esc(K[N[j].e].name === "seq" ? "" : K[N[j].e].legend)}</span></li>`).join("");
    panel.innerHTML =
      `<h2>${esc(n.n)}</h2><div class="op"><b>${esc(n.o)}</b> ${esc(D.ops[n.o] || "")}</div>` +
      `<table class="kv"><tr><td>output</td><td><b>${esc(n.s)}</b></td></tr>` +
      `<tr><td>parameters</td><td>${big(n.p)}</td></tr><tr><td>MACs</td><td>${big(n.m)}</td></tr>` +
      (kind.name !== "seq" ? `<tr><td>edges in</td><td style="color:${kind.color}">${esc(kind.legend)}</td></tr>` : "") +
      `</table>` + (attrs ? `<h3>attributes</h3><table class="kv">${attrs}</table>` : "") +
      (ins ? `<h3>inputs</h3><ul>${ins}</ul>` : "") + (outs ? `<h3>used by</h3><ul>${outs}</ul>` : "") +
      `<h3>source</h3>${source(n.src)}` + madeIn(leafOfNode[i]);
    panel.hidden = false;
  }
  function showUnit(u) {
    const x = U[u];
    if (isLeaf(u)) {
      const layers = [];
      for (let i = x.a; i < x.a + x.z; i++) layers.push(`<li>${link(i)} <span class="muted">${esc(N[i].l)} → ${esc(N[i].s)}</span></li>`);
      panel.innerHTML = `<h2>${esc(x.n)}</h2><div class="op">${x.z} layers in a chain</div><ul>${layers.join("")}</ul>` + madeIn(u);
    } else {
      const what = { block: "block instance", group: "group", repeat: "repetition", run: "run of alike blocks" }[x.k] || x.k;
      panel.innerHTML =
        `<h2>${esc(x.n)}</h2><div class="op">${esc(what)}${x.full ? ": <b>" + esc(x.full) + "</b>" : ""}</div>` +
        `<table class="kv"><tr><td>output</td><td><b>${esc(x.s)}</b></td></tr><tr><td>layers</td><td>${fmt(x.layers)}</td></tr>` +
        `<tr><td>parameters</td><td>${big(x.params)}</td></tr><tr><td>MACs</td><td>${big(x.macs)}</td></tr></table>` +
        `<p><button data-tg="${u}">${open[u] ? "fold" : "unfold"}</button>` +
        (x.mx !== undefined ? ` <button data-mx="${x.mx}">connectivity matrix</button>` : "") + `</p>` +
        `<h3>source</h3>${source(x.src)}` + madeIn(u);
    }
    panel.hidden = false;
  }
  function select(sel) {
    selected = sel;
    markSelection();
    if (sel.node !== undefined) showNode(sel.node);
    else showUnit(sel.unit);
  }
  function go(sel) {
    const u = sel.node !== undefined ? leafOfNode[sel.node] : sel.unit;
    reveal(u);
    select(sel);
    centerOn(vis[u]);
  }
  panel.addEventListener("click", (ev) => {
    const a = ev.target.closest("[data-sn],[data-su],[data-tg],[data-mx]");
    if (!a) return;
    ev.preventDefault();
    if (a.dataset.sn !== undefined) go({ node: +a.dataset.sn });
    else if (a.dataset.su !== undefined) go({ unit: +a.dataset.su });
    else if (a.dataset.tg !== undefined) { toggle(+a.dataset.tg); showUnit(+a.dataset.tg); }
    else showMatrix(+a.dataset.mx);
  });
  svg.addEventListener("click", (ev) => {
    if (drag && drag.moved) return;
    const t = ev.target;
    const mx = t.closest("[data-mx]");
    if (mx) return showMatrix(+mx.dataset.mx);
    const tog = t.closest("[data-t]");
    if (tog) return toggle(+tog.dataset.t);
    const n = t.closest("[data-n]");
    if (n) return select({ node: +n.dataset.n });
    const g = t.closest("[data-u]");
    if (g) return select({ unit: +g.dataset.u });
  });
  svg.addEventListener("dblclick", (ev) => {
    const g = ev.target.closest("[data-u]");
    if (g && !isLeaf(+g.dataset.u)) toggle(+g.dataset.u);
  });

  // -- the connectivity matrix -----------------------------------------------------------------
  const overlay = document.getElementById("matrix");
  function showMatrix(m) {
    const M = D.matrices[m], n = M.rows.length;
    const cells = new Map(M.cells.map(([i, j, kk]) => [i * n + j, kk]));
    const head = M.rows.map((_, j) => `<th>${j}</th>`).join("");
    const body = M.rows.map(([name, shape], i) => {
      let tds = "";
      for (let j = 0; j < n; j++) {
        const kk = cells.get(i * n + j);
        tds += kk !== undefined ? `<td style="background:${K[kk].color}" title="${esc(K[kk].legend)}"></td>` : i === j ? '<td class="diag"></td>' : "<td></td>";
      }
      return `<tr><th class="name">${i} ${esc(name)} <small>${esc(shape)}</small></th>${tds}</tr>`;
    }).join("");
    const used = [...new Set(M.cells.map((c) => c[2]))].sort();
    const key = used.map((kk) => `<span><b style="color:${K[kk].color}">■</b> ${esc(K[kk].legend)}</span>`).join(" ");
    overlay.innerHTML = `<div class="card"><button class="close" title="close (Esc)">×</button><h2>${esc(M.title)}</h2>` +
      `<p class="muted">row feeds column · ${key}</p><table class="matrix"><tr><th class="name"></th>${head}</tr>${body}</table></div>`;
    overlay.hidden = false;
  }
  overlay.addEventListener("click", (ev) => { if (ev.target === overlay || ev.target.closest(".close")) overlay.hidden = true; });

  // -- search ----------------------------------------------------------------------------------
  const q = document.getElementById("q"), hits = document.getElementById("hits");
  let found = [];
  function search(text) {
    const t = text.trim().toLowerCase();
    found = [];
    if (!t) { hits.hidden = true; return found; }
    const score = (name) => { const s = name.toLowerCase(); return s === t ? 0 : s.endsWith("." + t) ? 1 : s.startsWith(t) ? 2 : s.includes(t) ? 3 : -1; };
    for (const [name, u] of unitByPath) { const s = score(name); if (s >= 0) found.push({ s, name, sel: { unit: u } }); }
    N.forEach((n, i) => { const s = score(n.n); if (s >= 0) found.push({ s, name: n.n, sel: { node: i }, op: n.o }); });
    found.sort((a, b) => a.s - b.s || a.name.length - b.name.length || (a.name < b.name ? -1 : 1));
    hits.innerHTML = found.slice(0, 12).map((f, j) => `<div data-h="${j}">${esc(f.name)} <span class="muted">${esc(f.op || "")}</span></div>`).join("") ||
      '<div class="muted">no layer or block by that name</div>';
    hits.hidden = false;
    return found;
  }
  q.addEventListener("input", () => search(q.value));
  q.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && found.length) { go(found[0].sel); hits.hidden = true; }
    if (ev.key === "Escape") { hits.hidden = true; q.blur(); }
  });
  hits.addEventListener("mousedown", (ev) => {
    const d = ev.target.closest("[data-h]");
    if (d) { ev.preventDefault(); go(found[+d.dataset.h].sel); hits.hidden = true; }
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") overlay.hidden = true;
    if (ev.target === q) return;
    if (ev.key === "/") { ev.preventDefault(); q.focus(); }
  });

  // -- toolbar, live reload, first paint -------------------------------------------------------
  const on = (id, fn) => document.getElementById(id).addEventListener("click", fn);
  on("fit", () => fit(true));
  on("zin", () => { const r = svg.getBoundingClientRect(); zoomAt(1.25, r.width / 2, r.height / 2); });
  on("zout", () => { const r = svg.getBoundingClientRect(); zoomAt(0.8, r.width / 2, r.height / 2); });
  on("foldall", () => setAll(0));
  on("openall", () => setAll(1));
  if (D.live) {
    setInterval(() => {
      fetch(D.live.url, { cache: "no-store" }).then((r) => r.text()).then((v) => { if (v !== D.live.version) location.reload(); }, () => {});
    }, D.live.every || 500);
  }

  const started = performance.now();
  layout();
  fit(false);
  lastRender = performance.now() - started;
  const api = {
    firstRender: lastRender,
    firstPaint: null,
    get lastRender() { return lastRender; },
    toggle: (path, state) => toggle(unitByPath.get(path), state),
    select: (name) => go(nodeByName.has(name) ? { node: nodeByName.get(name) } : { unit: unitByPath.get(name) }),
    search: (text) => search(text).map((f) => f.name),
    isOpen: (path) => !!open[unitByPath.get(path)],
    drawn: () => vp.querySelectorAll("g.bx").length,
    boxes: () => { let n = 0; for (let u = 1; u < NU; u++) if (vis[u] === u && (isLeaf(u) || !open[u])) n++; return n; },
    folded: () => U.filter((x, u) => u > 0 && vis[u] === u && !isLeaf(u) && !open[u]).map((x) => x.n),
    openAll: () => setAll(1),
  };
  window.resgraphViewer = api;
  requestAnimationFrame(() => requestAnimationFrame(() => { api.firstPaint = performance.now(); }));
})();
