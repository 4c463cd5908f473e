/*
 * t-policy.c: the strictness policy of signing (pki/policy.c) and its
 * effect on pki_cert_sign(): issuers that cannot sign anything that
 * verifies, the backdate cut, fixed dates, a leaf outliving its CA, and
 * the hosts that look like IP addresses; and the same policy through the
 * two entry points of issue.c, on both paths of pki_leaf_issue().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509.h>

#include "pki.h"
#include "internal.h"
#include "fastleaf.h"
#include "tap.h"
#include "certs.h"

#define MIN	(60 * PKI_NS_PER_SEC)
#define H	PKI_NS_PER_HOUR

static void
policy(struct pki_parse_opts *po, int strict, int allow)
{
	memset(po, 0, sizeof(*po));
	po->strict = strict;
	po->allow_invalid_issuer = allow;
	po->warn = tap_collect;
	tap_warnings[0] = '\0';
}

static void
test_backdate(void)
{
	static const struct {
		int64_t	expiry, backdate, want;
		int	cut;
	} t[] = {
		{ 8760 * H, 0, 5 * MIN, 0 },
		{ 50 * MIN, 0, 5 * MIN, 0 },	/* exactly 10 times */
		{ 49 * MIN, 0, 294 * PKI_NS_PER_SEC, 1 },
		{ 10 * MIN, 0, 1 * MIN, 1 },
		{ 90 * PKI_NS_PER_SEC, 0, 9 * PKI_NS_PER_SEC, 1 },
		{ 1 * H, 2 * H, 6 * MIN, 1 },	/* a configured backdate */
		{ 1 * H, 1 * MIN, 1 * MIN, 0 },
		{ 0, 0, 5 * MIN, 0 },
	};
	size_t	i;
	int64_t	bd;
	int	cut;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		bd = t[i].backdate;
		cut = pki_policy_backdate(t[i].expiry, &bd);
		is_int(bd, t[i].want, "backdate for expiry %lld ns, %lld ns",
		    (long long)t[i].expiry, (long long)t[i].backdate);
		is_int(cut, t[i].cut, "cut for expiry %lld ns",
		    (long long)t[i].expiry);
	}
}

static void
test_hosts(void)
{
	static const char *const yes[] = {
		"999.1.1.1", "1.2.3", "010.0.0.1", "1.2.3.4.", " 1.2.3.4",
		"1.2.3.4 ", "[::1]", "[::1]:2379", "1.2.3.4:2379", "10.0.0.0/8",
		"1:2:3:4:5:6:7:8:9", "256.256.256.256", "fe80::1%eth0", NULL
	};
	static const char *const no[] = {
		"1.2.3.4", "::1", "2001:db8::17", "::ffff:1.2.3.4", "etcd1",
		"example.com", "12345", "a.1.2.3", "cafe", "", "*.example.net",
		"ops@example.net", "https://1.2.3.4/", NULL
	};
	size_t	i;

	for (i = 0; yes[i] != NULL; i++)
		is_int(pki_policy_host_looks_ip(yes[i]), 1,
		    "\"%s\" looks like an IP address", yes[i]);
	for (i = 0; no[i] != NULL; i++)
		is_int(pki_policy_host_looks_ip(no[i]), 0,
		    "\"%s\" does not look like one (or is one)", no[i]);
}

/* A profile from config JSON (source "c.json"), borrowed from *cfg. */
static const struct pki_profile *
profile(const char *json, const char *name, struct pki_config **cfg)
{
	const struct pki_profile	*p = NULL;
	struct pki_error		 e;

	*cfg = NULL;
	memset(&e, 0, sizeof(e));
	if (pki_config_parse(json, strlen(json), "c.json", NULL, cfg, &e) !=
	    0 || pki_config_profile(*cfg, name, &p, &e) != 0)
		diag("config: %s", e.text);
	return p;
}

/*
 * Signs a leaf for json under p with ca; NULL and *r set on failure.  Its
 * key goes to *keyp when keyp is not NULL.
 */
