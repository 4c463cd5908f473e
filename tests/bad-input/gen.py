#!/usr/bin/python3
"""gen.py: writes the hostile-input corpus tests/bad-input/cases/ and its
MANIFEST.  Run it from anywhere after changing a case; commit its output.

Each case is an input file in cases/ and one MANIFEST line:

    name | command line | expected exit | expected first stderr line (ERE)

In the command line, @ is the case file (copied into an empty scratch
directory, which is the working directory), %A the directory of the shared
valid inputs (aux/: a CA, a second key, a CSR, a CSR JSON and a config,
copied with mode 0600 keys) and %F the case file's content (a flag value,
without its final newline).  The regular expression is anchored at the
start of the first line of stderr.  A name ending in .big is padded with
spaces at run time to one byte more than the 4 MiB input cap (it is kept
small in the repository).
"""

import base64
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")
cases = []


def case(name, data, cmd, code, regex):
    if isinstance(data, str):
        data = data.encode("utf-8")
    assert "|" not in cmd and "|" not in name, name
    # jansson's and libyaml's positions follow the name without a space.
    regex = regex.replace(": [0-9]+:[0-9]+: ", ":[0-9]+:[0-9]+: ")
    regex = regex.replace(": [0-9]+: ", ":[0-9]+: ")
    cases.append((name, data, cmd, code, regex))


def esc(s):
    """The name as it appears in a regular expression."""
    out = ""
    for c in s:
        out += "\\" + c if c in ".[]()*+?{}^$\\" else c
    return out


# ---- CSR JSON (gencert -initca, gencert with a CA, genkey) ------------------
GI = "gencert -initca @"
GC = "gencert -ca %A/ca.pem -ca-key %A/ca-key.pem -config %A/config.json @"


def csr(name, data, regex, cmd=GI, code=1):
    case("csr-" + name + ".json", data, cmd, code,
         "etcd-pki: gencert: " + regex)


def csrf(name, regex):
    """regex after "csr-NAME.json: "."""
    return esc("csr-" + name + ".json") + ": " + regex


n = "empty"
csr(n, "", csrf(n, "empty input"))
n = "spaces"
csr(n, " \n\t\n", csrf(n, "empty input"))
for n, d in [("not-json", "CN = x\n"), ("truncated", '{"CN":"x",'),
             ("unterminated-string", '{"CN":"x'), ("trailing-comma",
             '{"CN":"x",}'), ("single-quotes", "{'CN':'x'}"),
             ("comment", '{"CN":"x" /* c */}'), ("two-objects",
             '{"CN":"x"}{"CN":"y"}'),
             ("nan", '{"CN":"x","key":{"algo":"rsa","size":NaN}}'),
             ("hex-number", '{"key":{"algo":"rsa","size":0x800}}'),
             ("control-char", '{"CN":"a\tb"}'),
             ("bad-escape", '{"CN":"a\\qb"}'),
             ("short-unicode-escape", '{"CN":"a\\u12"}'),
             ("lone-surrogate", '{"CN":"a\\ud800b"}'),
             ("low-surrogate-first", '{"CN":"\\udc00\\ud800"}')]:
    csr(n, d, csrf(n, "[0-9]+:[0-9]+: "))
for n, d in [("array", '[{"CN":"x"}]'), ("string", '"CN"'), ("bare-word", "true"),
             ("number", "42"), ("null", "null")]:
    csr(n, d, csrf(n, ".*(expected|must be).*object"))
# NUL, invalid UTF-8, BOM.
n = "nul-escape"
csr(n, '{"CN":"a\\u0000b"}', csrf(n, "[0-9]+:[0-9]+: NUL character"))
n = "nul-escape-in-host"
csr(n, '{"CN":"x","hosts":["a\\u0000.example"]}',
    csrf(n, "[0-9]+:[0-9]+: NUL character"))
n = "nul-escape-in-key"
csr(n, '{"C\\u0000N":"x"}', csrf(n, "[0-9]+:[0-9]+: NUL character"))
n = "nul-raw-in-string"
csr(n, b'{"CN":"a\x00b"}', csrf(n, "[0-9]+:[0-9]+: control character 0x0"))
n = "nul-raw-after"
csr(n, b'{"CN":"a"}\x00', csrf(n, "[0-9]+:[0-9]+: "))
# jansson skips a NUL byte right after a number ("[1\0]" loads as [1]).
n = "nul-raw-after-number"
csr(n, b'{"CN":"a","x":[1\x00]}', csrf(n, "[0-9]+:[0-9]+: NUL byte \\(0x00\\) "
    "outside a string"))
for n, d in [("utf8-invalid-byte", b'{"CN":"a\xffb"}'),
             ("utf8-truncated", b'{"CN":"a\xc3"}'),
             ("utf8-overlong-slash", b'{"CN":"a\xc0\xafb"}'),
             ("utf8-surrogate", b'{"CN":"\xed\xa0\x80"}'),
             ("utf8-above-max", b'{"CN":"\xf4\x90\x80\x80"}'),
             ("utf8-in-key", b'{"C\xfeN":"x"}'),
             ("utf8-latin1-host", b'{"CN":"x","hosts":["caf\xe9.example"]}'),
             ("utf8-bom", b'\xef\xbb\xbf{"CN":"x"}')]:
    csr(n, d, csrf(n, "[0-9]+:[0-9]+: (unable to decode byte|invalid "
                    "token)"))
