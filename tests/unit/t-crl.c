/*
 * t-crl.c: pki/crl.c: reasons, gencrl's serial list and TIME, and CRLs
 * made, encoded, loaded back, read and verified (with ECDSA, RSA and
 * Ed25519 CAs), refusing what a CRL cannot carry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pki.h"
#include "certs.h"
#include "tap.h"

#define CA_JSON(algo, size) "{\"CN\":\"t CA\",\"key\":{\"algo\":\"" algo \
	"\",\"size\":" #size "},\"ca\":{\"expiry\":\"8760h\"}}"

static int	nwarn;

static void
warn(void *arg, const char *text)
{
	(void)arg;
	nwarn++;
	diag("warning: %s", text);
}

static void
test_reasons(void)
{
	struct pki_error	err;
	int			code;

	memset(&err, 0, sizeof(err));
	ok(pki_crl_reason_parse("keyCompromise", &code, &err) == 0 &&
	    code == PKI_REASON_KEY_COMPROMISE, "reason by name");
	ok(pki_crl_reason_parse("CESSATIONOFOPERATION", &code, &err) == 0 &&
	    code == PKI_REASON_CESSATION, "reason names ignore case");
	ok(pki_crl_reason_parse("4", &code, &err) == 0 &&
	    code == PKI_REASON_SUPERSEDED, "reason by number");
	ok(pki_crl_reason_parse("", &code, &err) == 0 &&
	    code == PKI_REASON_UNSPECIFIED, "no reason: unspecified");
	ok(pki_crl_reason_parse("0", &code, &err) == 0 &&
	    code == PKI_REASON_UNSPECIFIED, "0 is unspecified");
	ok(pki_crl_reason_parse("7", &code, &err) == PKI_ERR_INPUT &&
	    strstr(err.text, "not assigned") != NULL, "7 is refused");
	ok(pki_crl_reason_parse("removeFromCRL", &code, &err) ==
	    PKI_ERR_INPUT && strstr(err.text, "delta") != NULL,
	    "removeFromCRL is refused");
	ok(pki_crl_reason_parse("11", &code, &err) == PKI_ERR_INPUT,
	    "11 is refused");
	ok(pki_crl_reason_parse("bogus", &code, &err) == PKI_ERR_INPUT &&
	    strstr(err.text, "unknown reason \"bogus\"") != NULL,
	    "an unknown name is refused, named");
	is_str(pki_crl_reason_name(PKI_REASON_AA_COMPROMISE), "aACompromise",
	    "reason name of 10");
	is_str(pki_crl_reason_name(7), "unknown", "reason name of 7");
}

static void
test_serials(void)
{
	struct pki_parse_opts	 po;
	struct pki_error	 err;
	char			**v = NULL;
	size_t			 n = 0;
	static const char	 good[] = "123\r\n\n  0042 \n+7\n123\n"
	    "987654321098765432109876543210\n";

	memset(&err, 0, sizeof(err));
	memset(&po, 0, sizeof(po));
	po.warn = warn;
	nwarn = 0;
	ok(pki_crl_serials_parse(good, sizeof(good) - 1, "s", &po, &v, &n,
	    &err) == 0 && n == 4, "serial list: 4 serials");
	if (n == 4) {
		is_str(v[0], "123", "CR stripped");
		is_str(v[1], "42", "blanks and leading zeros stripped");
		is_str(v[2], "7", "a plus sign");
		is_str(v[3], "987654321098765432109876543210", "a long one");
	} else
		skip("no list"), skip("no list"), skip("no list"),
		    skip("no list");
	is_int(nwarn, 1, "the duplicate is warned about");
	pki_strv_free(v, n);
	ok(pki_crl_serials_parse("", 0, "s", &po, &v, &n, &err) == 0 &&
	    n == 0, "an empty list");
	pki_strv_free(v, n);
	ok(pki_crl_serials_parse("12\n4CA9F8\n", 10, "s", &po, &v, &n,
	    &err) == PKI_ERR_INPUT && strstr(err.text, "s: line 2: \"4CA9F8\" "
	    "is not a decimal serial number") != NULL, "hex is refused: %s",
	    err.text);
	ok(pki_crl_serials_parse("-5\n", 3, "s", &po, &v, &n, &err) ==
	    PKI_ERR_INPUT, "a negative serial is refused");
	ok(pki_crl_serials_parse("0x1F\n", 5, "s", &po, &v, &n, &err) ==
	    PKI_ERR_INPUT, "0x1F is refused");
	po.strict = 1;
	ok(pki_crl_serials_parse("1\n1\n", 4, "s", &po, &v, &n, &err) ==
	    PKI_ERR_INPUT && strstr(err.text, "listed twice") != NULL,
	    "strict: a duplicate is an error");
}

static void
test_expiry(void)
{
	static const struct {
		const char	*s;
		int		 ok;
		int64_t		 v;
	} c[] = {
		{ "60", 1, 60 }, { " 3600\t", 1, 3600 }, { "0x3c", 1, 60 },
		{ "0o17", 1, 15 }, { "017", 1, 15 }, { "0b11", 1, 3 },
		{ "-60", 1, -60 }, { "+5", 1, 5 }, { "1_000", 1, 1000 },
		{ "0", 1, 0 }, { "2147483647", 1, 2147483647 },
		{ "-2147483648", 1, -2147483648LL },
		{ "2147483648", 0, 0 }, { "3000000000", 0, 0 },
		{ "08", 0, 0 }, { "60s", 0, 0 }, { "", 0, 0 }, { "_1", 0, 0 },
		{ "1__0", 0, 0 }, { "1_", 0, 0 }, { "0x", 0, 0 },
	};
	struct pki_error	err;
	size_t			i;
	int64_t			v;
	int			r;

	memset(&err, 0, sizeof(err));
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		r = pki_crl_expiry_parse(c[i].s, &v, &err);
		if (c[i].ok)
			ok(r == 0 && v == c[i].v, "TIME \"%s\" is %lld", c[i].s,
			    (long long)c[i].v);
		else
			ok(r == PKI_ERR_INPUT, "TIME \"%s\" is refused (%s)",
			    c[i].s, err.text);
	}
}

/* A CRL of ca with two entries, encoded both ways and read back. */
static void
test_crl(const char *algo, const char *json, int number)
{
	struct pki_crl_request	 q;
	struct pki_crl_entry	 e[2], got;
	struct pki_crl_info	 info;
	struct pki_error	 err;
	struct pki_cert		*ca = NULL, *other = NULL;
	struct pki_key		*cakey = NULL, *otherkey = NULL;
	struct pki_crl		*crl = NULL, *back = NULL;
	char			*der = NULL, *pem = NULL;
	size_t			 derlen = 0, pemlen = 0;
	time_t			 now = 1767225600;	/* 2026-01-01 */
	int64_t			 nb = 0, na = 0;

	memset(&err, 0, sizeof(err));
	memset(&q, 0, sizeof(q));
	memset(e, 0, sizeof(e));
	ca = test_ca(json, now, &cakey);
	other = test_ca(CA_JSON("ecdsa", 256), now, &otherkey);
	snprintf(e[0].serial, sizeof(e[0].serial), "123456789");
	e[0].revoked_at = now - 60;
	e[0].reason = PKI_REASON_KEY_COMPROMISE;
	snprintf(e[1].serial, sizeof(e[1].serial),
	    "340282366920938463463374607431768211455");
	e[1].revoked_at = now - 30;
	e[1].reason = PKI_REASON_UNSPECIFIED;
	q.ca = ca;
	q.cakey = cakey;
	q.entries = e;
	q.nentries = 2;
	q.this_update = now;
	q.next_update = now + 7 * 86400;
	q.number = number ? "42" : NULL;
	ok(ca != NULL && pki_crl_new(&q, &crl, &err) == 0, "%s: CRL made",
	    algo);
	if (crl == NULL) {
		diag("%s", err.text);
		goto out;
	}
	ok(pki_crl_encode(crl, PKI_CRL_DER, &der, &derlen, &err) == 0 &&
	    derlen > 0 &&
	    (unsigned char)der[0] == 0x30, "%s: DER", algo);
	ok(pki_crl_encode(crl, PKI_CRL_PEM, &pem, &pemlen, &err) == 0 &&
	    strncmp(pem, "-----BEGIN X509 CRL-----\n", 25) == 0, "%s: PEM",
	    algo);
	ok(pki_crl_load(der, derlen, "der", &back, &err) == 0,
	    "%s: DER loads", algo);
	pki_crl_free(back);
	back = NULL;
	ok(pki_crl_load(pem, pemlen, "pem", &back, &err) == 0,
	    "%s: PEM loads", algo);
	ok(back != NULL && pki_crl_info(back, &info, &err) == 0 &&
	    info.this_update == now && info.next_update == now + 7 * 86400 &&
	    info.nentries == 2 && strcmp(info.number, number ? "42" : "") ==
	    0 && strlen(info.aki) == 40 && strcmp(info.issuer, "CN=t CA") ==
	    0, "%s: dates, number, AKI, issuer and count read back", algo);
	pki_crl_info_clear(&info);
	ok(back != NULL && pki_crl_entry(back, 0, &got, &err) == 0 &&
	    strcmp(got.serial, "123456789") == 0 && got.revoked_at ==
	    now - 60 && got.reason == PKI_REASON_KEY_COMPROMISE,
	    "%s: entry 0 with its reason", algo);
	ok(back != NULL && pki_crl_entry(back, 1, &got, &err) == 0 &&
	    strcmp(got.serial, e[1].serial) == 0 && got.reason ==
	    PKI_REASON_NONE, "%s: entry 1, 128-bit serial, no reason code "
	    "for unspecified", algo);
	ok(back != NULL && pki_crl_entry(back, 2, &got, &err) == PKI_ERR_ARG,
	    "%s: no entry 2", algo);
	ok(pki_crl_validity(der, derlen, "der", &nb, &na, &err) == 0 &&
	    nb == now && na == now + 7 * 86400, "%s: validity", algo);
	ok(back != NULL && pki_crl_verify(back, ca, &err) == 0,
	    "%s: verifies with its CA", algo);
	ok(back != NULL && pki_crl_verify(back, other, &err) ==
	    PKI_ERR_SIGNATURE, "%s: not with another CA", algo);
 out:
	pki_crl_free(crl);
	pki_crl_free(back);
	free(der);
	free(pem);
	pki_cert_free(ca);
	pki_key_free(cakey);
	pki_cert_free(other);
	pki_key_free(otherkey);
}

