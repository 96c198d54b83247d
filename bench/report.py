#!/usr/bin/python3
"""bench/report.py RESULTS.tsv SIZE RUNS OUT.md

Turns the figures bench/run.sh measured into a table on stdout and a
Markdown report: machine, library versions, date, each figure with its
baseline, ratio and target.  The part of an existing report below the line
NOTES_MARK (the analysis written by hand: profiles, causes, fixes) is kept.
"""
import datetime
import os
import platform
import subprocess
import sys

NOTES_MARK = "<!-- notes below this line are kept across runs -->"


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True,
                              timeout=20).stdout.strip()
    except Exception:
        return ""


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def machine():
    cpu = sh("lscpu | sed -n 's/^Model name: *//p'") or platform.processor()
    mem = sh("free -g | awk '/^Mem:/ {print $2}'")
    osr = sh(". /etc/os-release && echo \"$PRETTY_NAME\"")
    disk = sh("df -T \"${TMPDIR:-/tmp}\" | awk 'NR == 2 {print $2}'")
    return [
        ("CPU", "%s, %s cores" % (cpu, os.cpu_count())),
        ("memory", "%s GiB" % mem),
        ("system", "%s, Linux %s" % (osr, platform.release())),
        ("scratch file system", disk or "?"),
    ]


def versions():
    pc = "pkg-config --modversion %s 2>/dev/null"
    dq = "dpkg-query -W -f='${Version}' %s 2>/dev/null"
    return [
        ("SQLite (library)", sh(pc % "sqlite3")),
        ("sqlite3 shell", sh("sqlite3 --version | cut -d' ' -f1")),
        ("jansson", sh(pc % "jansson")),
        ("libyaml", sh(pc % "yaml-0.1")),
        ("libsodium", sh(pc % "libsodium")),
        ("libcsv", sh(dq % "libcsv3")),
        ("libcurl", sh(pc % "libcurl")),
        ("GMime", sh(pc % "gmime-3.0")),
        ("Postfix (smtp-sink, smtp-source)",
         sh("postconf -h mail_version 2>/dev/null") or "not installed"),
        ("hyperfine", sh("hyperfine --version | cut -d' ' -f2")),
        ("compiler", sh("cc --version | head -n 1")),
        ("privacyctl", sh("cat VERSION") + " (" +
         sh("git rev-parse --short HEAD") + ")"),
    ]