# Duplicate keys.
for n, d in [("dup-cn", '{"CN":"a","CN":"b"}'),
             ("dup-key", '{"CN":"a","key":{"algo":"rsa","algo":"ecdsa"}}'),
             ("dup-names", '{"CN":"a","names":[{"O":"x","O":"y"}]}'),
             ("dup-hosts", '{"CN":"a","hosts":[],"hosts":["x"]}'),
             ("dup-ca", '{"CN":"a","ca":{"expiry":"1h","expiry":"2h"}}')]:
    # cfssl takes the last one; -strict refuses the repetition.
    csr(n, d, csrf(n, r'[][a-z.A-Z0-9]+: key "[a-zA-Z]+" repeated in one '
                   'object'),
        cmd="gencert -strict -initca @")
# Deep nesting.
n = "deep-arrays"
csr(n, '{"CN":"x","names":' + "[" * 5000 + "]" * 5000 + "}",
    csrf(n, "[0-9]+:[0-9]+: nested too deeply"))
n = "deep-objects"
csr(n, '{"CN":"x","x":' + '{"a":' * 5000 + "1" + "}" * 5000 + "}",
    csrf(n, "[0-9]+:[0-9]+: nested too deeply"))
n = "deep-hosts"
csr(n, '{"CN":"x","hosts":' + "[" * 3000 + "]" * 3000 + "}",
    csrf(n, "[0-9]+:[0-9]+: nested too deeply"))
# Types.
for n, d, p in [("cn-number", '{"CN":42}', "CN"),
                ("cn-array", '{"CN":["x"]}', "CN"),
                ("cn-null-object", '{"CN":{}}', "CN"),
                ("hosts-string", '{"CN":"x","hosts":"a.example"}', "hosts"),
                ("hosts-number", '{"CN":"x","hosts":[1]}', r"hosts\[0\]"),
                ("hosts-object", '{"CN":"x","hosts":[{}]}', r"hosts\[0\]"),
                ("names-object", '{"CN":"x","names":{"O":"x"}}', "names"),
                ("names-string", '{"CN":"x","names":["O=x"]}',
                 r"names\[0\]"),
                ("names-o-number", '{"CN":"x","names":[{"O":1}]}',
                 r"names\[0\]\.O"),
                ("key-string", '{"CN":"x","key":"rsa"}', "key"),
                ("key-algo-number", '{"CN":"x","key":{"algo":1}}',
                 r"key\.algo"),
                ("key-size-string",
                 '{"CN":"x","key":{"algo":"rsa","size":"2048"}}',
                 r"key\.size"),
                ("key-size-float",
                 '{"CN":"x","key":{"algo":"rsa","size":2048.5}}',
                 r"key\.size"),
                ("key-size-bool",
                 '{"CN":"x","key":{"algo":"rsa","size":true}}',
                 r"key\.size"),
                ("ca-string", '{"CN":"x","ca":"yes"}', "ca"),
                ("ca-pathlen-string", '{"CN":"x","ca":{"pathlen":"1"}}',
                 r"ca\.pathlen"),
                ("delegation-string",
                 '{"CN":"x","delegation_enabled":"true"}',
                 "delegation_enabled"),
                ("serialnumber-number", '{"CN":"x","serialnumber":7}',
                 "serialnumber")]:
    csr(n, d, csrf(n, p + ": "))
# Integers: huge, negative, out of range.
for n, d, p in [("size-huge", '{"CN":"x","key":{"algo":"rsa","size":'
                 '99999999999999999999999}}', "[0-9]+:[0-9]+: "),
                ("size-exp", '{"CN":"x","key":{"algo":"rsa","size":1e400}}',
                 "[0-9]+:[0-9]+: "),
                ("size-int64-max", '{"CN":"x","key":{"algo":"rsa","size":'
                 '9223372036854775807}}', r"key\.size: "),
                ("size-int64-min", '{"CN":"x","key":{"algo":"rsa","size":'
                 '-9223372036854775808}}', r"key\.size: "),
                ("size-negative", '{"CN":"x","key":{"algo":"rsa",'
                 '"size":-2048}}', r"key\.size: "),
                ("size-zero-rsa", '{"CN":"x","key":{"algo":"rsa","size":0}}',
                 r"key\.size: "),
                ("size-1024", '{"CN":"x","key":{"algo":"rsa","size":1024}}',
                 r"key\.size: 1024 is too small"),
                ("size-16384", '{"CN":"x","key":{"algo":"rsa",'
                 '"size":16384}}', r"key\.size: 16384 is too large"),
                ("size-ecdsa-255", '{"CN":"x","key":{"algo":"ecdsa",'
                 '"size":255}}', r"key\.size: 255 is not a valid ecdsa"),
                ("size-ecdsa-2048", '{"CN":"x","key":{"algo":"ecdsa",'
                 '"size":2048}}', r"key\.size: "),
                ("algo-unknown", '{"CN":"x","key":{"algo":"dsa",'
                 '"size":2048}}', r"key\.algo: unknown algorithm"),
                ("algo-empty", '{"CN":"x","key":{"algo":""}}',
                 r"key\.algo: "),
                ("algo-uppercase", '{"CN":"x","key":{"algo":"RSA",'
                 '"size":2048}}', r"key\.algo: "),
                ("pathlen-huge", '{"CN":"x","ca":{"pathlen":'
                 '99999999999999}}', r"ca\.pathlen: "),
                ("pathlen-negative", '{"CN":"x","ca":{"pathlen":-5}}',
                 r"ca\.pathlen: "),
                ("ca-expiry-garbage", '{"CN":"x","ca":{"expiry":"soon"}}',
                 r"ca\.expiry: "),
                ("ca-expiry-overflow", '{"CN":"x","ca":{"expiry":'
                 '"9999999999999h"}}', r"ca\.expiry: "),
                ("ca-expiry-number", '{"CN":"x","ca":{"expiry":3600}}',
                 r"ca\.expiry: "),
                ("ca-backdate-garbage", '{"CN":"x","ca":{"backdate":"1x"}}',
                 r"ca\.backdate: ")]:
    csr(n, d, csrf(n, p))