static struct pki_cert *
leafk(const char *json, const struct pki_profile *p,
    const struct pki_cert *ca, const struct pki_key *cakey, time_t now,
    const struct pki_parse_opts *po, int *r, struct pki_error *e,
    struct pki_key **keyp)
{
	struct pki_csr		*csr = test_csr(json);
	struct pki_key		*key = NULL;
	struct pki_req		*req = NULL;
	struct pki_cert		*cert = NULL;
	struct pki_sign_request	 sr;

	memset(e, 0, sizeof(*e));
	memset(&sr, 0, sizeof(sr));
	*r = PKI_ERR_INTERNAL;
	if (csr == NULL || pki_key_generate(csr, &key, e) != 0 ||
	    pki_req_new(csr, key, &req, e) != 0)
		goto out;
	sr.req = req;
	sr.profile = p;
	sr.now_sec = now;
	sr.opts = po;
	*r = pki_cert_sign(&sr, ca, cakey, &cert, e);
 out:
	pki_req_free(req);
	if (keyp != NULL)
		*keyp = key;
	else
		pki_key_free(key);
	pki_csr_free(csr);
	return cert;
}

#define leaf(j, p, ca, k, now, po, r, e) \
	leafk(j, p, ca, k, now, po, r, e, NULL)

/* notBefore and notAfter of cert as seconds. */
static void
validity(const struct pki_cert *cert, time_t *nb, time_t *na)
{
	struct tm	tm;

	memset(&tm, 0, sizeof(tm));
	*nb = *na = 0;
	if (ASN1_TIME_to_tm(X509_get0_notBefore(cert->x509), &tm) == 1)
		*nb = timegm(&tm);
	memset(&tm, 0, sizeof(tm));
	if (ASN1_TIME_to_tm(X509_get0_notAfter(cert->x509), &tm) == 1)
		*na = timegm(&tm);
}

static const char cfgjson[] =
    "{\"signing\":{\"default\":{\"expiry\":\"8760h\",\"usages\":[\"signing\","
    "\"key encipherment\",\"server auth\"]},\"profiles\":{"
    "\"short\":{\"expiry\":\"10m\",\"usages\":[\"signing\"]},"
    "\"tiny\":{\"expiry\":\"90s\",\"usages\":[\"signing\"]},"
    "\"long\":{\"expiry\":\"876000h\",\"usages\":[\"signing\"]},"
    "\"old\":{\"expiry\":\"1h\",\"not_after\":\"2020-01-01T00:00:00Z\","
    "\"usages\":[\"signing\"]},"
    "\"future\":{\"expiry\":\"1h\",\"not_before\":\"2099-01-01T00:00:00Z\","
    "\"not_after\":\"2099-02-01T00:00:00Z\",\"usages\":[\"signing\"]}}}}";