def main():
    tsv, size, runs, out = sys.argv[1:5]
    r = {}
    for line in open(tsv, encoding="utf-8"):
        k, _, v = line.rstrip("\n").partition("\t")
        r[k] = v
    rows = []   # (figure, tool, baseline, ratio, target, verdict)

    def fmt(v, unit):
        x = num(v)
        if x is None:
            return v if v else "-"
        if unit == "s":
            return "%.3f s" % x if x >= 1 else "%.1f ms" % (x * 1e3)
        if unit == "ms":
            return "%.2f ms" % x
        if unit == "MB":
            return "%.1f MB" % x
        if unit == "/s":
            return "{:,.0f}/s".format(x)
        return v

    def ratio(t, b):
        t, b = num(t), num(b)
        if t is None or b is None or b == 0:
            return None
        return t / b

    def verdict(ok):
        if ok is None:
            return "not measured"
        return "met" if ok else "**missed**"

    def row(fig, t, b, unit, target, ok, rat=None):
        rs = "-" if rat is None else "%.2f×" % rat
        if t == "missing":
            t = "not yet built"
        rows.append((fig, fmt(t, unit), fmt(b, unit), rs, target, verdict(ok)))

    # import
    t, b = r.get("import_tool"), r.get("import_base")
    q = ratio(t, b)
    row("import customers + appointments", t, b, "s",
        "≤ 1.1× baseline", None if q is None else q <= 1.1, q)
    row("  (bare `.import`, no index, no join: reference)", "",
        r.get("import_raw"), "s", "-", None)
    # single export
    for p in ("p50", "p99"):
        t, b = r.get("one_tool_" + p), r.get("one_base_" + p)
        q = ratio(t, b)
        ok = None if q is None else q <= 1.2
        tgt = "≤ 1.2× baseline"
        row("single-subject export, %s (%s subjects)" % (p, "1,000"),
            t, b, "ms", tgt, ok, q)
    for p in ("p50", "p99"):
        t, b = r.get("one_floor_" + p), r.get("one_base_" + p)
        row("  (reference: the same lookup plus one durable audit INSERT, "
            "by sqlite3, %s)" % p, t, b, "ms", "-", None, ratio(t, b))
    # memory by one customer's appointments
    t, b = r.get("mem_json_3"), r.get("mem_json_2")
    q = ratio(t, b)
    row("single-subject export, peak memory: a customer with 1,000,000 "
        "appointments (baseline: 100,000, the same tool)", t, b, "MB",
        "≤ 1.2× (constant)", None if q is None else q <= 1.2, q)
    t, b = r.get("mem_html_2"), r.get("mem_html_1")
    row("  (reference: `-f html`, the page a person reads: 100,000 "
        "appointments against 10,000)", t, b, "MB", "-", None, ratio(t, b))
    # whole location
    t, b = r.get("all_tool"), r.get("all_base")
    q = ratio(t, b)
    row("export of location %s (%s subjects)" % (r.get("loc_slug", "?"),
        r.get("loc_subjects", "?")), t, b, "s", "≤ 1.0× baseline",
        None if q is None else q <= 1.0, q)
    t, b = r.get("all_tool_mb"), r.get("all_base_mb")
    row("  peak memory", t, b, "MB", "< 64 MB",
        None if num(t) is None else num(t) < 64, ratio(t, b))
    # erasure
    n = num(r.get("erase_n")) or 0
    t = num(r.get("erase_tool"))
    b = num(r.get("erase_base"))
    ts = n / t if t else r.get("erase_tool")
    bs = n / b if b else r.get("erase_base")
    q = ratio(ts, bs)
    ok = None if q is None else q >= 0.8
    row("batch erasure of %d subjects" % n, ts, bs, "/s",
        "≥ 0.8× baseline", ok, q)
    for key, what in (("erase_tool_one", "`dsar-erase --commit-every %d`, "
                       "one transaction as the baseline" % n),
                      ("erase_groups", "plain SQL plus the tool's "
                       "per-subject rows, in its groups of 1,000")):
        t = num(r.get(key))
        tr = n / t if t else r.get(key)
        row("  (reference: %s)" % what, tr, bs, "/s", "-", None,
            ratio(tr, bs))
    # sending
    m = num(r.get("send_msgs")) or 0
    rate1 = None
    for s in ("1", "4"):
        t = num(r.get("send_tool_" + s))
        b = num(r.get("send_base_" + s))
        tn = num(r.get("send_n")) or 0
        ts = tn / t if t else r.get("send_tool_" + s)
        bs = m / b if b else r.get("send_base_" + s)
        q = ratio(ts, bs)
        if s == "1":
            rate1 = num(ts)
            ok = None if q is None else q >= 0.5
            tgt = "≥ 0.5× baseline"
        else:
            own = None if rate1 is None or num(ts) is None \
                else num(ts) / rate1
            ok = None if q is None or own is None else \
                (q >= 0.5 and own >= 2.5)
            tgt = "≥ 0.5× baseline and ≥ 2.5× 1 connection (%s)" % \
                ("-" if own is None else "%.2f×" % own)
        row("consent-send, %s connection%s (vs smtp-source)" %
            (s, "" if s == "1" else "s"), ts, bs, "/s", tgt, ok, q)
        if s == "1":
            t = num(r.get("send_curl_1"))
            tr = m / t if t else r.get("send_curl_1")
            row("  (reference: libcurl alone, the same number of messages "
                "of the same size over one connection, bench/smtp-curl)",
                tr, bs, "/s", "-", None, ratio(tr, bs))
    # notify
    n = num(r.get("notify_n")) or 0
    t = num(r.get("notify_tool"))
    b = num(r.get("notify_base"))
    ts = n / t if t else r.get("notify_tool")
    bs = n / b if b else r.get("notify_base")
    q = ratio(ts, bs)
    row("notify, delivering a full outbox (%d events; vs smtp-source, "
        "1 session)" % n, ts, bs, "/s", "≥ 0.3× baseline",
        None if q is None else q >= 0.3, q)
    # start-up
    b = r.get("start_base")
    for prog in ("privacyctl", "dsar-export", "dsar-erase", "consent-send",
                 "notify"):
        t = r.get("start_" + prog)
        q = ratio(t, b)
        if prog in ("privacyctl", "dsar-export", "dsar-erase"):
            tgt = "≤ 2 ms"
            ok = None if num(t) is None else num(t) <= 0.002
        else:
            tgt = "- (links libcurl, GMime)"
            ok = None
        row("start-up `%s --version`" % prog, t, b, "s", tgt, ok, q)
    for prog in ("privacyctl", "dsar-export", "dsar-erase"):
        t = r.get("start_full_" + prog)
        ok = None if num(t) is None else num(t) <= 0.002
        row("start-up `%s --version`, `make STATIC=full`" % prog, t, b, "s",
            "≤ 2 ms", ok, ratio(t, b))
    row("  (`/bin/true`: the cost of any process here)", r.get("start_true"),
        b, "s", "-", None, ratio(r.get("start_true"), b))

    head = ("figure", "tool", "baseline", "ratio", "target", "verdict")
    w = [max(len(x[i]) for x in rows + [head]) for i in range(6)]
    for x in [head] + rows:
        print("  ".join(x[i].ljust(w[i]) for i in range(6)).rstrip())

    notes = ""
    if os.path.exists(out):
        old = open(out, encoding="utf-8").read()
        if NOTES_MARK in old:
            notes = old.split(NOTES_MARK, 1)[1]
    when = datetime.datetime.now(datetime.timezone.utc)
    with open(out, "w", encoding="utf-8") as f:
        f.write("# Benchmark results, size %s\n\n" % size)
        f.write("Written by `make bench` (`BENCH_SIZE=%s`) on %s UTC. "
                "Each figure is the median of %s runs on the same machine "
                "in the same run as its baseline; the ratio is tool ÷ "
                "baseline for times and sizes, tool ÷ baseline for rates "
                "(higher is better there). See bench/README.md for what "
                "each baseline does.\n\n"
                % (size, when.strftime("%Y-%m-%d %H:%M"), runs))
        f.write("Data set: %s customers, %s appointments, %s invoices, "
                "%s consent events; the ready database was made by %s.\n\n"
                % (r.get("customers"), r.get("appointments"),
                   r.get("invoices"), r.get("consents"), r.get("ready_by")))
        f.write("| " + " | ".join(head) + " |\n")
        f.write("|" + "---|" * 6 + "\n")
        for x in rows:
            f.write("| " + " | ".join(c.replace("|", "\\|") for c in x) +
                    " |\n")
        f.write("\n## Machine\n\n")
        for k, v in machine():
            f.write("- %s: %s\n" % (k, v))
        f.write("\n## Versions\n\n")
        for k, v in versions():
            f.write("- %s: %s\n" % (k, v or "?"))
        f.write("\n" + NOTES_MARK)
        f.write(notes if notes else "\n\n## Notes\n\n(none yet)\n")
    print("bench: wrote %s" % out, file=sys.stderr)


if __name__ == "__main__":
    main()
