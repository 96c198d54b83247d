"""Read a mail the test SMTP server received, as its receiver sees it.

    mail.py FILE field NAME       a header (decoded), or "body" (text part)
    mail.py FILE attachments      one line per attachment: name, type
    mail.py FILE attachment NAME  an attachment's content
    mail.py FILE lint LANG        what a reader should not meet, one per
                                  line: machine words, ISO dates, tool names,
                                  a missing Auto-Submitted header
    mail.py FILE show             the mail as a person reads it (for diag)
"""
import email
import re
import sys
from email import policy

path, what = sys.argv[1], sys.argv[2]
raw = open(path, "rb").read()
# the envelope lines smtpd.py puts first
while raw.startswith(b"X-Test-"):
    raw = raw.split(b"\r\n", 1)[1] if b"\r\n" in raw else raw.split(b"\n", 1)[1]
m = email.message_from_bytes(raw, policy=policy.default)


def body():
    return m.get_body(("plain",)).get_content().replace("\r\n", "\n")


def atts():
    for p in m.iter_attachments():
        yield p


if what == "field":
    name = sys.argv[3]
    if name == "body":
        sys.stdout.write(body())
    else:
        v = m[name]
        sys.stdout.write("" if v is None else str(v))
elif what == "attachments":
    for p in atts():
        print(p.get_filename(), p.get_content_type())
elif what == "attachment":
    for p in atts():
        if p.get_filename() == sys.argv[3]:
            c = p.get_content()
            sys.stdout.write(c.decode("utf-8") if isinstance(c, bytes) else c)
elif what == "show":
    print("From:", m["From"])
    print("To:", m["To"])
    print("Subject:", m["Subject"])
    print()
    print(body())
    for p in atts():
        print("[attachment: %s, %s]" % (p.get_filename(), p.get_content_type()))
elif what == "lint":
    lang = sys.argv[3]
    text = str(m["Subject"]) + "\n" + body()
    if m["Auto-Submitted"] != "auto-generated":
        print("no Auto-Submitted: auto-generated header")
    for bad in [r"\b\d{4}-\d{2}-\d{2}\b", r"\bprivacyctl\b", r"\bnotify\b",
                r"\bdsar-\w+", r"\bevent\b", r"\bcustomer_id\b",
                r"\brequest_id\b", r"\bexternal_id\b", r"[{}\[\]]",
                r"\bin-progress\b", r"\bunverified\b", r"T\d\d:\d\d:\d\dZ",
                r"\b(access|portability|erasure|rectification|restriction|"
                r"objection)\b" if lang == "de" else r"(?!)"]:
        for hit in re.findall(bad, text):
            print("found %r" % (hit,))
    business = len(sys.argv) > 4 and sys.argv[4] == "business"
    if business:
        pass
    elif lang == "de" and not re.search(r"Guten Tag|Sehr geehrte|Hallo", text):
        print("no German greeting")
    elif lang == "en" and not re.search(r"Hello|Dear", text):
        print("no English greeting")