static void
test_issuers(void)
{
	struct pki_parse_opts		 po;
	struct pki_config		*cfg = NULL;
	const struct pki_profile	*def;
	struct pki_cert			*ca, *old = NULL, *young = NULL;
	struct pki_cert			*lf = NULL, *c;
	struct pki_key			*cakey = NULL, *oldkey = NULL;
	struct pki_key			*youngkey = NULL, *lfkey = NULL;
	struct pki_error		 e;
	time_t				 now = time(NULL);
	int				 r;

	ca = test_ca("{\"CN\":\"Policy CA\"}", 0, &cakey);
	/* Valid for an hour, two days ago; and from tomorrow on. */
	old = test_ca("{\"CN\":\"Old CA\",\"ca\":{\"expiry\":\"1h\"}}",
	    now - 48 * 3600, &oldkey);
	young = test_ca("{\"CN\":\"Young CA\"}", now + 24 * 3600, &youngkey);
	def = profile(cfgjson, NULL, &cfg);
	if (ca == NULL || old == NULL || young == NULL || def == NULL) {
		ok(0, "test CAs and profile");
		goto out;
	}
	policy(&po, 0, 0);
	c = leaf("{\"CN\":\"x\"}", def, old, oldkey, now, &po, &r, &e);
	is_int(r, PKI_ERR_POLICY, "expired CA: refused");
	ok(c == NULL, "expired CA: no certificate");
	ok(strncmp(e.text, "issuer: the CA certificate expired on ", 38) == 0 && strstr(e.text, ": what it signs does not verify "
	    "(-allow-invalid-issuer signs anyway)") != NULL,
	    "expired CA: the message says when and what to do: %s", e.text);
	policy(&po, 1, 1);
	c = leaf("{\"CN\":\"x\"}", def, old, oldkey, now, &po, &r, &e);
	is_int(r, 0, "expired CA, allowed (and -strict): signed");
	if (!ok(strstr(tap_warnings,
	    ": signing anyway (-allow-invalid-issuer)\n") != NULL &&
	    strchr(tap_warnings, '\n') == strrchr(tap_warnings, '\n'),
	    "expired CA, allowed: one warning"))
		diag("%s", tap_warnings);
	pki_cert_free(c);

	policy(&po, 0, 0);
	c = leaf("{\"CN\":\"x\"}", def, young, youngkey, now, &po, &r, &e);
	is_int(r, PKI_ERR_POLICY, "CA not yet valid: refused");
	ok(strstr(e.text, "the CA certificate is not valid before ") !=
	    NULL, "CA not yet valid: %s", e.text);
	pki_cert_free(c);

	/* A leaf as issuer: CA:FALSE. */
	lf = leafk("{\"CN\":\"leaf\"}", def, ca, cakey, now, NULL, &r, &e,
	    &lfkey);
	if (!ok(lf != NULL, "a leaf to sign with")) {
		diag("%s", e.text);
		goto out;
	}
	c = leaf("{\"CN\":\"x\"}", def, lf, lfkey, now, &po, &r, &e);
	is_int(r, PKI_ERR_POLICY, "CA:FALSE issuer: refused");
	ok(strstr(e.text, "not a CA certificate (basicConstraints "
	    "CA:FALSE)") != NULL, "CA:FALSE issuer: %s", e.text);
	pki_cert_free(c);
	/* NULL policy: refused too (renewals, library callers). */
	c = leaf("{\"CN\":\"x\"}", def, old, oldkey, now, NULL, &r, &e);
	is_int(r, PKI_ERR_POLICY, "NULL policy: an expired CA is refused");
	pki_cert_free(c);
	is_int(pki_policy_issue(NULL, NULL, ca, now, 0, 0, &e), 0,
	    "a good CA passes");
 out:
	pki_cert_free(lf);
	pki_key_free(lfkey);
	pki_cert_free(ca);
	pki_cert_free(old);
	pki_cert_free(young);
	pki_key_free(cakey);
	pki_key_free(oldkey);
	pki_key_free(youngkey);
	pki_config_free(cfg);
}

