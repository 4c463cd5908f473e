#!/bin/sh
#
# t-schema.sh: the JSON schemas (schemas/*.schema.json) and the C parsers
# (tests/validate, which links only pki/) must agree on every input.
#
# For each file of tests/data/{csr,config,subject,cluster}/{valid,warn,invalid}
# and for the CSR and config JSON files of cfssl's own test data
# (../shared), one TAP line checks that:
#   - $VALIDATE accepts the valid files and rejects the invalid ones, with
#     the message (after the file name) starting with NAME.expect;
#   - it accepts the warn files (what cfssl accepts and the strictness
#     policy reports) with a first warning starting with NAME.warn, and
#     rejects them in strict mode with that message;
#   - the schema, checked with jsonschema's Draft7Validator after a JSON
#     load that keeps the last of repeated keys as Go does, gives the same
#     verdict;
#   - both also agree in strict mode: "validate --strict" against a copy of
#     the schema in which every object with known properties has
#     "additionalProperties": false (case variants of known keys stay
#     allowed through patternProperties) and every "x-strict" subschema
#     applies, loaded by a JSON load that rejects repeated keys.
# Inputs that only the C code can reject are listed in INEXPRESSIBLE with
# the reason; for them the test checks that validate rejects them (in
# strict mode for warn files) and that the schema (knowingly) accepts
# them, so the list stays honest.
#
# Environment: VALIDATE (tests/validate), TOP_SRCDIR (the source tree).

set -eu
LC_ALL=C
export LC_ALL

: "${TOP_SRCDIR:?TOP_SRCDIR is not set}"
: "${VALIDATE:?VALIDATE is not set}"
PYTHON=${PYTHON:-/usr/bin/python3}
DATA=$TOP_SRCDIR/tests/data
FIXTURES=$TOP_SRCDIR/../shared/fixtures/cfssl