# RFC 5280 upper bounds on the subject and the caps on hosts: cfssl (Go)
# does not enforce them and verifiers accept such certificates, so the
# policy warns; -strict refuses.
L = lambda k: "x" * k
GIS = "gencert -strict -initca @"
for n, d, p in [("cn-65", '{"CN":"%s"}' % L(65), "CN: 65 characters"),
                ("cn-65-utf8", '{"CN":"%s"}' % ("\u00e9" * 65),
                 "CN: 65 characters"),
                ("cn-5000", '{"CN":"%s"}' % L(5000), "CN: 5000 char"),
                ("c-3", '{"CN":"x","names":[{"C":"USA"}]}',
                 r'names\[0\]\.C: "USA" is not a 2-letter country code'),
                ("st-129", '{"CN":"x","names":[{"ST":"%s"}]}' % L(129),
                 r"names\[0\]\.ST: 129"),
                ("l-129", '{"CN":"x","names":[{"L":"%s"}]}' % L(129),
                 r"names\[0\]\.L: 129"),
                ("o-65", '{"CN":"x","names":[{"O":"%s"}]}' % L(65),
                 r"names\[0\]\.O: 65"),
                ("ou-65-second", '{"CN":"x","names":[{"O":"a"},{"OU":"%s"}]}'
                 % L(65), r"names\[1\]\.OU: 65"),
                ("e-256", '{"CN":"x","names":[{"E":"%s@x"}]}' % L(254),
                 r"names\[0\]\.E: 256"),
                ("oid-value-1025", '{"CN":"x","names":[{"OID":'
                 '{"1.2.3.4":"%s"}}]}' % L(1025),
                 r"names\[0\]\.OID\.1\.2\.3\.4: 1025"),
                ("serialnumber-65", '{"CN":"x","serialnumber":"%s"}' % L(65),
                 "serialnumber: 65 characters"),
                ("hosts-1025", '{"CN":"x","hosts":[%s]}' % ",".join(
                    '"h%d.example"' % i for i in range(1025)),
                 "hosts: 1025 entries, more than 1024"),
                ("dns-254", '{"CN":"x","hosts":["%s"]}' % ".".join(
                    [L(63)] * 4)[:254], r"hosts\[0\]: DNS name of 254"),
                ("dns-label-64", '{"CN":"x","hosts":["%s.example"]}' % L(64),
                 r"hosts\[0\]: DNS label of 64"),
                ("dns-label-64-third", '{"CN":"x","hosts":["a.example",'
                 '"10.0.0.1","%s"]}' % L(64), r"hosts\[2\]: DNS label of 64"),
                ("email-255", '{"CN":"x","hosts":["%s@example.com"]}' % L(243),
                 r"hosts\[0\]: e-mail address of 255"),
                ("uri-2049", '{"CN":"x","hosts":["https://x.example/%s"]}'
                 % L(2049 - 18), r"hosts\[0\]: URI of 2049")]:
    csr(n, d, csrf(n, p), cmd=GIS)
# The same caps through a CA (gencert) and genkey.
n = "cap-through-ca"
csr(n, '{"CN":"%s"}' % L(65), csrf(n, "CN: 65 characters"),
    cmd=GC.replace("gencert", "gencert -strict"))
n = "genkey-cn-65"
case("csr-" + n + ".json", '{"CN":"%s"}' % L(65), "genkey -strict @", 1,
     "etcd-pki: genkey: " + csrf(n, "CN: 65 characters"))
# Extensions.
for n, d, p in [("ext-bad-oid", '{"CN":"x","extensions":[{"Id":[1],'
                 '"Value":""}]}', r"extensions\[0\]"),
                ("ext-oid-string", '{"CN":"x","extensions":[{"Id":"1.2.3",'
                 '"Value":""}]}', r"extensions\[0\]"),
                ("ext-bad-base64", '{"CN":"x","extensions":[{"Id":[1,2,3],'
                 '"Value":"!!!"}]}', r"extensions\[0\]"),
                ("ext-not-array", '{"CN":"x","extensions":{}}',
                 "extensions")]:
    csr(n, d, csrf(n, p), cmd=GC)