static void
test_validity(void)
{
	struct pki_parse_opts		 po;
	struct pki_config		*cfg = NULL;
	const struct pki_profile	*p;
	struct pki_cert			*ca, *c;
	struct pki_key			*cakey = NULL;
	struct pki_error		 e;
	time_t				 now = time(NULL), nb, na;
	int				 r;

	ca = test_ca("{\"CN\":\"Validity CA\"}", 0, &cakey);
	if (ca == NULL) {
		ok(0, "test CA");
		return;
	}
	/* 10m: the backdate is cut to 1m, now is not rounded. */
	p = profile(cfgjson, "short", &cfg);
	policy(&po, 0, 0);
	if ((c = leaf("{\"CN\":\"x\"}", p, ca, cakey, now, &po, &r, &e)) !=
	    NULL) {
		validity(c, &nb, &na);
		is_int(nb, now - 60, "expiry 10m: notBefore is now - 1m");
		is_int(na, now + 540, "expiry 10m: notAfter is now + 9m");
	} else
		ok(0, "expiry 10m: %s", e.text);
	pki_cert_free(c);
	is_str(tap_warnings, "c.json: signing.profiles.short.expiry: 10m0s is "
	    "less than 10 times the backdate (5m0s): the backdate is cut to "
	    "1m0s (cfssl's certificate would start 50% used)\n",
	    "expiry 10m: the warning names file, path and numbers");
	pki_config_free(cfg);

	p = profile(cfgjson, "tiny", &cfg);
	policy(&po, 0, 0);
	if ((c = leaf("{\"CN\":\"x\"}", p, ca, cakey, now, &po, &r, &e)) !=
	    NULL) {
		validity(c, &nb, &na);
		ok(nb <= now && na > now, "expiry 90s: valid now");
		is_int(na - nb, 90, "expiry 90s: 90 s long");
	} else
		ok(0, "expiry 90s: %s", e.text);
	pki_cert_free(c);
	if (!ok(strstr(tap_warnings, "(cfssl's certificate would be expired "
	    "when issued)\n") != NULL, "expiry 90s: would be expired"))
		diag("%s", tap_warnings);
	policy(&po, 1, 0);
	c = leaf("{\"CN\":\"x\"}", p, ca, cakey, now, &po, &r, &e);
	is_int(r, PKI_ERR_POLICY, "expiry 90s, -strict: refused");
	ok(c == NULL, "expiry 90s, -strict: no certificate");
	pki_config_free(cfg);

	/* The 5-minute backdate and minute rounding are cfssl's otherwise. */
	p = profile(cfgjson, NULL, &cfg);
	policy(&po, 1, 0);
	if ((c = leaf("{\"CN\":\"x\"}", p, ca, cakey, now, &po, &r, &e)) !=
	    NULL) {
		validity(c, &nb, &na);
		is_int(nb % 60, 0, "8760h: notBefore on a minute");
		ok(now - nb >= 270 && now - nb <= 330,
		    "8760h: about 5 minutes back (%lld s)",
		    (long long)(now - nb));
	} else
		ok(0, "8760h: %s", e.text);
	pki_cert_free(c);
	is_str(tap_warnings, "", "8760h: no warning");
	pki_config_free(cfg);

	p = profile(cfgjson, "old", &cfg);
	policy(&po, 0, 0);
	c = leaf("{\"CN\":\"x\"}", p, ca, cakey, now, &po, &r, &e);
	is_int(r, 0, "not_after in the past: signed, as cfssl does");
	is_str(tap_warnings, "c.json: signing.profiles.old: the certificate is "
	    "expired when issued (notAfter 2020-01-01T00:00:00Z)\n",
	    "not_after in the past: warning");
	pki_cert_free(c);
	policy(&po, 1, 0);
	c = leaf("{\"CN\":\"x\"}", p, ca, cakey, now, &po, &r, &e);
	is_int(r, PKI_ERR_POLICY, "not_after in the past, -strict: refused");
	pki_config_free(cfg);

	p = profile(cfgjson, "future", &cfg);
	policy(&po, 0, 0);
	c = leaf("{\"CN\":\"x\"}", p, ca, cakey, now, &po, &r, &e);
	is_int(r, 0, "not_before in the future: signed");
	if (!ok(strstr(tap_warnings, "c.json: signing.profiles.future: the "
	    "certificate is not valid yet when issued (notBefore "
	    "2099-01-01T00:00:00Z)\n") != NULL, "not_before in the future"))
		diag("%s", tap_warnings);
	ok(strstr(tap_warnings, "outlives its CA") != NULL,
	    "2099 outlives the CA too");
	pki_cert_free(c);
	pki_config_free(cfg);

	p = profile(cfgjson, "long", &cfg);
	policy(&po, 0, 0);
	c = leaf("{\"CN\":\"x\"}", p, ca, cakey, now, &po, &r, &e);
	is_int(r, 0, "a leaf outliving its CA: signed");
	if (!ok(strncmp(tap_warnings,
	    "issuer: the new certificate (valid until ", 41) == 0 &&
	    strstr(tap_warnings, ") outlives its CA (valid until ") != NULL,
	    "a leaf outliving its CA: warning"))
		diag("%s", tap_warnings);
	pki_cert_free(c);
	policy(&po, 1, 0);
	c = leaf("{\"CN\":\"x\"}", p, ca, cakey, now, &po, &r, &e);
	is_int(r, PKI_ERR_POLICY, "outliving, -strict: refused");
	pki_config_free(cfg);

	pki_cert_free(ca);
	pki_key_free(cakey);
}