static void
test_refusals(void)
{
	struct pki_crl_request	 q;
	struct pki_crl_entry	 e;
	struct pki_error	 err;
	struct pki_cert		*ca, *other;
	struct pki_key		*cakey = NULL, *otherkey = NULL;
	struct pki_crl		*crl = NULL;

	memset(&err, 0, sizeof(err));
	memset(&q, 0, sizeof(q));
	memset(&e, 0, sizeof(e));
	ca = test_ca(CA_JSON("ecdsa", 256), 0, &cakey);
	other = test_ca(CA_JSON("ecdsa", 256), 0, &otherkey);
	q.ca = ca;
	q.cakey = otherkey;
	q.this_update = 1767225600;
	q.next_update = q.this_update + 60;
	ok(pki_crl_new(&q, &crl, &err) == PKI_ERR_MISMATCH && crl == NULL,
	    "a key that is not the CA's is refused");
	q.cakey = cakey;
	q.entries = &e;
	q.nentries = 1;
	snprintf(e.serial, sizeof(e.serial), "12x");
	ok(pki_crl_new(&q, &crl, &err) == PKI_ERR_INPUT && crl == NULL,
	    "a serial that is not decimal is refused");
	snprintf(e.serial, sizeof(e.serial), "12");
	e.reason = 7;
	ok(pki_crl_new(&q, &crl, &err) == PKI_ERR_INPUT && crl == NULL,
	    "reason 7 is refused");
	ok(pki_crl_load("garbage", 7, "g", &crl, &err) == PKI_ERR_PEM &&
	    strstr(err.text, "g: neither a PEM nor a DER CRL") != NULL,
	    "garbage is not a CRL");
	pki_cert_free(ca);
	pki_cert_free(other);
	pki_key_free(cakey);
	pki_key_free(otherkey);
}