# Files that are not files, or too big.
case("csr-missing.json", None, "gencert -initca nonexistent.json", 1,
     "etcd-pki: gencert: nonexistent\\.json: No such file")
case("csr-directory.json", None, "gencert -initca .", 1,
     "etcd-pki: gencert: \\.: ")
case("csr-huge.big", '{"CN":"x"}', "gencert -initca @", 1,
     "etcd-pki: gencert: csr-huge\\.big: larger than 4 MiB")

# ---- signing config JSON (-config) ------------------------------------------
GCFG = "gencert -ca %A/ca.pem -ca-key %A/ca-key.pem -config @ %A/csr.json"


def cfg(name, data, regex, cmd=GCFG, code=1):
    f = "config-" + name + ".json"
    case(f, data, cmd, code, "etcd-pki: gencert: " + esc(f) + ": " + regex)


D = '{"signing":{"default":%s}}'
for n, d, p in [("empty", "", "empty input"),
                ("not-json", "signing: {}", "[0-9]+:[0-9]+: "),
                ("truncated", '{"signing":{', "[0-9]+:[0-9]+: "),
                ("array", "[]", ".*object"),
                ("nul", '{"signing":{"default":{"expiry":"1\\u0000h"}}}',
                 "[0-9]+:[0-9]+: NUL character"),
                ("utf8", b'{"signing":{"default":{"expiry":"\xff"}}}',
                 "[0-9]+:[0-9]+: "),
                ("dup-signing", '{"signing":{},"signing":{}}',
                 'signing: key "signing" repeated in one object'),
                ("dup-profile", '{"signing":{"profiles":{"a":{"expiry":"1h"},'
                 '"a":{"expiry":"2h"}}}}',
                 r'signing\.profiles\.a: key "a" repeated in one object'),
                ("deep", '{"signing":' + "[" * 4000 + "]" * 4000 + "}",
                 "[0-9]+:[0-9]+: nested too deeply"),
                ("signing-string", '{"signing":"x"}', "signing: "),
                ("expiry-garbage", D % '{"expiry":"forever"}',
                 r"signing\.default\.expiry: "),
                ("expiry-negative", D % '{"expiry":"-1h"}',
                 r"signing\.default\.expiry: "),
                ("expiry-overflow", D % '{"expiry":"99999999999999h"}',
                 r"signing\.default\.expiry: "),
                ("expiry-number", D % '{"expiry":3600}',
                 r"signing\.default\.expiry: "),
                ("usages-string", D % '{"usages":"signing"}',
                 r"signing\.default\.usages: "),
                ("usages-unknown", D % '{"usages":["signing","teleport"]}',
                 r'signing\.default\.usages\[1\]: unknown usage "teleport"'),
                ("usages-number", D % '{"usages":[1]}',
                 r"signing\.default\.usages\[0\]: "),
                ("max-path-len-huge", D % '{"ca_constraint":{"is_ca":true,'
                 '"max_path_len":99999999999999999}}',
                 r"signing\.default\.ca_constraint\.max_path_len: "),
                ("max-path-len-negative", D % '{"ca_constraint":{"is_ca":true,'
                 '"max_path_len":-2}}',
                 r"signing\.default\.ca_constraint\.max_path_len: "),
                ("max-path-len-float", D % '{"ca_constraint":{"is_ca":true,'
                 '"max_path_len":1.5}}',
                 r"signing\.default\.ca_constraint\.max_path_len: "),
                ("is-ca-string", D % '{"ca_constraint":{"is_ca":"yes"}}',
                 r"signing\.default\.ca_constraint\.is_ca: "),
                ("backdate-garbage", D % '{"expiry":"1h","backdate":"x"}',
                 r"signing\.default\.backdate: "),
                ("not-before-garbage", D % '{"expiry":"1h",'
                 '"not_before":"yesterday"}', r"signing\.default\.not_before: "),
                ("profiles-array", '{"signing":{"profiles":[]}}',
                 r"signing\.profiles: "),
                ("profile-string", '{"signing":{"profiles":{"p":"x"}}}',
                 r"signing\.profiles\.p: "),
                ("name-whitelist-bad", D % '{"expiry":"1h",'
                 '"name_whitelist":"("}', r"signing\.default\.name_whitelist: "),
                ("ocsp-url-number", D % '{"expiry":"1h","ocsp_url":1}',
                 r"signing\.default\.ocsp_url: ")]:
    # cfssl takes the last of repeated keys and drops unknown usages;
    # -strict refuses both.
    cfg(n, d, p, cmd=GCFG.replace("gencert", "gencert -strict")
        if n.startswith("dup") or n == "usages-unknown" else GCFG)
case("config-huge.big", '{"signing":{}}', GCFG, 1,
     "etcd-pki: gencert: config-huge\\.big: larger than 4 MiB")
case("config-unknown-profile.json", D % '{"expiry":"1h"}',
     "gencert -ca %A/ca.pem -ca-key %A/ca-key.pem -config @ -profile nope "
     "%A/csr.json", 1, "etcd-pki: gencert: .*nope")

# ---- cluster description JSON (cluster issue) ------------------------------
CI = "cluster issue @ -o out"


