/// The console's one stylesheet, served at `/console/assets/console.css` (no external assets,
/// no CDN). Colours keep WCAG AA contrast (4.5:1 for text) on their backgrounds; focus is
/// always visible for keyboard users.
enum Stylesheet {
    static let css = """
        :root { --ink: #1f2937; --muted: #4b5563; --line: #d1d5db; --paper: #ffffff; --wash: #f3f4f6;
          --accent: #1d4ed8; --accent-ink: #ffffff; --bad: #b91c1c; --good: #166534; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "PingFang SC", "Noto Sans CJK SC", sans-serif;
          color: var(--ink); background: var(--wash); }
        a { color: var(--accent); }
        a:focus, button:focus, input:focus, select:focus, textarea:focus, main:focus { outline: 3px solid #f59e0b; outline-offset: 2px; }
        .skip { position: absolute; left: -999px; top: 0; background: var(--paper); padding: .5em 1em; }
        .skip:focus { left: 1em; z-index: 10; }
        header.top { display: flex; flex-wrap: wrap; align-items: center; gap: 1em; padding: .6em 1.2em;
          background: var(--paper); border-bottom: 1px solid var(--line); }
        .brand { font-weight: 700; }
        nav#nav ul { display: flex; flex-wrap: wrap; gap: .2em 1em; list-style: none; margin: 0; padding: 0; }
        nav#nav a[aria-current="page"] { font-weight: 700; color: var(--ink); }
        .who { color: var(--muted); margin-left: auto; }
        .languages a { margin-left: .5em; }
        main { max-width: 1100px; margin: 1.5em auto; padding: 0 1.2em; }
        footer { max-width: 1100px; margin: 2em auto; padding: 0 1.2em; color: var(--muted); }
        h1 { font-size: 1.6em; margin: .2em 0 .6em; }
        h2 { font-size: 1.2em; margin: 1.2em 0 .5em; }
        .card { background: var(--paper); border: 1px solid var(--line); border-radius: 6px; padding: 1em 1.2em; margin: 1em 0; }
        .card h2 { margin-top: 0; }
        .narrow { max-width: 460px; }
        .narrow input { width: 100%; }
        .narrow button { display: block; }
        .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 1em; }
        .big { font-size: 1.8em; font-weight: 700; margin: .2em 0; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; margin: 0; }
        dt { color: var(--muted); }
        dd { margin: 0; }
        label { display: block; font-weight: 600; margin: .6em 0 .2em; }
        label.check { font-weight: 400; }
        form.inline { display: flex; flex-wrap: wrap; align-items: end; gap: .5em 1em; }
        form.inline label { margin: 0; }
        input, select, textarea { font: inherit; color: var(--ink); background: var(--paper); border: 1px solid #6b7280;
          border-radius: 4px; padding: .4em .5em; max-width: 100%; }
        textarea { width: 100%; font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: 13px; }
        button { font: inherit; color: var(--accent-ink); background: var(--accent); border: 0; border-radius: 4px;
          padding: .45em 1em; cursor: pointer; margin-top: .6em; }
        form.inline button { margin-top: 0; }
        td form { display: inline-block; margin: 0 .3em .3em 0; }
        td button { margin: 0; padding: .25em .6em; }
        .help { color: var(--muted); margin: .2em 0; font-size: .93em; }
        table { width: 100%; border-collapse: collapse; background: var(--paper); margin: .5em 0 1em; }
        caption { text-align: left; color: var(--muted); padding: .3em 0; }
        th, td { text-align: left; padding: .4em .6em; border-bottom: 1px solid var(--line); vertical-align: top; }
        thead th { background: var(--wash); white-space: nowrap; }
        .num { text-align: right; font-variant-numeric: tabular-nums; }
        .empty { color: var(--muted); }
        .flash { background: #dcfce7; color: var(--good); border: 1px solid #86efac; padding: .6em 1em; border-radius: 4px; }
        .problem { background: #fee2e2; color: var(--bad); border: 1px solid #fca5a5; padding: .6em 1em; border-radius: 4px; }
        .problem code { color: var(--bad); }
        progress { width: 100%; height: 1em; }
        svg.chart { display: block; max-width: 100%; height: auto; background: var(--paper); }
        code.changes { word-break: break-all; font-size: .85em; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
        """
}
