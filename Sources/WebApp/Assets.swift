/// The style sheet and the one script, compiled in: readable on a phone (one column under 40em), no web
/// fonts, no build step.
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
        .counters{list-style:none;padding:0;margin:.4em 0}
        .counters li{font-size:.9em;color:#135c2b}
        .counters li.over{color:#8a1c1c;font-weight:600}
        .slots{font-size:.85em;color:#5b6672;margin:0 0 .4em 1.6em}
        .slots button{margin:.1em .3em 0 0;padding:.1em .5em;background:#eef2f6;color:#0b4f8a;border:1px solid #b8c0c9}
        .month{table-layout:fixed}
        .month td{height:6em;font-size:.85em}
        .month td.other{background:#f7f9fb;color:#8a949e}
        .month .day{font-weight:600}
        .month .quiet{color:#6b4e00}
        .figures td.num{text-align:right;font-variant-numeric:tabular-nums}
        @media (max-width:40em){th.wide,td.wide{display:none}main{padding:.5em}header .who{margin-left:0}}
        """

    /// The compose page's counters (each chosen channel's length limits, as the officer types) and its
    /// suggested publish times (a click fills the field). Hand-written: a few lines need no framework, and
    /// every page works without it (the server checks the same limits when the item is saved).
    static let js = """
        (function () {
          "use strict";
          var form = document.getElementById("soan");
          if (!form) { return; }
          var title = document.getElementById("title");
          var summary = document.getElementById("summary");
          var body = document.getElementById("body");
          var list = document.getElementById("dem-ky-tu");
          function count(text) { return Array.from(text.normalize("NFC")).length; }
          function measure(kind) {
            var t = title.value.trim(), s = summary.value.trim(), b = body.value.trim();
            if (kind === "title") { return count(t); }
            if (kind === "summary") { return count(s); }
            if (kind === "title-lead") { var lead = s || b; return count(lead ? t + "\\n\\n" + lead : t); }
            return 0;
          }
          function update() {
            while (list.firstChild) { list.removeChild(list.firstChild); }
            var boxes = form.querySelectorAll("input[name=channels]");
            for (var i = 0; i < boxes.length; i++) {
              var box = boxes[i];
              if (!box.checked || !box.dataset.limits) { continue; }
              var limits = box.dataset.limits.split("|");
              for (var j = 0; j < limits.length; j++) {
                var parts = limits[j].split(":");
                var n = measure(parts[0]), max = parseInt(parts[1], 10);
                var li = document.createElement("li");
                li.className = n > max ? "over" : "";
                li.dataset.channel = box.value;
                li.textContent = box.value + " — " + parts.slice(2).join(":") + ": " + n + "/" + max + " ký tự" +
                  (n > max ? " (dài quá " + (n - max) + " ký tự)" : "");
                list.appendChild(li);
              }
            }
          }
          form.addEventListener("input", update);
          form.addEventListener("change", update);
          var slots = form.querySelectorAll("button[data-slot]");
          for (var k = 0; k < slots.length; k++) {
            slots[k].addEventListener("click", function (event) {
              event.preventDefault();
              document.getElementById("publish_at").value = this.dataset.slot;
            });
          }
          update();
        })();
        """
}