def clu(name, data, regex, cmd=CI, code=1):
    f = "cluster-" + name + ".json"
    case(f, data, cmd, code, "etcd-pki: cluster issue: " + esc(f) +
         ": " + regex)


M = '{"members":[%s]}'
E1 = '{"name":"etcd1","ips":["10.0.0.1"]}'
for n, d, p in [("empty", "", "empty input"),
                ("not-json", "members: 3", "[0-9]+:[0-9]+: "),
                ("array", "[" + E1 + "]", ".*object"),
                ("nul-name", M % '{"name":"etcd\\u00001","ips":["10.0.0.1"]}',
                 "[0-9]+:[0-9]+: NUL character"),
                ("utf8-name", (M % '{"name":"etcd\xff","ips":["10.0.0.1"]}'
                               ).encode("latin-1"), "[0-9]+:[0-9]+: "),
                ("dup-members", '{"members":[],"members":[]}',
                 'members: key "members" repeated in one object'),
                ("dup-name", M % '{"name":"a","name":"b","ips":["10.0.0.1"]}',
                 r'members\[0\]\.name: key "name" repeated in one object'),
                ("deep", '{"members":' + "[" * 4000 + "]" * 4000 + "}",
                 "[0-9]+:[0-9]+: nested too deeply"),
                ("members-string", '{"members":"etcd1"}', "members: "),
                ("members-empty", '{"members":[]}', "members: "),
                ("member-number", M % "1", r"members\[0\]: "),
                ("name-number", M % '{"name":1,"ips":["10.0.0.1"]}',
                 r"members\[0\]\.name: "),
                ("name-64", M % ('{"name":"%s","ips":["10.0.0.1"]}' % L(64)),
                 r"members\[0\]\.name: "),
                ("name-slash", M % '{"name":"../etc","ips":["10.0.0.1"]}',
                 r"members\[0\]\.name: "),
                ("name-empty", M % '{"name":"","ips":["10.0.0.1"]}',
                 r"members\[0\]\.name: "),
                ("ips-string", M % '{"name":"e","ips":"10.0.0.1"}',
                 r"members\[0\]\.ips: "),
                ("ip-garbage", M % '{"name":"e","ips":["10.0.0.256"]}',
                 r"members\[0\]\.ips\[0\]: "),
                ("dns-label-64", M % ('{"name":"e","ips":["10.0.0.1"],'
                 '"dns":["%s.example"]}' % L(64)),
                 r"hosts\[[0-9]+\]: DNS label of 64"),
                ("dns-254", M % ('{"name":"e","ips":["10.0.0.1"],'
                 '"dns":["%s"]}' % ".".join([L(50)] * 5)[:254]),
                 r"members\[0\]\.dns\[0\]: "),
                ("key-size-huge", '{"key":{"algo":"rsa","size":'
                 '999999999999},"members":[%s]}' % E1, r"key\.size: "),
                ("key-size-negative", '{"key":{"algo":"ecdsa","size":-256},'
                 '"members":[%s]}' % E1, r"key\.size: "),
                ("ca-expiry-overflow", '{"ca":{"expiry":"99999999999999h"},'
                 '"members":[%s]}' % E1, r"ca\.expiry: "),
                ("expiry-negative", '{"signing":{"expiry":"-1h"},'
                 '"members":[%s]}' % E1, r"signing\.expiry: "),
                ("members-2000", M % ",".join(
                    '{"name":"m%d","ips":["10.%d.%d.1"]}' % (
                        i, i // 250, i % 250) for i in range(2000)),
                 "hosts: 20[0-9][0-9] entries, more than 1024")]:
    clu(n, d, p, cmd="cluster issue -strict @ -o out"
        if n.startswith("dup") or n in ("members-2000", "dns-label-64")
        else CI)
case("cluster-huge.big", '{"members":[]}', CI, 1,
     "etcd-pki: cluster issue: cluster-huge\\.big: larger than 4 MiB")

# ---- etcd.conf.yml (cluster init) ------------------------------------------
YI = "cluster init -o desc.json @"


def yml(name, data, regex, cmd=YI, code=1):
    f = "etcd-" + name + ".conf.yml"
    case(f, data, cmd, code, "etcd-pki: cluster init: " + esc(f) +
         ": " + regex)


Y = ("name: etcd1\ninitial-advertise-peer-urls: https://10.0.0.1:2380\n"
     "initial-cluster: etcd1=https://10.0.0.1:2380\n")
Y1 = Y.split("\n", 1)[1]
P = "[0-9]+:[0-9]+: "
for n, d, p in [("empty", "", "empty: expected etcd's configuration file"),
                ("not-yaml", "name: [unclosed\n" + Y1, P + "did not find"),
                ("tabs", "name:\tetcd1\n\t- x\n", P + "found a tab"),
                ("list", "- name: etcd1\n", "expected a mapping"),
                ("scalar", "etcd1\n", "expected a mapping"),
                ("nul", b"name: etcd\x001\n", P + "control characters"),
                ("utf8", b"name: etcd\xff\n", P + "invalid .*UTF-8"),
                ("dup-name", "name: a\nname: b\n" + Y1,
                 "[0-9]+: name: duplicate key"),
                ("dup-cluster", Y + "initial-cluster: etcd1=https://"
                 "10.0.0.2:2380\n", "[0-9]+: initial-cluster: duplicate"),
                ("deep", Y + "x: " + "[" * 5000 + "]" * 5000 + "\n",
                 "nested too deeply"),
                ("deep-map", Y + "x: " + "{a: " * 5000 + "1" + "}" * 5000 +
                 "\n", "nested too deeply"),
                ("deep-65", Y + "x: " + "[" * 65 + "]" * 65 + "\n",
                 "nested too deeply"),
                ("alias-bomb", "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,"
                 "*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                 "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,"
                 "*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
                 "g: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n", "initial-cluster: "
                 "missing"),
                ("alias-name", "x: &n etcd1\nname: *n\nname2: [*n]\n",
                 "initial-cluster: missing"),
                ("name-list", "name: [a, b]\n" + Y1, "[0-9]+: name: "),
                ("name-64", "name: %s\ninitial-cluster: %s=https://"
                 "10.0.0.1:2380\n" % (L(64), L(64)),
                 "initial-cluster: .* is not a valid member name"),
                ("name-slash", "name: ../x\ninitial-cluster: ../x=https://"
                 "10.0.0.1:2380\n",
                 "initial-cluster: .* is not a valid member name"),
                ("cluster-garbage", "name: etcd1\ninitial-cluster: "
                 "h t t p\n", "initial-cluster: .*expected NAME=URL"),
                ("cluster-port-huge", "name: etcd1\ninitial-cluster: "
                 "etcd1=https://10.0.0.1:99999999999999999999\n",
                 "initial-cluster: .*port must be"),
                ("not-member", "name: etcd9\n" + Y1,
                 "name: .* is not in initial-cluster")]:
    yml(n, d, p)
for n, d, p in [("cluster-bad-ip", "name: etcd1\ninitial-cluster: "
                 "etcd1=https://10.0.0.300:2380\n", "has no IP address"),
                ("cluster-label-64", "name: etcd1\ninitial-cluster: "
                 "etcd1=https://%s.example:2380\n" % L(64),
                 "has no IP address"),
                ("dns-label-64", Y, "")]:
    case("etcd-" + n + ".conf.yml", d, YI if n != "dns-label-64" else
         "cluster init -strict -o desc.json -dns etcd1=%s.example @" % L(64),
         1, "etcd-pki: cluster init: .*" + p)
case("etcd-huge.big", Y, YI, 1,
     "etcd-pki: cluster init: etcd-huge\\.big: larger than 4 MiB")

# ---- SUBJECT file of sign --------------------------------------------------
SG = "sign -ca %A/ca.pem -ca-key %A/ca-key.pem -config %A/config.json %A/leaf.csr @"


def subj(name, data, regex, cmd=SG, code=1):
    f = "subject-" + name + ".json"
    case(f, data, cmd, code, "etcd-pki: sign: " + esc(f) + ": " + regex)


for n, d, p in [("empty", "", "empty input"),
                ("not-json", "CN=x", "[0-9]+:[0-9]+: "),
                ("array", "[]", ".*object"),
                ("nul", '{"CN":"\\u0000"}', "[0-9]+:[0-9]+: .*NUL"),
                ("utf8", b'{"CN":"\x80"}', "[0-9]+:[0-9]+: "),
                ("dup", '{"CN":"a","CN":"b"}',
                 'CN: key "CN" repeated in one object'),
                ("deep", '{"names":' + "[" * 4000 + "]" * 4000 + "}",
                 "[0-9]+:[0-9]+: nested too deeply"),
                ("cn-number", '{"CN":1}', "CN: "),
                ("names-object", '{"names":{}}', "names: "),
                ("cn-65", '{"CN":"%s"}' % L(65), "CN: 65 characters"),
                ("c-3", '{"names":[{"C":"DEU"}]}',
                 r'names\[0\]\.C: "DEU" is not a 2-letter'),
                ("o-65", '{"names":[{"O":"%s"}]}' % L(65),
                 r"names\[0\]\.O: 65"),
                ("serial-65", '{"CN":"x","SerialNumber":"%s"}' % L(65),
                 "SerialNumber: 65")]:
    subj(n, d, p, cmd=SG.replace("sign", "sign -strict", 1)
        if n.startswith("dup") or n[-2:] in ("65", "-3") else SG)

# ---- cfssljson input (json -bare) ------------------------------------------
JB = "json -bare -f @ out"


def cj(name, data, regex, cmd=JB, code=1):
    f = "cfssljson-" + name + ".json"
    case(f, data, cmd, code, "Failed to parse input: " + esc(f) + ": " +
         regex)


with open(os.path.join(HERE, "aux", "ca.pem")) as fh:
    CAPEM = fh.read()
P = "[1-9][0-9]*:[0-9]+: "
for n, d, p in [("empty", "", "empty input"),
                ("not-json", "cert: x", P),
                ("truncated", '{"cert":"', P + "premature end"),
                ("array", "[]", "expected a JSON object"),
                ("nul", '{"cert":"a\\u0000b"}', P + "NUL character"),
                ("utf8", b'{"cert":"\xff"}', P + "unable to decode"),
                ("dup-cert", '{"cert":"a","cert":"b"}', P + "duplicate"),
                ("deep", '{"x":' + "[" * 4000 + "]" * 4000 + "}",
                 P + "nested too deeply"),
                ("cert-number", '{"cert":1}', "cert: expected a string"),
                ("key-number", '{"cert":"x","key":[]}',
                 "key: expected a string"),
                ("csr-object", '{"cert":"x","csr":{}}',
                 "csr: expected a string")]:
    cj(n, d, p)
case("cfssljson-huge.big", '{"cert":"x"}', JB, 1,
     "Failed to read input: cfssljson-huge\\.big: larger than 4 MiB")

# ---- PEM: certificates (certinfo, -ca), CSRs (sign), keys (-ca-key) -------
with open(os.path.join(HERE, "aux", "leaf.csr")) as fh:
    CSRPEM = fh.read()
with open(os.path.join(HERE, "aux", "ca-key.pem")) as fh:
    KEYPEM = fh.read()


def pem_body(p):
    return "".join(l for l in p.splitlines() if not l.startswith("-----"))


def flip_sig(pem, tag):
    der = bytearray(base64.b64decode(pem_body(pem)))
    der[-5] ^= 0x01
    b = base64.b64encode(bytes(der)).decode()
    return ("-----BEGIN %s-----\n" % tag +
            "\n".join(b[i:i + 64] for i in range(0, len(b), 64)) +
            "\n-----END %s-----\n" % tag)


CERTBODY = pem_body(CAPEM)
CI_ = "certinfo -cert @"
for n, d in [("empty", ""),
             ("garbage", "hello\n"),
             ("no-end", CAPEM.rsplit("-----END", 1)[0]),
             ("bad-base64", "-----BEGIN CERTIFICATE-----\n!!!!\n"
              "-----END CERTIFICATE-----\n"),
             ("truncated-der", "-----BEGIN CERTIFICATE-----\n" +
              CERTBODY[:200] + "\n-----END CERTIFICATE-----\n"),
             ("empty-body", "-----BEGIN CERTIFICATE-----\n"
              "-----END CERTIFICATE-----\n"),
             ("wrong-type", CSRPEM),
             ("key-not-cert", KEYPEM.replace("PRIVATE KEY", "X")),
             ("nul", b"\x00" * 64),
             ("der-garbage", b"\x30\x82\xff\xff" + b"\x00" * 32),
             ("der-deep", b"\x30\x80" * 20000),
             ("mismatched-labels", CAPEM.replace("END CERTIFICATE",
                                                 "END X509 CRL"))]:
    case("cert-" + n + ".pem", d, CI_, 1, "etcd-pki: certinfo: " +
         esc("cert-" + n + ".pem") + ": (no PEM|bad PEM|cannot parse)")
for n, d in [("empty", ""), ("garbage", "nope\n"), ("wrong-type", CSRPEM),
             ("truncated", "-----BEGIN CERTIFICATE-----\n" + CERTBODY[:100] +
              "\n-----END CERTIFICATE-----\n")]:
    case("cacert-" + n + ".pem", d, "gencert -ca @ -ca-key %A/ca-key.pem "
         "-config %A/config.json %A/csr.json", 1, "etcd-pki: gencert: " +
         esc("cacert-" + n + ".pem") + ": (no PEM|cannot parse)")
case("cacert-other.pem", open(os.path.join(HERE, "aux", "other.pem")).read(),
     "gencert -ca @ -ca-key %A/ca-key.pem -config %A/config.json %A/csr.json",
     1, "etcd-pki: gencert: .*does not match")
case("cert-huge.big", "", CI_, 1,
     "etcd-pki: certinfo: cert-huge\\.big: larger than 4 MiB")

SGC = "sign -ca %A/ca.pem -ca-key %A/ca-key.pem -config %A/config.json @"
for n, d in [("empty", ""), ("garbage", "x\n"),
             ("cert-not-csr", CAPEM),
             ("bad-signature", flip_sig(CSRPEM, "CERTIFICATE REQUEST")),
             ("truncated", "-----BEGIN CERTIFICATE REQUEST-----\n" +
              pem_body(CSRPEM)[:120] + "\n-----END CERTIFICATE REQUEST-----\n"),
             ("bad-base64", "-----BEGIN CERTIFICATE REQUEST-----\n@@@@\n"
              "-----END CERTIFICATE REQUEST-----\n"),
             ("nul", b"\x00\x00\x00"),
             ("der-deep", b"\x30\x80" * 20000)]:
    case("csrpem-" + n + ".csr", d, SGC, 1, "etcd-pki: sign: " +
         esc("csrpem-" + n + ".csr") + ": " + (
             "CSR signature does not verify" if n == "bad-signature" else
             "(no PEM|not a CSR|cannot parse|malformed PEM)"))
case("csrpem-huge.big", "", SGC, 1,
     "etcd-pki: sign: csrpem-huge\\.big: larger than 4 MiB")

GK = "gencert -ca %A/ca.pem -ca-key @ -config %A/config.json %A/csr.json"
for n, d in [("empty", ""), ("garbage", "secret\n"),
             ("cert-not-key", CAPEM),
             ("truncated", KEYPEM[:120] + "\n-----END EC PRIVATE KEY-----\n"),
             ("bad-base64", "-----BEGIN PRIVATE KEY-----\n%%%%\n"
              "-----END PRIVATE KEY-----\n"),
             ("public-key", "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYI"
              "KoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"),
             ("other-key", open(os.path.join(HERE, "aux",
                                             "other-key.pem")).read()),
             ("nul", b"\x00" * 16)]:
    case("cakey-" + n + ".pem", d, GK, 1, "etcd-pki: gencert: " +
         esc("cakey-" + n + ".pem") + ": " + (
             "the CA key does not match the CA certificate"
             if n == "other-key" else
             "(no private key|cannot parse|malformed PEM)"))
case("cakey-huge.big", "", GK, 1,
     "etcd-pki: gencert: cakey-huge\\.big: larger than 4 MiB")
case("cakey-mismatch-sign.pem", open(os.path.join(HERE, "aux",
                                                  "other-key.pem")).read(),
     "sign -ca %A/ca.pem -ca-key @ -config %A/config.json %A/leaf.csr", 1,
     "etcd-pki: sign: .*does not match")

# ---- flag values -----------------------------------------------------------


def flag(name, value, cmd, regex, code=1):
    case("flag-" + name + ".txt", value + "\n", cmd, code, regex)


GH = ("gencert -strict -ca %A/ca.pem -ca-key %A/ca-key.pem -config "
      "%A/config.json -hostname %F %A/csr.json")
# A host in a -hostname message is quoted (at most 60 characters).
HQ = '"[^"]*": '
flag("hostname-1025", ",".join("h%d.example" % i for i in range(1025)), GH,
     "etcd-pki: gencert: -hostname: 1025 entries, more than 1024")
flag("hostname-label-64", "a.%s.example" % L(64), GH,
     "etcd-pki: gencert: -hostname: " + HQ + "DNS label of 64")
flag("hostname-dns-254", ".".join([L(60)] * 5)[:254], GH,
     "etcd-pki: gencert: -hostname: " + HQ + "DNS name of 254")
flag("hostname-email-255", L(243) + "@example.com", GH,
     "etcd-pki: gencert: -hostname: " + HQ + "e-mail address of 255")
flag("hostname-sign-label-64", "%s.example" % L(64),
     "sign -strict -ca %A/ca.pem -ca-key %A/ca-key.pem -config "
     "%A/config.json -hostname %F %A/leaf.csr",
     "etcd-pki: sign: -hostname: " + HQ + "DNS label")
flag("cn-65", L(65), "gencert -strict -initca -cn %F %A/csr.json",
     "etcd-pki: gencert: -cn: 65 characters")
for n, v in [("garbage", "soon"), ("negative", "-1h"),
             ("overflow", "9999999999999999h"), ("unit-only", "h"),
             ("zero", "0s"), ("empty-unit", "1")]:
    flag("expiry-" + n, v, "cluster issue -members 1 -expiry %F -o out",
         "etcd-pki: cluster issue: -expiry: ", code=2)
for n, v, c, p in [("garbage", "many", 2, 'invalid value "many" for flag '
                    '-members'),
                   ("huge", "99999999999999999999", 2, "invalid value"),
                   ("negative", "-3", 2, "etcd-pki: cluster issue: -members: "
                    "-3 is out of range"),
                   ("zero", "0", 2, "etcd-pki: cluster issue: -members: 0 is "
                    "out of range"),
                   ("too-many", "100000", 2, "etcd-pki: cluster issue: "
                    "-members: 100000 is out of range")]:
    flag("members-" + n, v, "cluster issue -members %F -o out", p, code=c)
for n, v in [("garbage", "rsa-abc"), ("unknown", "dsa-2048"),
             ("rsa-small", "rsa-1024"), ("ecdsa-bad", "ecdsa-255")]:
    flag("key-algo-" + n, v, "cluster issue -members 1 -key-algo %F -o out",
         "etcd-pki: cluster issue: -key-algo: unknown key", code=1)
flag("jobs-zero", "0", "cluster issue -members 1 -j %F -o out",
     "etcd-pki: cluster issue: -j: ", code=2)
flag("loglevel-garbage", "loud", "gencert -initca -loglevel %F %A/csr.json",
     'invalid value "loud" for flag -loglevel', code=2)
flag("not-before-garbage", "yesterday",
     "cluster issue -members 1 -not-before %F -o out",
     "etcd-pki: cluster issue: -not-before", code=2)


# ---- write -----------------------------------------------------------------
def main():
    if os.path.isdir(CASES):
        shutil.rmtree(CASES)
    os.mkdir(CASES)
    names = set()
    lines = ["# tests/bad-input/MANIFEST: written by gen.py; see its header.",
             "# name | command line | exit | first stderr line (ERE)"]
    for name, data, cmd, code, regex in cases:
        assert name not in names, name
        names.add(name)
        if data is not None:
            with open(os.path.join(CASES, name), "wb") as fh:
                fh.write(data)
        lines.append("%s | %s | %d | %s" % (name, cmd, code, regex))
    with open(os.path.join(HERE, "MANIFEST"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print("%d cases" % len(cases), file=sys.stderr)


main()