/* gencrl -format json of b64 (made at 1767225600 for 123 and 456). */
static void
test_gencrl_doc(const char *b64)
{
	struct pki_error	 err;
	json_t			*d = NULL, *e;
	char			*text;

	memset(&err, 0, sizeof(err));
	ok(pki_doc_gencrl(b64, &d, &err) == 0, "gencrl document");
	text = json_dumps(json_array_get(json_object_get(d, "entries"), 1),
	    JSON_COMPACT | JSON_PRESERVE_ORDER);
	is_str(text, "{\"serial\":\"456\",\"revoked_at\":"
	    "\"2026-01-01T00:00:00Z\",\"reason\":null}", "... its entries");
	free(text);
	e = json_object_get(d, "next_update");
	ok(json_is_null(json_object_get(d, "number")) &&
	    strcmp(json_string_value(e), "2026-01-08T00:00:00Z") == 0 &&
	    strcmp(json_string_value(json_object_get(d, "der")), b64) == 0,
	    "... no number, a week, the base64 itself");
	json_decref(d);
	ok(pki_doc_gencrl("bm90IGEgQ1JM", &d, &err) == PKI_ERR_PEM &&
	    d == NULL, "gencrl document: not a CRL, an error");
}

/* cfssl gencrl: base64 of the DER, a week by default, no number. */
static void
test_gencrl(void)
{
	struct pki_gencrl	 g;
	struct pki_crl_info	 info;
	struct pki_crl_entry	 e;
	struct pki_error	 err;
	struct pki_cert		*ca;
	struct pki_key		*cakey = NULL;
	struct pki_crl		*crl = NULL;
	char			*b64 = NULL;
	size_t			 len = 0;
	time_t			 now = 1767225600;
	static const char	 serials[] = "123\n456\n";

	memset(&err, 0, sizeof(err));
	memset(&g, 0, sizeof(g));
	ca = test_ca(CA_JSON("ecdsa", 256), now, &cakey);
	g.serials = serials;
	g.len = sizeof(serials) - 1;
	g.source = "serials";
	g.ca = ca;
	g.cakey = cakey;
	g.now = now;
	g.fmt = PKI_CRL_BASE64;
	ok(pki_crl_gencrl(&g, &b64, &len, &err) == 0 && len == strlen(b64) &&
	    strchr(b64, '\n') == NULL, "gencrl: one line of base64");
	ok(b64 != NULL && pki_crl_load(b64, len, "b64", &crl, &err) ==
	    PKI_ERR_PEM, "(base64 is not a CRL by itself)");
	test_gencrl_doc(b64);
	free(b64);
	b64 = NULL;
	g.fmt = PKI_CRL_DER;
	ok(pki_crl_gencrl(&g, &b64, &len, &err) == 0 &&
	    pki_crl_load(b64, len, "der", &crl, &err) == 0 &&
	    pki_crl_info(crl, &info, &err) == 0 && info.nentries == 2 &&
	    info.number[0] == '\0' && info.this_update == now &&
	    info.next_update == now + 7 * 86400, "gencrl: two entries, no "
	    "number, a week by default");
	pki_crl_info_clear(&info);
	ok(crl != NULL && pki_crl_entry(crl, 1, &e, &err) == 0 &&
	    strcmp(e.serial, "456") == 0 && e.revoked_at == now &&
	    e.reason == PKI_REASON_NONE, "gencrl: revoked now, no reason");
	pki_crl_free(crl);
	crl = NULL;
	free(b64);
	b64 = NULL;
	g.expiry = -60;
	ok(pki_crl_gencrl(&g, &b64, &len, &err) == 0 &&
	    pki_crl_load(b64, len, "der", &crl, &err) == 0 &&
	    pki_crl_info(crl, &info, &err) == 0 &&
	    info.next_update == now - 60, "gencrl: a negative TIME, as cfssl");
	pki_crl_info_clear(&info);
	pki_crl_free(crl);
	free(b64);
	g.serials = "12\nbad\n";
	g.len = 7;
	ok(pki_crl_gencrl(&g, &b64, &len, &err) == PKI_ERR_INPUT &&
	    strstr(err.text, "serials: line 2") != NULL && b64 == NULL,
	    "gencrl: a bad serial is refused");
	pki_cert_free(ca);
	pki_key_free(cakey);
}