/*
 * Issues a leaf of {"CN":"x"} under p by ca through pki_leaf_issue(), on
 * the direct path or, with general, the general one (a CRL override
 * takes it there); *r is the result.  Returns 1 if the path was the one
 * asked for.
 */
static int
issue(const struct pki_profile *p, const struct pki_cert *ca,
    const struct pki_key *cakey, int general, int64_t expiry,
    time_t not_before, const struct pki_parse_opts *po, int *r,
    struct pki_error *e)
{
	struct pki_leaf_request	 lr;
	struct pki_issued	 out;
	struct pki_csr		*csr = test_csr("{\"CN\":\"x\",\"key\":"
				    "{\"algo\":\"ecdsa\",\"size\":256}}");
	int			 path_ok;

	memset(e, 0, sizeof(*e));
	memset(&lr, 0, sizeof(lr));
	memset(&out, 0, sizeof(out));
	lr.csr = csr;
	lr.profile = p;
	lr.ca = ca;
	lr.cakey = cakey;
	lr.key_format = PKI_KEY_FMT_CFSSL;
	lr.crl_override = general ? "http://crl.example/x.crl" : NULL;
	lr.expiry = expiry;
	lr.has_not_before = not_before != 0;
	lr.not_before = not_before;
	lr.policy = po;
	path_ok = csr != NULL && pki_leaf_fast_ok(&lr) == !general;
	*r = csr != NULL ? pki_leaf_issue(&lr, &out, e) : PKI_ERR_INTERNAL;
	pki_issued_clear(&out);
	pki_csr_free(csr);
	return path_ok;
}

