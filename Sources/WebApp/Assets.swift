/// The style sheet, compiled in: readable on a phone (one column under 40em), no web fonts.
enum Assets {
    static let css = """
        *{box-sizing:border-box}
        body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;color:#1b1f24;background:#f4f6f8}
        header{background:#0b4f8a;color:#fff;padding:.5em 1em;display:flex;flex-wrap:wrap;gap:.5em 1.2em;align-items:center}
        header a{color:#fff;text-decoration:none;font-weight:600}
        header .who{margin-left:auto;font-size:.9em}
        header form{display:inline}
        header button{background:transparent;color:#fff;border:1px solid #fff;border-radius:4px;padding:.2em .6em;cursor:pointer}
        main{max-width:64em;margin:0 auto;padding:1em}
        h1{font-size:1.4em;margin:.3em 0 .6em}
        h2{font-size:1.15em;margin:1.2em 0 .4em}
        .card{background:#fff;border:1px solid #d6dbe1;border-radius:6px;padding:1em;margin:0 0 1em}
        table{width:100%;border-collapse:collapse;background:#fff}
        th,td{text-align:left;padding:.45em .5em;border-bottom:1px solid #e3e7ec;vertical-align:top}
        th{background:#eef2f6;font-weight:600}
        .badge{display:inline-block;border-radius:3px;padding:0 .4em;font-size:.85em;background:#e3e7ec;margin:0 .2em .2em 0}
        .st-delivered,.st-done{background:#d4f1dc;color:#135c2b}
        .st-failed,.st-partly-failed,.st-rejected,.st-uncertain{background:#fbdcdc;color:#8a1c1c}
        .st-submitted,.st-pending,.st-retry-wait{background:#fff1c9;color:#6b4e00}
        .st-approved,.st-leased,.st-dispatching{background:#dce9fb;color:#0b4f8a}
        .notice{background:#fff1c9;border:1px solid #e0c46c;padding:.6em .8em;border-radius:4px;margin-bottom:1em}
        .error{background:#fbdcdc;border:1px solid #d98c8c;padding:.6em .8em;border-radius:4px;margin-bottom:1em}
        .ok{background:#d4f1dc;border:1px solid #8cc79d;padding:.6em .8em;border-radius:4px;margin-bottom:1em}
        label{display:block;font-weight:600;margin:.7em 0 .2em}
        input[type=text],input[type=password],input[type=datetime-local],select,textarea{width:100%;padding:.45em;border:1px solid #b8c0c9;border-radius:4px;font:inherit}
        textarea{min-height:12em}
        .checks label{display:inline-block;font-weight:400;margin-right:1em}
        button,.button{background:#0b4f8a;color:#fff;border:0;border-radius:4px;padding:.55em 1.1em;font:inherit;cursor:pointer;margin:.6em .4em 0 0;text-decoration:none;display:inline-block}
        button.secondary{background:#5b6672}
        button.danger{background:#a12626}
        pre{white-space:pre-wrap;word-wrap:break-word;background:#f7f9fb;border:1px solid #e3e7ec;padding:.7em;border-radius:4px;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif}
        .preview{border-left:4px solid #0b4f8a;padding-left:.8em}
        .muted{color:#5b6672;font-size:.9em}
        details summary{cursor:pointer;color:#5b6672}
        iframe{width:100%;min-height:20em;border:1px solid #e3e7ec;background:#fff}
        @media (max-width:40em){th.wide,td.wide{display:none}main{padding:.5em}header .who{margin-left:0}}
        """
}
