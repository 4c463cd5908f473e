/*
 * t-hosts.c: pki_host_classify() against Go 1.19's net.ParseIP,
 * mail.ParseAddress and url.ParseRequestURI (the expected values were
 * produced by a Go 1.19 program doing what cfssl's csr.Generate does,
 * including the URL.String() that becomes the URI SAN), and the SAN
 * helpers: pki_san_from_hosts() order and ip_only, pki_ip_format(),
 * pki_san_info_json().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include <jansson.h>

#include "internal.h"
#include "x509priv.h"
#include "../tap.h"

static const struct hcase {
	const char	*in;
	int		 type;
	const char	*val;
	size_t		 len;
} hcases[] = {
	/* net.ParseIP: IPv4, no leading zeros, IPv4-mapped as 4 bytes */
	{ "1.2.3.4", PKI_HOST_IP, "\x01\x02\x03\x04", 4 },
	{ "0.0.0.0", PKI_HOST_IP, "\x00\x00\x00\x00", 4 },
	{ "255.255.255.255", PKI_HOST_IP, "\xff\xff\xff\xff", 4 },
	{ "01.2.3.4", PKI_HOST_DNS, "01.2.3.4", 8 },
	{ "1.2.3.04", PKI_HOST_DNS, "1.2.3.04", 8 },
	{ "256.1.1.1", PKI_HOST_DNS, "256.1.1.1", 9 },
	{ "1.2.3", PKI_HOST_DNS, "1.2.3", 5 },
	{ "1.2.3.4 ", PKI_HOST_DNS, "1.2.3.4 ", 8 },
	{ " 1.2.3.4", PKI_HOST_DNS, " 1.2.3.4", 8 },
	{ "::1", PKI_HOST_IP, "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	    "\x00\x00\x00\x01", 16 },
	{ "::", PKI_HOST_IP, "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	    "\x00\x00\x00\x00", 16 },
	{ "[::1]", PKI_HOST_DNS, "[::1]", 5 },
	{ "::ffff:1.2.3.4", PKI_HOST_IP, "\x01\x02\x03\x04", 4 },
	{ "::ffff:0102:0304", PKI_HOST_IP, "\x01\x02\x03\x04", 4 },
	{ "::1.2.3.4", PKI_HOST_IP, "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	    "\x00\x00\x01\x02\x03\x04", 16 },
	{ "2001:DB8::1", PKI_HOST_IP, " \x01\x0d\xb8\x00\x00\x00\x00\x00\x00"
	    "\x00\x00\x00\x00\x00\x01", 16 },
	{ "00001::1", PKI_HOST_IP, "\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00"
	    "\x00\x00\x00\x00\x00\x01", 16 },
	{ "12345::1", PKI_HOST_DNS, "12345::1", 8 },
	{ "1::2::3", PKI_HOST_DNS, "1::2::3", 7 },
	{ "1:2:3:4:5:6:7:8:9", PKI_HOST_DNS, "1:2:3:4:5:6:7:8:9", 17 },
	/* a zone is not an IP; as "scheme:opaque" it is a URI */
	{ "fe80::1%eth0", PKI_HOST_URI, "fe80::1%eth0", 12 },

	/* mail.ParseAddress */
	{ "bob@example.com", PKI_HOST_EMAIL, "bob@example.com", 15 },
	{ "Bob <bob@example.com>", PKI_HOST_EMAIL, "bob@example.com", 15 },
	{ "\"Bob Smith\" <bob@example.com>", PKI_HOST_EMAIL,
	    "bob@example.com", 15 },
	{ "<bob@example.com>", PKI_HOST_EMAIL, "bob@example.com", 15 },
	{ "  a@b  ", PKI_HOST_EMAIL, "a@b", 3 },
	{ "a@b (comment)", PKI_HOST_EMAIL, "a@b", 3 },
	{ "Bob (x) <a@b>", PKI_HOST_EMAIL, "a@b", 3 },
	{ "a@b (unbalanced", PKI_HOST_DNS, "a@b (unbalanced", 15 },
	{ "\"quoted local\"@example.com", PKI_HOST_EMAIL,
	    "quoted local@example.com", 24 },
	{ "\"\"@example.com", PKI_HOST_DNS, "\"\"@example.com", 14 },
	{ ".a@b", PKI_HOST_DNS, ".a@b", 4 },
	{ "a..b@c", PKI_HOST_DNS, "a..b@c", 6 },
	{ "a@[1.2.3.4]", PKI_HOST_DNS, "a@[1.2.3.4]", 11 },
	{ "a@", PKI_HOST_DNS, "a@", 2 },
	{ "@b", PKI_HOST_DNS, "@b", 2 },
	{ "user+tag@example.com", PKI_HOST_EMAIL, "user+tag@example.com", 20 },
	{ "Bob <bob@example.com", PKI_HOST_DNS, "Bob <bob@example.com", 20 },
	{ "grp: a@b;", PKI_HOST_EMAIL, "a@b", 3 },
	{ "=?koi8-r?q?Bob?= <a@b>", PKI_HOST_DNS, "=?koi8-r?q?Bob?= <a@b>",
	    22 },
	{ "b@example.com <b@example.com>", PKI_HOST_DNS,
	    "b@example.com <b@example.com>", 29 },
	{ "\xe6\x97\xa5\xe6\x9c\xac@example.com", PKI_HOST_EMAIL,
	    "\xe6\x97\xa5\xe6\x9c\xac@example.com", 18 },

	/* url.ParseRequestURI; the value is URL.String() */
	{ "http://example.com", PKI_HOST_URI, "http://example.com", 18 },
	{ "HTTPS://Example.COM/Path", PKI_HOST_URI, "https://Example.COM/Path",
	    24 },
	{ "https://example.com/path?q=1", PKI_HOST_URI,
	    "https://example.com/path?q=1", 28 },
	{ "http://a:b", PKI_HOST_DNS, "http://a:b", 10 },
	{ "http://a:80", PKI_HOST_URI, "http://a:80", 11 },
	{ "http://[::1]:8080/x", PKI_HOST_URI, "http://[::1]:8080/x", 19 },
	{ "http://[::1", PKI_HOST_DNS, "http://[::1", 11 },
	{ "http://[fe80::1%25en0]/", PKI_HOST_URI, "http://[fe80::1%25en0]/",
	    23 },
	{ "http://user:pass@host/", PKI_HOST_URI, "http://user:pass@host/",
	    22 },
	{ "http://us!er@host/", PKI_HOST_URI, "http://us%21er@host/", 20 },
	{ "http://a b/", PKI_HOST_DNS, "http://a b/", 11 },
	{ "http://a/%zz", PKI_HOST_DNS, "http://a/%zz", 12 },
	{ "/%zz", PKI_HOST_DNS, "/%zz", 4 },
	{ "http://a/b c", PKI_HOST_URI, "http://a/b%20c", 14 },
	{ "http://a/b#frag", PKI_HOST_URI, "http://a/b%23frag", 17 },
	{ "http://a/\xc3\xa9", PKI_HOST_URI, "http://a/%C3%A9", 15 },
	{ "http://", PKI_HOST_URI, "http:", 5 },
	{ "http:/path", PKI_HOST_URI, "http:/path", 10 },
	{ "localhost:8080", PKI_HOST_URI, "localhost:8080", 14 },
	{ "etcd1:2380", PKI_HOST_URI, "etcd1:2380", 10 },
	{ "mailto:x", PKI_HOST_URI, "mailto:x", 8 },
	{ "urn:%zz", PKI_HOST_URI, "urn:%zz", 7 },
	{ "x:\xc3\xa9", PKI_HOST_URI, "x:\xc3\xa9", 4 },
	{ ":x", PKI_HOST_DNS, ":x", 2 },
	{ "1a:b", PKI_HOST_DNS, "1a:b", 4 },
	{ "/a/b", PKI_HOST_URI, "/a/b", 4 },
	{ "//x", PKI_HOST_URI, "//x", 3 },
	{ "*", PKI_HOST_URI, "*", 1 },
	{ "spiffe://cluster.local/ns/default/sa/x", PKI_HOST_URI,
	    "spiffe://cluster.local/ns/default/sa/x", 38 },
	{ "http://a/\x01", PKI_HOST_DNS, "http://a/\x01", 10 },
	{ "http://a/\x7f", PKI_HOST_DNS, "http://a/\x7f", 10 },
	{ "/a\tb", PKI_HOST_DNS, "/a\tb", 4 },

	/* DNS leftovers, verbatim */
	{ "foo.example.com", PKI_HOST_DNS, "foo.example.com", 15 },
	{ "*.example.com", PKI_HOST_DNS, "*.example.com", 13 },
	{ "", PKI_HOST_DNS, "", 0 },
	{ " b.com", PKI_HOST_DNS, " b.com", 6 },
	{ "ex ample", PKI_HOST_DNS, "ex ample", 8 },
	{ "1.2.3.4:80", PKI_HOST_DNS, "1.2.3.4:80", 10 },
};
#define NHCASES	(sizeof(hcases) / sizeof(hcases[0]))

static const char *tname[] = { "DNS", "IP", "EMAIL", "URI" };

static void
test_classify(void)
{
	const struct hcase	*c;
	struct pki_error	 err;
	unsigned char		*v;
	size_t			 i, vlen;
	int			 t;

	for (i = 0; i < NHCASES; i++) {
		c = &hcases[i];
		t = pki_host_classify(c->in, &v, &vlen, &err);
		if (!ok(t == c->type && vlen == c->len &&
		    memcmp(v, c->val, vlen) == 0, "classify \"%s\" -> %s",
		    c->in, tname[c->type]))
			diag("got type %d len %zu", t, vlen);
		free(v);
	}
}

/* Checks the i-th GENERAL_NAME's type and value. */
static int
gen_is(const GENERAL_NAMES *gens, int i, int type, const char *val,
    size_t len)
{
	const ASN1_STRING	*s;
	int			 t;

	if (i >= sk_GENERAL_NAME_num(gens))
		return 0;
	s = GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(gens, i), &t);
	return t == type && (size_t)ASN1_STRING_length(s) == len &&
	    memcmp(ASN1_STRING_get0_data(s), val, len) == 0;
}

static void
test_san(void)
{
	const char *hosts[] = {
		"http://x", "b.com", "1.2.3.4", "a@b", "a.com", "::1",
		"Bob <c@d>"
	};
	const char *dnsonly[] = { "a.com", "a@b" };
	const char *nonascii[] = { "ok.com", "\xc3\xa9.com" };
	const char *blank[] = { "", " b.com" };
	static const unsigned char blank_der[] = {
		0x30, 0x0a, 0x82, 0x00, 0x82, 0x06, ' ', 'b', '.', 'c', 'o', 'm'
	};
	struct pki_error	 err;
	GENERAL_NAMES		*gens = NULL;
	unsigned char		*der = NULL;
	int			 r, len;

	r = pki_san_from_hosts(hosts, 7, 0, &gens, &err);
	ok(r == 0 && gens != NULL && sk_GENERAL_NAME_num(gens) == 7,
	    "san: 7 names");
	ok(gens != NULL &&
	    gen_is(gens, 0, GEN_DNS, "b.com", 5) &&
	    gen_is(gens, 1, GEN_DNS, "a.com", 5) &&
	    gen_is(gens, 2, GEN_EMAIL, "a@b", 3) &&
	    gen_is(gens, 3, GEN_EMAIL, "c@d", 3) &&
	    gen_is(gens, 4, GEN_IPADD, "\x01\x02\x03\x04", 4) &&
	    gen_is(gens, 5, GEN_IPADD, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01",
	    16) &&
	    gen_is(gens, 6, GEN_URI, "http://x", 8),
	    "san: Go's order DNS, email, IP, URI; input order kept within");
	GENERAL_NAMES_free(gens);

	r = pki_san_from_hosts(hosts, 7, 1, &gens, &err);
	ok(r == 0 && gens != NULL && sk_GENERAL_NAME_num(gens) == 2 &&
	    gen_is(gens, 0, GEN_IPADD, "\x01\x02\x03\x04", 4) &&
	    gen_is(gens, 1, GEN_IPADD, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01",
	    16), "san: ip_only keeps the two IPs");
	GENERAL_NAMES_free(gens);

	gens = (GENERAL_NAMES *)1;
	r = pki_san_from_hosts(dnsonly, 2, 1, &gens, &err);
	ok(r == 0 && gens == NULL, "san: ip_only with no IP gives NULL");

	gens = (GENERAL_NAMES *)1;
	r = pki_san_from_hosts(NULL, 0, 0, &gens, &err);
	ok(r == 0 && gens == NULL, "san: no hosts gives NULL");

	memset(&err, 0, sizeof(err));
	r = pki_san_from_hosts(nonascii, 2, 0, &gens, &err);
	is_int(r, PKI_ERR_INPUT, "san: non-ASCII DNS name refused");
	is_str(err.text, "hosts: \"\xc3\xa9.com\" is not ASCII",
	    "san: non-ASCII message");
	ok(gens == NULL, "san: no output on error");
	r = pki_san_from_hosts(nonascii, 2, 1, &gens, &err);
	ok(r == 0 && gens == NULL, "san: non-ASCII dropped with ip_only");

	r = pki_san_from_hosts(blank, 2, 0, &gens, &err);
	len = gens != NULL ? i2d_GENERAL_NAMES(gens, &der) : -1;
	ok(r == 0 && len == (int)sizeof(blank_der) &&
	    memcmp(der, blank_der, sizeof(blank_der)) == 0,
	    "san: \"\" and \" b.com\" kept byte for byte");
	OPENSSL_free(der);
	GENERAL_NAMES_free(gens);
}

static void
test_ip_format(void)
{
	static const struct {
		const char	*ip;
		size_t		 len;
		const char	*want;
	} c[] = {
		{ "\x01\x02\x03\x04", 4, "1.2.3.4" },
		{ "\0\0\0\0\0\0\0\0\0\0\xff\xff\x0a\0\0\x01", 16, "10.0.0.1" },
		{ "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16, "::1" },
		{ "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16, "::" },
		{ "\0\0\0\0\0\0\0\0\0\0\0\0\x01\x02\x03\x04", 16, "::102:304" },
		{ "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16,
		    "2001:db8::1" },
		{ "\0\x01\0\0\0\0\0\x01\0\0\0\0\0\0\0\x01", 16, "1:0:0:1::1" },
		{ "\0\x01\0\0\0\x01\0\0\0\x01\0\0\0\x01\0\0", 16,
		    "1:0:1:0:1:0:1:0" },
		{ "\0\0\0\0\0\x01\0\0\0\0\0\x01\0\0\0\0", 16, "::1:0:0:1:0:0" },
		{ "\0\x01\0\x02\0\x03\0\x04\0\x05\0\x06\0\x07\0\0", 16,
		    "1:2:3:4:5:6:7:0" },
		{ "\x01\x02\x03", 3, "?010203" },
	};
	char	buf[64];
	size_t	i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		pki_ip_format((const unsigned char *)c[i].ip, c[i].len, buf,
		    sizeof(buf));
		is_str(buf, c[i].want, "ip_format %s", c[i].want);
	}
}

static void
test_info_json(void)
{
	const char *hosts[] = {
		"b.com", "1.2.3.4", "a@b", "http://x", "::1", "a.com"
	};
	struct pki_error	 err;
	GENERAL_NAMES		*gens = NULL;
	json_t			*obj;
	char			*s;

	if (pki_san_from_hosts(hosts, 6, 0, &gens, &err) != 0)
		gens = NULL;
	obj = json_object();
	ok(pki_san_info_json(gens, 0, obj, &err) == 0, "san_info_json");
	s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	is_str(s, "{\"sans\":[\"b.com\",\"a.com\",\"1.2.3.4\",\"::1\"]}",
	    "san_info_json: DNS then IPs only");
	free(s);
	json_decref(obj);
	obj = json_object();
	ok(pki_san_info_json(gens, 1, obj, &err) == 0, "san_info_json all");
	s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	is_str(s, "{\"sans\":[\"b.com\",\"a.com\",\"1.2.3.4\",\"::1\"],"
	    "\"emails\":[\"a@b\"],\"uris\":[\"http://x\"]}",
	    "san_info_json: with emails and uris");
	free(s);
	json_decref(obj);
	obj = json_object();
	ok(pki_san_info_json(NULL, 1, obj, &err) == 0 &&
	    json_object_size(obj) == 0, "san_info_json: no SAN, no keys");
	json_decref(obj);
	GENERAL_NAMES_free(gens);
}

int
main(void)
{
	plan((int)NHCASES + 10 + 11 + 5);
	test_classify();
	test_san();
	test_ip_format();
	test_info_json();
	return done_testing();
}