static void
test_entry_points(void)
{
	static const char	*const path[] = { "direct", "general" };
	struct pki_parse_opts	 po;
	struct pki_config	*cfg = NULL, *cfgs = NULL;
	const struct pki_profile *def, *shortp;
	struct pki_ca_request	 cr;
	struct pki_issued	 out;
	struct pki_cert		*ca, *old;
	struct pki_key		*cakey = NULL, *oldkey = NULL;
	struct pki_csr		*csr;
	struct pki_error	 e;
	time_t			 now = time(NULL);
	int			 g, r;

	ca = test_ca("{\"CN\":\"Entry CA\"}", 0, &cakey);
	old = test_ca("{\"CN\":\"Old CA\",\"ca\":{\"expiry\":\"1h\"}}",
	    now - 48 * 3600, &oldkey);
	def = profile(cfgjson, NULL, &cfg);
	shortp = profile(cfgjson, "short", &cfgs);
	if (ca == NULL || old == NULL || def == NULL || shortp == NULL) {
		ok(0, "test CAs and profiles");
		goto out;
	}
	for (g = 0; g < 2; g++) {
		policy(&po, 0, 0);
		ok(issue(def, old, oldkey, g, 0, 0, &po, &r, &e),
		    "pki_leaf_issue, %s path: taken", path[g]);
		is_int(r, PKI_ERR_POLICY, "pki_leaf_issue, %s path: an expired "
		    "CA is refused", path[g]);
		ok(strstr(e.text, "the CA certificate expired on ") != NULL,
		    "...%s", e.text);
		policy(&po, 0, 1);
		(void)issue(def, old, oldkey, g, 0, 0, &po, &r, &e);
		is_int(r, 0, "pki_leaf_issue, %s path: -allow-invalid-issuer "
		    "signs", path[g]);
		ok(strstr(tap_warnings, "signing anyway") != NULL &&
		    strchr(tap_warnings, '\n') == strrchr(tap_warnings, '\n'),
		    "...with one warning");
		policy(&po, 0, 0);
		(void)issue(shortp, ca, cakey, g, 0, 0, &po, &r, &e);
		is_str(tap_warnings, "c.json: signing.profiles.short.expiry: "
		    "10m0s is less than 10 times the backdate (5m0s): the "
		    "backdate is cut to 1m0s (cfssl's certificate would start "
		    "50% used)\n", "pki_leaf_issue, %s path: the profile's "
		    "short expiry is warned", path[g]);
		policy(&po, 1, 0);
		(void)issue(shortp, ca, cakey, g, 0, 0, &po, &r, &e);
		is_int(r, PKI_ERR_POLICY, "...and refused with -strict");
	}
	/* A validity the request replaces (cluster issue's flags). */
	policy(&po, 0, 0);
	(void)issue(def, ca, cakey, 0, 10 * MIN, 0, &po, &r, &e);
	is_int(r, 0, "-expiry 10m: signed");
	is_str(tap_warnings, "-expiry: 10m0s is less than 10 times the "
	    "backdate (5m0s): the backdate is cut to 1m0s (with the full "
	    "backdate the certificate would start 50% used)\n",
	    "-expiry 10m: the flag is named, not the profile");
	policy(&po, 1, 0);
	(void)issue(def, ca, cakey, 0, 24 * H, now - 48 * 3600, &po, &r, &e);
	is_int(r, 0, "-not-before -48h -expiry 24h, -strict: signed, "
	    "expired as asked");
	is_str(tap_warnings, "", "...without a warning");
	(void)issue(def, ca, cakey, 1, 10 * MIN, 0, &po, &r, &e);
	is_int(r, PKI_ERR_UNSUPPORTED, "-expiry on the general path: "
	    "unsupported, as before");

	/* pki_ca_issue: ca.expiry, and the -expiry that replaces it. */
	csr = test_csr("{\"CN\":\"Short CA\",\"ca\":{\"expiry\":\"5m\"}}");
	memset(&cr, 0, sizeof(cr));
	memset(&out, 0, sizeof(out));
	cr.csr = csr;
	cr.policy = &po;
	policy(&po, 0, 0);
	is_int(csr != NULL ? pki_ca_issue(&cr, &out, &e) : -1, 0,
	    "pki_ca_issue, ca.expiry 5m: signed");
	pki_issued_clear(&out);
	is_str(tap_warnings, "t: ca.expiry: 5m0s is less than 10 times the "
	    "backdate (5m0s): the backdate is cut to 30s (cfssl's "
	    "certificate would be expired when issued)\n",
	    "pki_ca_issue: the CSR JSON's ca.expiry is named");
	cr.expiry = 20 * MIN;
	policy(&po, 0, 0);
	is_int(csr != NULL ? pki_ca_issue(&cr, &out, &e) : -1, 0,
	    "pki_ca_issue, -expiry 20m: signed");
	pki_issued_clear(&out);
	is_str(tap_warnings, "-expiry: 20m0s is less than 10 times the "
	    "backdate (5m0s): the backdate is cut to 2m0s (with the full "
	    "backdate the certificate would start 25% used)\n",
	    "pki_ca_issue: an -expiry that replaces ca.expiry is named");
	policy(&po, 1, 0);
	is_int(csr != NULL ? pki_ca_issue(&cr, &out, &e) : -1, PKI_ERR_POLICY,
	    "pki_ca_issue, -expiry 20m, -strict: refused");
	pki_issued_clear(&out);
	pki_csr_free(csr);
 out:
	pki_cert_free(ca);
	pki_cert_free(old);
	pki_key_free(cakey);
	pki_key_free(oldkey);
	pki_config_free(cfg);
	pki_config_free(cfgs);
}

int
main(void)
{
	test_backdate();
	test_hosts();
	test_issuers();
	test_validity();
	test_entry_points();
	return done_testing();
}