/* -aki as certinfo prints it, or as the inventory keeps it. */
/* gencrl's arguments. */
static void
test_gencrl_args(void)
{
	static char		 s[] = "s", d[] = "-", k[] = "k", t[] = "60";
	struct pki_error	 err;
	char			*a[] = { s, d, k, t, s };
	char			*b[] = { d, k, d };

	memset(&err, 0, sizeof(err));
	ok(pki_gencrl_args(3, a, &err) == 0 && pki_gencrl_args(4, a,
	    &err) == 0, "gencrl args: three or four, one of them -");
	ok(pki_gencrl_args(2, a, &err) == PKI_ERR_INPUT &&
	    strstr(err.text, "not enough arguments") != NULL,
	    "gencrl args: two, in cfssl's words");
	ok(pki_gencrl_args(5, a, &err) == PKI_ERR_ARG, "gencrl args: five, "
	    "a usage error");
	ok(pki_gencrl_args(3, b, &err) == PKI_ERR_INPUT &&
	    strstr(err.text, "only one of") != NULL, "gencrl args: two of "
	    "them -");
}

/* cfssl revoke's checks, in its order. */
static void
test_revoke_args(void)
{
	struct pki_error	err;
	char			hex[16];

	memset(&err, 0, sizeof(err));
	ok(pki_revoke_db_args(0, "12", "AB:CD", "db.json", hex, sizeof(hex),
	    &err) == 0 && strcmp(hex, "abcd") == 0, "revoke: the AKI "
	    "normalized");
	ok(pki_revoke_db_args(1, NULL, NULL, NULL, hex, sizeof(hex), &err) ==
	    PKI_ERR_INPUT && strstr(err.text, "argument is provided") != NULL,
	    "revoke: an argument first, as cfssl");
	ok(pki_revoke_db_args(0, NULL, NULL, NULL, hex, sizeof(hex), &err) ==
	    PKI_ERR_INPUT && strstr(err.text, "serial number is required") !=
	    NULL, "revoke: then the serial");
	ok(pki_revoke_db_args(0, "1", NULL, NULL, hex, sizeof(hex), &err) ==
	    PKI_ERR_INPUT && strstr(err.text, "authority key id") != NULL &&
	    pki_revoke_db_args(0, "1", "ab", NULL, hex, sizeof(hex), &err) ==
	    PKI_ERR_INPUT && strstr(err.text, "need DB config") != NULL,
	    "revoke: then the AKI, then the DB config");
	ok(pki_revoke_db_args(0, "0x1", "ab", "d", hex, sizeof(hex), &err) ==
	    PKI_ERR_INPUT && strstr(err.text, "in decimal") != NULL &&
	    pki_revoke_db_args(0, "1", "xy", "d", hex, sizeof(hex), &err) ==
	    PKI_ERR_INPUT && strstr(err.text, "-aki xy") != NULL,
	    "revoke: a serial not decimal, an AKI not hex");
}

