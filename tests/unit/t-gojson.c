/*
 * t-gojson.c: the one Go-JSON escaper (pki/gojson.c) against Go's own
 * encoder.  The expected texts of the first two cases are cfssl's output
 * (cfssl 1.2.0 built with go1.19.8, Debian 12's golang-cfssl): a
 * certificate whose CN is a T61String holding those bytes (Go keeps a
 * T61String's bytes as they are), made with
 *	openssl req -new -x509 -config C -subj "/CN=..."
 * where C sets "string_mask = nombstr", then
 *	cfssl certinfo -cert cert.pem
 * whose "common_name" is json.MarshalIndent's text for the bytes.
 * tests/cli/t-gojson.sh compares certinfo with the real cfssl live for
 * valid UTF-8.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"
#include "tap.h"

struct qcase {
	const char	*name;
	const char	*in;
	size_t		 inlen;
	const char	*want;
};

#define S(s)	s, sizeof(s) - 1

static const struct qcase cases[] = {
	{ "cfssl: invalid UTF-8, HTML and line separators, controls",
	  S("a" "\xff" "b" "\xc3" "(" "\xe2\x80\xa8" "\xe2\x80\xa9" "<>&\""
	    "\x01\x1f\t\n\x7f" "\xed\xa0\x80" "\xf4\x90\x80\x80" "\xc0\xaf"
	    "\xe2\x82\xac" "\xf0\x9f\x98\x80" "\xe2\x80"),
	  "\"a\\ufffdb\\ufffd(\\u2028\\u2029\\u003c\\u003e\\u0026\\\""
	  "\\u0001\\u001f\\t\\n" "\x7f"
	  "\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd"
	  "\xe2\x82\xac" "\xf0\x9f\x98\x80" "\\ufffd\\ufffd\"" },
	{ "cfssl: backslash, \\r, \\b, \\f, U+FFFD, U+10FFFF, bad leads",
	  S("x\\y\r\x08\x0c" "\xef\xbf\xbd" "/'" "\xf4\x8f\xbf\xbf"
	    "\xf5\x80" "\xe0\x80\x80" "\xe0\xa0\x80" "z"),
	  "\"x\\\\y\\r\\u0008\\u000c" "\xef\xbf\xbd" "/'" "\xf4\x8f\xbf\xbf"
	  "\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd" "\xe0\xa0\x80" "z\"" },
	{ "a NUL byte inside", S("a\0b"), "\"a\\u0000b\"" },
	{ "the empty string", S(""), "\"\"" },
	{ "plain ASCII untouched", S("-----BEGIN CERTIFICATE-----"),
	  "\"-----BEGIN CERTIFICATE-----\"" },
	{ "a lone continuation byte and a truncated 4-byte sequence",
	  S("\x80" "\xf0\x9f\x98"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
};

int
main(void)
{
	struct pki_error	 e;
	json_t			*j;
	char			*q, *d;
	size_t			 i, qlen;

	memset(&e, 0, sizeof(e));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		q = NULL;
		if (pki_json_quote(cases[i].in, cases[i].inlen, &q, &qlen,
		    &e) != 0) {
			ok(0, "%s: %s", cases[i].name, e.text);
			continue;
		}
		ok(qlen == strlen(cases[i].want) &&
		    memcmp(q, cases[i].want, qlen) == 0 && q[qlen] == '\0',
		    "%s", cases[i].name);
		if (qlen != strlen(cases[i].want) ||
		    memcmp(q, cases[i].want, qlen) != 0)
			diag("got %s", q);
		free(q);
	}
	ok(pki_json_quote("x", 1, &q, NULL, &e) == 0 && strcmp(q, "\"x\"") ==
	    0, "the length may be left out");
	free(q);

	/* json.MarshalIndent(v, "", "  ") of a nested value. */
	j = json_pack("{s:[i,s],s:{},s:[],s:{s:n,s:b,s:s}}", "a", 1, "x<",
	    "b", "c", "d", "e", "f", 1, "k&\xe2\x80\xa9", "v");
	d = j != NULL ? pki_json_dump_go(j) : NULL;
	is_str(d, "{\n  \"a\": [\n    1,\n    \"x\\u003c\"\n  ],\n"
	    "  \"b\": {},\n  \"c\": [],\n  \"d\": {\n    \"e\": null,\n"
	    "    \"f\": true,\n    \"k\\u0026\\u2029\": \"v\"\n  }\n}",
	    "dump: indentation, empty containers, keys escaped too");
	free(d);
	json_decref(j);
	j = json_pack("[]");
	d = j != NULL ? pki_json_dump_go(j) : NULL;
	is_str(d, "[]", "dump: an empty array alone");
	free(d);
	json_decref(j);
	/* A string jansson holds without checking it: Go's replacement. */
	j = json_stringn_nocheck("\xff<", 2);
	d = j != NULL ? pki_json_dump_go(j) : NULL;
	is_str(d, "\"\\ufffd\\u003c\"", "dump: invalid UTF-8 in a value");
	free(d);
	json_decref(j);
	return done_testing();
}
