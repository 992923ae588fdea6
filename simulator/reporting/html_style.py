"""The one stylesheet of paychaos's report pages, inlined into report.html of `paychaos run` and of
`paychaos load` (templates/page.html.j2; no external assets): usable at 390 px, a print stylesheet."""

CSS = """
:root{--bg:#f4f6fa;--card:#fff;--ink:#1c2433;--mute:#6b7687;--line:#e3e7ee;
--good:#1f9d55;--good-bg:#e3f6ea;--warn:#c98a00;--warn-bg:#fff4d6;--bad:#d23b3b;--bad-bg:#fde6e6;
--na:#9aa3b2;--accent:#4455dd}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",
Roboto,"Noto Sans","Noto Sans CJK SC","Microsoft YaHei",sans-serif}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{margin:2px 0 4px;font-size:26px}h2{margin:0 0 6px;font-size:19px}
h3{margin:18px 0 8px;font-size:13px;text-transform:uppercase;letter-spacing:.06em;color:var(--mute)}
code{font:12px/1.3 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f0f2f7;padding:1px 4px;border-radius:4px}
.muted{color:var(--mute)}
.hero{display:flex;gap:24px;align-items:center;justify-content:space-between;flex-wrap:wrap;
background:linear-gradient(120deg,#1e2a4a,#2f3f72);color:#fff;border-radius:14px;padding:22px 26px;margin-bottom:18px;
box-shadow:0 6px 20px rgba(20,30,60,.18);border-left:8px solid var(--good)}
.hero.ko{border-left-color:var(--bad)}
.hero .sub{color:#c9d2ea;margin:0}.hero b{color:#fff}
.brand{font-weight:700;letter-spacing:.12em;text-transform:uppercase;font-size:12px;color:#9fb0e6}
.verdict{text-align:center}
.verdict .big{font-size:44px;font-weight:800;line-height:1.1;margin-top:6px}
.verdict .cap{font-size:12px;color:#c9d2ea}
.badge{display:inline-block;padding:4px 14px;border-radius:999px;font-weight:800;letter-spacing:.08em}
.badge.ok{background:var(--good)}.badge.ko{background:var(--bad)}
.stats{display:flex;gap:10px}
.stats div{background:rgba(255,255,255,.1);border-radius:10px;padding:8px 14px;text-align:center;min-width:74px}
.stats b{display:block;font-size:22px}.stats span{font-size:12px;color:#c9d2ea}
.card{background:var(--card);border-radius:12px;padding:18px 22px;margin-bottom:16px;
box-shadow:0 1px 3px rgba(20,30,60,.08);border:1px solid var(--line)}
table{border-collapse:collapse;width:100%;font-size:13px}
th{text-align:left;font-weight:600;color:var(--mute);font-size:12px;border-bottom:2px solid var(--line);padding:6px 8px}
td{border-bottom:1px solid var(--line);padding:6px 8px;vertical-align:top}
tbody tr:hover{background:#fafbfe}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.good{color:var(--good);font-weight:600}td.warn{color:var(--warn);font-weight:600}
td.bad{color:var(--bad);font-weight:600}td.na{color:var(--na)}
a{color:var(--accent);text-decoration:none;font-weight:600}a:hover{text-decoration:underline}
.cause{display:inline-block;background:#eef0ff;color:#3a46a8;border-radius:6px;padding:1px 7px;font-size:12px;font-weight:600}
.pill{display:inline-block;border-radius:999px;padding:1px 9px;font-size:11px;font-weight:800;letter-spacing:.05em;vertical-align:middle}
.pill.good{background:var(--good-bg);color:var(--good)}.pill.bad{background:var(--bad-bg);color:var(--bad)}
.pill.na{background:#eef0f4;color:var(--mute)}
.meter{position:relative;height:10px;background:#eef0f4;border-radius:5px;min-width:110px;overflow:hidden}
.meter .fill{height:100%}.meter .fill.good{background:#9fdfb7}.meter .fill.warn{background:#ffe08a}
.meter .fill.bad{background:#f7a9a9}
.meter .mark{position:absolute;top:0;bottom:0;width:2px;background:#1c2433;opacity:.55}
.meter-row{display:flex;align-items:center;gap:8px}.meter-row b{min-width:34px;text-align:right}
.meter-row b.good{color:var(--good)}.meter-row b.warn{color:var(--warn)}.meter-row b.bad{color:var(--bad)}
.meter-row .meter{flex:1}
.sev{display:inline-block;border-radius:5px;padding:0 6px;font-size:11px;font-weight:700;text-transform:uppercase}
.sev.critical{background:var(--bad);color:#fff}.sev.major{background:var(--bad-bg);color:var(--bad)}
.sev.minor{background:var(--warn-bg);color:var(--warn)}.sev.info{background:#eef0f4;color:var(--mute)}
.scen-head{display:flex;justify-content:space-between;gap:16px;align-items:flex-start}
.scen-head .sub{margin:2px 0;color:var(--mute)}.facts{margin:4px 0 0;color:var(--mute);font-size:12px}
.total{text-align:center;border-radius:12px;padding:8px 16px;min-width:110px}
.total b{display:block;font-size:34px;line-height:1.1}.total span{font-size:11px;color:var(--mute)}
.total.good{background:var(--good-bg);color:var(--good)}.total.warn{background:var(--warn-bg);color:var(--warn)}
.total.bad{background:var(--bad-bg);color:var(--bad)}.total.na{background:#eef0f4;color:var(--na)}
.dims{display:grid;grid-template-columns:repeat(4,1fr);gap:10px;margin-top:14px}
.dim{border:1px solid var(--line);border-radius:10px;padding:8px 12px;border-top:4px solid var(--na)}
.dim b{font-size:22px;display:block}.dim span{font-size:12px;color:var(--mute);text-transform:uppercase;letter-spacing:.05em}
.dim i{display:block;font-size:11px;color:var(--na)}
.dim.good{border-top-color:var(--good)}.dim.warn{border-top-color:var(--warn)}.dim.bad{border-top-color:var(--bad)}
.error{background:var(--bad-bg);border-radius:8px;padding:10px 14px;margin-top:12px;color:#7a1f1f}
.error pre{white-space:pre-wrap;margin:6px 0 0;font-size:12px}.error,.error pre{overflow-wrap:anywhere}
.findings{list-style:none;margin:0;padding:0}
.finding{border-left:4px solid var(--na);background:#fafbfd;border-radius:6px;padding:8px 12px;margin-bottom:8px}
.finding.critical{border-left-color:var(--bad);background:#fff6f6}.finding.major{border-left-color:#ef7b7b}
.finding.minor{border-left-color:var(--warn)}
.finding p{margin:4px 0}.fhead{display:flex;gap:8px;align-items:center}
.fdim{font-size:12px;font-weight:700;color:var(--accent);text-transform:uppercase}
.evs{display:flex;flex-wrap:wrap;gap:6px}
.ev{font-size:12px;background:#fff;border:1px solid var(--line);border-radius:6px;padding:1px 7px;color:#3b4456}
.ev b{color:var(--mute);font-weight:600}
.tl-wrap{border:1px solid var(--line);border-radius:10px;padding:6px;background:#fcfdff}
svg.timeline{width:100%;height:auto;display:block}
.lane{fill:#f3f5f9}.lane.alt{fill:#eceff5}
.lane-label{font-size:12px;fill:#4b5567;text-anchor:end;dominant-baseline:middle;font-weight:600}
.tick{stroke:#d5dae3;stroke-dasharray:2 3}.tick-label{font-size:10px;fill:#8a93a3;text-anchor:middle}
.x-ok{fill:#3fb871;background:#3fb871}.x-4xx{fill:#e7a91c;background:#e7a91c}
.x-5xx{fill:#e05252;background:#e05252}.x-none{fill:#7a2b8f;background:#7a2b8f}
.faulted{stroke:#111;stroke-width:1.5}
.fault-mark{fill:#d23b3b}.fault-key{color:#d23b3b;font-size:12px}
.c-paid{fill:#9fdfb7;background:#9fdfb7}.c-pending{fill:#bcd2ff;background:#bcd2ff}
.c-failed{fill:#f7b0b0;background:#f7b0b0}.c-none{fill:#c3c7cf;background:#c3c7cf}
.legend{font-size:12px;color:var(--mute);margin:6px 2px 0;display:flex;gap:6px;align-items:center;flex-wrap:wrap}
.legend span:not(.fault-key){display:inline-block;width:14px;height:10px;border-radius:2px;margin-left:8px}
details.block{margin-top:14px}details.block summary{cursor:pointer;font-weight:600;color:#3b4456;margin-bottom:6px}
.st{font-weight:700}.st.paid{color:var(--good)}.st.failed,.st.no-answer{color:var(--bad)}.st.pending{color:#3a5bd0}
.fault{display:inline-block;background:var(--bad-bg);color:var(--bad);border-radius:5px;padding:0 6px;font-size:11px;font-weight:700;margin-right:3px}
tr.faulted-row{background:#fffafa}
.x-ok-t{color:var(--good);font-weight:600}.x-4xx-t{color:var(--warn);font-weight:600}
.x-5xx-t,.x-none-t{color:var(--bad);font-weight:600}
.scroll{overflow-x:auto}td{overflow-wrap:break-word}th{white-space:nowrap}
.ev,details.evt td{overflow-wrap:anywhere}
td.nowrap{white-space:nowrap}td.narrow{max-width:190px;overflow-wrap:anywhere;font-size:12px}
details.evt{margin:6px 0 2px}details.evt summary{cursor:pointer;font-size:12px;color:var(--mute);font-weight:600}
details.evt table{font-size:12px;background:#fff}details.evt td,details.evt th{padding:3px 6px}
footer{color:var(--mute);font-size:12px;text-align:center;margin:22px 0 8px}
.hero-main,.verdict{min-width:0}
.stats{flex-wrap:wrap}
.fixes{margin:0;padding:0;list-style:none;counter-reset:fix}
.fixrow{border-left:4px solid var(--na);background:#fafbfd;border-radius:6px;padding:8px 12px;margin-bottom:8px}
.fixrow.critical{border-left-color:var(--bad);background:#fff6f6}.fixrow.major{border-left-color:#ef7b7b}
.fixrow.minor{border-left-color:var(--warn)}
.fixrow .fhead{flex-wrap:wrap}.hits{color:var(--mute);font-size:12px}
.fixline{margin:4px 0}.why{margin:2px 0;font-size:12px;color:#3b4456}
.fix code,.finding code,.delta code,.finding p,.fixrow .why{overflow-wrap:anywhere}
.unjudged{margin:0;padding-left:18px}.unjudged li{margin:3px 0;overflow-wrap:anywhere}
.delta{margin:0;padding-left:18px}.delta li{margin:3px 0;overflow-wrap:anywhere}
.bad-t{color:var(--bad)}.good-t{color:var(--good)}
.pill.warn{background:var(--warn-bg);color:var(--warn)}
.warnbox{background:var(--warn-bg);color:#6b4a00}
input.filter{position:absolute;opacity:0;pointer-events:none}
.filterbar{display:flex;gap:8px;align-items:center;margin:4px 0 12px;flex-wrap:wrap}
.filterbar label{cursor:pointer;border:1px solid var(--line);background:#fff;border-radius:999px;padding:3px 12px;
font-weight:600;font-size:13px}
#show-failed:checked~.filterbar label[for=show-failed],#show-all:checked~.filterbar label[for=show-all]{
background:var(--accent);color:#fff;border-color:var(--accent)}
input.filter:focus-visible~.filterbar label{outline:2px solid var(--accent)}
#show-failed:checked~.scenarios .scenario.pass:not(:target){display:none}
details.scenario>summary{cursor:pointer;display:flex;flex-wrap:wrap;gap:8px;align-items:baseline;list-style:none}
details.scenario>summary::-webkit-details-marker{display:none}
details.scenario>summary::before{content:"▸";color:var(--mute)}details.scenario[open]>summary::before{content:"▾"}
details.scenario[open]>summary{margin-bottom:8px}
.sname{font-size:18px;font-weight:700;overflow-wrap:anywhere}
.stotal{font-weight:800}.stotal small{font-weight:400;color:var(--mute)}
.stotal.good{color:var(--good)}.stotal.warn{color:var(--warn)}.stotal.bad{color:var(--bad)}
.why-short{flex-basis:100%;color:#7a1f1f;font-size:13px;overflow-wrap:anywhere}
pre.repro{background:#1e2433;color:#e8ecf5;border-radius:8px;padding:10px 12px;font-size:12px;white-space:pre-wrap;
overflow-wrap:anywhere}
pre.repro .c{color:#9fb0e6}
table.kv{width:auto;max-width:100%;font-size:12px;margin:4px 0}
table.kv th{white-space:normal;border:0;padding:2px 8px 2px 0;vertical-align:top;font-weight:600}
table.kv td{border:0;padding:2px 0;overflow-wrap:anywhere}
table.kv table.kv{margin:0}
code.json{white-space:pre-wrap;overflow-wrap:anywhere}
details.raw summary{cursor:pointer;overflow-wrap:anywhere}
details.raw pre{white-space:pre-wrap;overflow-wrap:anywhere;max-height:320px;overflow:auto;background:#f6f7fb;
padding:6px 8px;border-radius:6px;font-size:12px}
td.msg{min-width:180px;max-width:420px;overflow-wrap:anywhere}.shots{display:flex;flex-wrap:wrap;gap:12px}.shots figure{margin:0;max-width:420px}.shots img{width:100%;border:1px solid #ccc}.shots figcaption{font-size:.85em}td.key{overflow-wrap:anywhere;max-width:220px}
.tl-wrap{overflow-x:auto}
.chart-wrap{overflow-x:auto;margin:6px 0 14px}
svg.chart{display:block;width:100%;max-width:860px;height:auto}
svg .ch-title{font-weight:600;font-size:15px;fill:var(--ink)}svg .ch-axis{font-size:13px;fill:var(--mute)}
svg .ch-phase{font-size:12px;fill:#3b4650}svg .ch-legend{font-size:13px;fill:var(--ink)}
svg .ch-grid{stroke:#d9e0e7;stroke-width:1}
table.phases td:first-child{min-width:140px;overflow-wrap:anywhere}table.phases th{white-space:normal;vertical-align:bottom}
.narrow-note{display:none}
@media (max-width:700px){
main{padding:10px}
.hero{padding:14px 16px;gap:12px}.hero h1{font-size:20px}
.stats{gap:6px}.stats div{min-width:0;padding:6px 10px}
.card{padding:12px 12px}
.scen-head{flex-wrap:wrap}
.dims{grid-template-columns:repeat(2,1fr)}
svg.timeline{min-width:640px}
table.summary .opt,.summary .meter{display:none}
table.summary td,table.summary th{padding:5px 4px}
table.summary td:first-child{overflow-wrap:anywhere;min-width:90px}
table.phases td:first-child{white-space:normal;min-width:80px}table.phases th{white-space:normal}table.phases{font-size:12px}
svg.chart{min-width:560px}
.narrow-note{display:block;font-size:12px}
}
@media print{
body{background:#fff;font-size:12px}main{max-width:none;padding:0}
.card{break-inside:auto;box-shadow:none;border:1px solid #ccc}
.fixrow,.finding,.dim{break-inside:avoid}
.hero{box-shadow:none;background:#fff;color:#000;border:1px solid #999}
.hero .sub,.verdict .cap,.stats span{color:#333}.hero b{color:#000}
.filterbar,input.filter{display:none}
.scenario.pass{display:block!important}
details::details-content{content-visibility:visible;display:contents}
a{color:inherit}
.scroll,.tl-wrap{overflow:visible}
svg.timeline,svg.chart{min-width:0}.chart-wrap{overflow:visible;break-inside:avoid}
.narrow-note{display:none}table.summary .opt{display:table-cell}
table.phases{font-size:11px}table.phases td,table.phases th{padding:4px 3px}table.phases td:first-child{white-space:normal}
th,td,td.nowrap{white-space:normal;overflow-wrap:anywhere}.meter{min-width:40px}
td.msg,td.key,td.narrow{min-width:0;max-width:none}
}
"""