static void
test_aki(void)
{
	char	out[8];

	ok(pki_aki_normalize("AB:cd:0F", out, sizeof(out)) == 0 &&
	    strcmp(out, "abcd0f") == 0, "AKI: colons and case dropped");
	ok(pki_aki_normalize("abcd0f", out, sizeof(out)) == 0 &&
	    strcmp(out, "abcd0f") == 0, "AKI: stored form kept");
	ok(pki_aki_normalize("ab:zz", out, sizeof(out)) == -1,
	    "AKI: not hex, refused");
	ok(pki_aki_normalize("", out, sizeof(out)) == -1 &&
	    pki_aki_normalize(":", out, sizeof(out)) == -1,
	    "AKI: empty, refused");
	ok(pki_aki_normalize("0123456789", out, sizeof(out)) == -1,
	    "AKI: too long for out, refused");
}

int
main(void)
{
	plan(11 + 11 + 21 + 3 * 12 + 4 + 6 + 5 + 4 + 5 + 4);
	test_aki();
	test_revoke_args();
	test_gencrl_args();
	test_reasons();
	test_serials();
	test_expiry();
	test_crl("ecdsa", CA_JSON("ecdsa", 256), 1);
	test_crl("rsa", CA_JSON("rsa", 2048), 0);
	test_crl("ed25519", "{\"CN\":\"t CA\",\"key\":{\"algo\":\"ed25519\"},"
	    "\"ca\":{\"expiry\":\"8760h\"}}", 1);
	test_refusals();
	test_gencrl();
	return done_testing();
}