work=$(mktemp -d "${TMPDIR:-/tmp}/t-schema.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# Rules JSON Schema cannot state: "path|reason".  validate must reject
# these files while the schema accepts them.
INEXPRESSIBLE='
csr/warn/duplicate-key-case.json|two spellings of one key (Go matches keys ignoring case)
csr/warn/host-looks-ip.json|whether a host is an IP address is decided by the Go parser, not by a pattern
csr/invalid/nul-in-string.json|JSON strings with NUL characters (jansson refuses them)
csr/invalid/size-real.json|256.0 is an integer to JSON Schema but not to Go
csr/invalid/ca-expiry-rounds-to-zero.json|a fraction of a nanosecond rounds down to 0
csr/invalid/ca-expiry-overflow.json|durations over 2562047h overflow int64 nanoseconds
subject/warn/duplicate-key-case.json|two spellings of one key
config/warn/duplicate-key-case.json|two spellings of one key
config/invalid/only-bad-usage.json|unknown usage names are dropped: a profile needs one that is known
fixture:config/testdata/invalid_usage.json|unknown usage names are dropped: a profile needs one that is known
config/invalid/expiry-overflow.json|durations over 2562047h overflow int64 nanoseconds
config/invalid/not-after-before-not-before.json|compares two fields
config/invalid/feb-29-not-leap.json|February 29 depends on the year
config/invalid/bad-whitelist.json|the regular expression must compile
config/invalid/whitelist-re2-flags.json|RE2-only syntax is refused when compiling
config/invalid/unknown-remote.json|remote names must exist in "remotes"
config/invalid/unknown-auth-key.json|auth_key names must exist in "auth_keys"
fixture:config/testdata/invalid_no_auth_keys.json|auth_key names must exist in "auth_keys"
fixture:config/testdata/invalid_no_remotes.json|remote names must exist in "remotes"
fixture:config/testdata/invalid_remotes.json|remote names must exist in "remotes"
cluster/warn/duplicate-key-case.json|two spellings of one key
cluster/invalid/duplicate-member-name.json|member names are unique (array items are whole objects to JSON Schema)
cluster/invalid/duplicate-member-name-case.json|member names are unique ignoring case
cluster/invalid/duplicate-ip.json|no two members share an IP address
cluster/invalid/duplicate-ip-spelling.json|one IPv6 address written two ways
cluster/invalid/duplicate-dns.json|DNS names are unique ignoring case
cluster/invalid/client-duplicate.json|client names are unique
cluster/invalid/owner-unknown.json|whether a user exists depends on the host (getpwnam)
cluster/invalid/group-unknown.json|whether a group exists depends on the host (getgrnam)
cluster/invalid/client-url-foreign-host.json|a URL host must be an IP of the member
cluster/invalid/client-url-unknown-dns.json|a URL host must be a DNS name of the member
cluster/invalid/peer-profile-unknown.json|profiles must exist in the signing configuration
cluster/invalid/peer-profile-client.json|the peer profile needs server auth and client auth
cluster/invalid/peer-profile-server-only.json|the peer profile needs server auth and client auth
cluster/invalid/client-profile-server-only.json|the client profile needs client auth
cluster/invalid/signing-config-missing.json|signing.config must be a readable file
'

# cfssl's fixtures: "kind|path|verdict|comment" (reference section 9).
FIXTURE_LIST='
config|config/testdata/valid_config.json|valid|cfssl loads it; we warn about the misspelt top-level "auth_key"
config|config/testdata/valid_config_auth.json|valid|cfssl loads it with a remote-signer warning
config|config/testdata/valid_config_auth_no_default.json|valid|remote profile only; built-in default
config|config/testdata/valid_config_no_default.json|valid|built-in default
config|config/testdata/invalid_auth.json|invalid|cfssl 5200 "unknown authentication type" too
config|config/testdata/invalid_auth_bad_key.json|invalid|cfssl 5200 too (key not hex)
config|config/testdata/invalid_config.json|invalid|JSON syntax error in both
config|config/testdata/invalid_default.json|invalid|bad expiry in both
config|config/testdata/invalid_profile.json|invalid|bad expiry in both
config|config/testdata/invalid_no_auth_keys.json|invalid|cfssl 5200 too
config|config/testdata/invalid_no_remotes.json|invalid|cfssl 5200 too
config|config/testdata/invalid_remotes.json|invalid|cfssl 5200 too
config|config/testdata/invalid_usage.json|invalid|BAD_USAGE is dropped (with a warning) and no usage is left: cfssl rejects it too
config|testdata/good_config.json|invalid|despite its name cfssl fails too ("empty expiry string")
config|signer/remote/testdata/config.json|valid|loads in cfssl (signing with it fails later)
csr|testdata/csr.json|valid|
csr|cli/testdata/bad_csr.json|invalid|not JSON, as in cfssl
csr|cli/testdata/bad_oid_csr.json|invalid|cfssl master 9300 "invalid OID part abc" (deb ignores OID)
csr|cli/testdata/csr.json|valid|OID and delegation_enabled are master features
csr|cli/genkey/testdata/csr.json|valid|
csr|cli/gencsr/testdata/csr.json|valid|
csr|initca/testdata/ca_csr_ecdsa.json|valid|
csr|initca/testdata/ca_csr_rsa.json|valid|
csr|initca/testdata/ca_csr_ed25519.json|valid|Ed25519 is a cfssl master feature
csr|helpers/testsuite/testdata/initCA/ca_csr.json|invalid|ca.expiry "1/1/2015" is not a duration (cfssl fails too)
csr|helpers/testsuite/testdata/initCA/cert_csr.json|valid|
'

# ---- schema verdicts, computed in one python run ----------------------

cat > "$work/verdicts.py" <<'EOF'
import copy
import json
import sys

def strict(node):
    if isinstance(node, dict):
        if "properties" in node and node.get("additionalProperties") is True:
            node["additionalProperties"] = False
        if "x-strict" in node:
            node.setdefault("allOf", []).append(node.pop("x-strict"))
        for v in list(node.values()):
            strict(v)
    elif isinstance(node, list):
        for v in node:
            strict(v)

def no_dups(pairs):
    seen = set()
    for k, _ in pairs:
        if k in seen:
            raise ValueError("duplicate key %r" % k)
        seen.add(k)
    return dict(pairs)

def no_constants(c):
    raise ValueError("not JSON: %s" % c)

try:
    import jsonschema
except ImportError:
    sys.exit(3)

topdir, listfile = sys.argv[1], sys.argv[2]
validators = {}
for kind in ("csr", "config", "subject", "cluster"):
    with open("%s/schemas/%s.schema.json" % (topdir, kind),
              encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    s2 = copy.deepcopy(schema)
    strict(s2)
    validators[kind] = (jsonschema.Draft7Validator(schema),
                        jsonschema.Draft7Validator(s2))

with open(listfile) as f:
    for line in f:
        kind, path = line.rstrip("\n").split(" ", 1)
        normal, strict_v = validators[kind]
        verdicts = []
        for hook, v in ((None, normal), (no_dups, strict_v)):
            try:
                with open(path, "rb") as g:
                    doc = json.loads(g.read().decode("utf-8"),
                                     object_pairs_hook=hook,
                                     parse_constant=no_constants)
            except (ValueError, UnicodeDecodeError):
                verdicts.append("invalid")
                continue
            verdicts.append("valid" if v.is_valid(doc) else "invalid")
        print(" ".join(verdicts))
EOF

: > "$work/files"
for kind in csr config subject cluster; do
	for verdict in valid warn invalid; do
		for f in "$DATA/$kind/$verdict"/*.json; do
			[ -f "$f" ] || continue
			echo "$kind $f" >> "$work/files"
		done
	done
done
have_fixtures=0
if [ -d "$FIXTURES" ]; then
	have_fixtures=1
	echo "$FIXTURE_LIST" | while IFS='|' read -r kind rel verdict comment; do
		[ -n "$kind" ] || continue
		[ -f "$FIXTURES/$rel" ] || continue
		echo "$kind $FIXTURES/$rel" >> "$work/files"
	done
fi

schema=1
if ! "$PYTHON" "$work/verdicts.py" "$TOP_SRCDIR" "$work/files" \
    > "$work/verdicts" 2> "$work/python.err"; then
	schema=0
	echo "# schema checks skipped: python3 with jsonschema failed:"
	sed 's/^/#   /' "$work/python.err"
fi

# ---- the checks --------------------------------------------------------

n=0
failed=0

# inexpressible KEY: prints the reason if KEY is listed.
inexpressible()
{
	echo "$INEXPRESSIBLE" | while IFS='|' read -r key reason; do
		if [ "$key" = "$1" ]; then
			echo "$reason"
			break
		fi
	done
}

# verdict KIND FILE [--strict]: "valid" or "invalid"; message in $work/msg.
verdict()
{
	if [ $# -eq 3 ]; then
		set -- "$1" --strict "$2"
	fi
	if "$VALIDATE" "$@" > "$work/out" 2> "$work/msg"; then
		echo valid
	else
		echo invalid
	fi
}

# check KIND FILE LABEL WANT INEX_REASON SCHEMA_VERDICTS COMMENT
check()
{
	kind=$1 f=$2 label=$3 want=$4 reason=$5 line=$6 comment=$7
	n=$((n + 1))
	problems=
	got=$(verdict "$kind" "$f")
	msg=$(grep -v '^warning: ' "$work/msg" | head -n 1) || :
	warned=$(sed -n 's/^warning: //p' "$work/msg" | head -n 1)
	[ -s "$work/out" ] && problems="$problems; validate wrote to stdout"
	if [ "$want" = warn ]; then
		want=valid
		[ -n "$warned" ] || problems="$problems; no warning"
	fi
	if [ -n "$want" ] && [ "$got" != "$want" ]; then
		problems="$problems; validate says $got, want $want ($msg)"
	fi
	if [ "$got" = invalid ] && [ -f "${f%.json}.expect" ]; then
		expect=$(cat "${f%.json}.expect")
		rest=${msg#"$f"}
		rest=${rest#:}
		rest=${rest# }
		case $rest in
		"$expect"*) ;;
		*) problems="$problems; message \"$rest\" does not start with \"$expect\"" ;;
		esac
	fi
	got_strict=$(verdict "$kind" "$f" strict)
	if [ "$got" = invalid ] && [ "$got_strict" = valid ]; then
		problems="$problems; valid only in strict mode"
	fi
	if [ -f "${f%.json}.warn" ]; then
		expect=$(cat "${f%.json}.warn")
		smsg=$(head -n 1 "$work/msg")
		for m in "$warned" "$smsg"; do
			rest=${m#"$f"}
			rest=${rest#:}
			rest=${rest# }
			case $rest in
			"$expect"*) ;;
			*) problems="$problems; warning or strict message \"$rest\" does not start with \"$expect\"" ;;
			esac
		done
		[ "$got_strict" = invalid ] ||
		    problems="$problems; accepted in strict mode"
	fi
	note=
	[ -z "$comment" ] || note=" ($comment)"
	if [ "$schema" -eq 1 ]; then
		s_normal=${line%% *}
		s_strict=${line#* }
		if [ -n "$reason" ] && [ -f "${f%.json}.warn" ]; then
			note="$note (strict schema cannot check: $reason)"
			[ "$s_normal" = "$got" ] ||
			    problems="$problems; schema says $s_normal, validate says $got"
			[ "$s_strict" = valid ] ||
			    problems="$problems; the strict schema now rejects it: remove it from INEXPRESSIBLE"
		elif [ -n "$reason" ]; then
			note="$note (schema cannot check: $reason)"
			[ "$got" = invalid ] ||
			    problems="$problems; validate accepts a known-invalid input"
			[ "$s_normal" = valid ] ||
			    problems="$problems; the schema now rejects it: remove it from INEXPRESSIBLE"
		else
			[ "$s_normal" = "$got" ] ||
			    problems="$problems; schema says $s_normal, validate says $got"
			[ "$s_strict" = "$got_strict" ] ||
			    problems="$problems; strict: schema says $s_strict, validate --strict says $got_strict"
		fi
	else
		note="$note (schema not checked)"
	fi
	if [ -z "$problems" ]; then
		echo "ok $n - $label: $got$note"
	else
		echo "not ok $n - $label:${problems#;}"
		failed=$((failed + 1))
	fi
}

exec 3< "$work/files"
exec 4< "$work/verdicts"
while read -r kind f <&3; do
	line=
	if [ "$schema" -eq 1 ]; then
		read -r line <&4 || line=
	fi
	case $f in
	"$DATA"/*)
		rel=${f#"$DATA"/}
		case $rel in
		*/valid/*) want=valid ;;
		*/warn/*) want=warn ;;
		*) want=invalid ;;
		esac
		reason=$(inexpressible "$rel")
		check "$kind" "$f" "$rel" "$want" "$reason" "$line" ""
		;;
	*)
		rel=${f#"$FIXTURES"/}
		entry=$(echo "$FIXTURE_LIST" | while IFS='|' read -r k r v c; do
			if [ "$r" = "$rel" ]; then
				echo "$v|$c"
				break
			fi
		done)
		reason=$(inexpressible "fixture:$rel")
		check "$kind" "$f" "fixture $rel" "${entry%%|*}" "$reason" \
		    "$line" "${entry#*|}"
		;;
	esac
done
exec 3<&- 4<&-

if [ "$have_fixtures" -eq 0 ]; then
	n=$((n + 1))
	echo "ok $n # skip ../shared not present"
fi
echo "1..$n"
[ "$failed" -eq 0 ]
