"""linestart.py FILE: every message etcd-pki wrote to the terminal
captured in FILE (util-linux script) starts a line of its own: it follows
a newline or the progress line's erasure ("\\r" + clear to the end of the
line), never the progress text."""
import re
import sys

text = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
starts = [m.start() for m in
          re.finditer(r"etcd-pki: [a-z ]+: |\d{4}/\d\d/\d\d \d\d:", text)]
bad = [text[max(0, i - 40):i + 20] for i in starts
       if i > 0 and not text[:i].endswith(("\r\033[K", "\n"))]
if not starts:
    sys.exit("no message in %s" % sys.argv[1])
if bad:
    sys.exit("%d of %d messages after other text, e.g. %r"
             % (len(bad), len(starts), bad[0]))
