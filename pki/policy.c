/*
 * policy.c: the strictness policy of etcd-pki(1) COMPATIBILITY for what
 * gets signed.  cfssl signs with an expired CA, with a certificate that is
 * no CA at all, issues certificates that are expired, not yet valid or
 * mostly used when they are made, and leaves that outlive their CA.  Here
 * the first two are refused unless the caller allows them (test
 * fixtures), an expiry too short for the backdate cuts the backdate, and
 * the rest are reported through the warning sink of struct
 * pki_parse_opts, which -strict turns into errors.  The hosts that look
 * like IP addresses are told apart here too, and so are the public keys
 * that get no certificate (pki_policy_pubkey: a request's, an issuer's).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "internal.h"

/* cfssl's backdate when none is configured (signer.FillTemplate). */
#define DEFAULT_BACKDATE	(5 * PKI_NS_PER_MIN)
/* The backdate may use at most a tenth of the validity. */
#define BACKDATE_SHARE		10
/* Room for "file: signing.profiles.NAME". */
#define WHERE_MAX		512

int
pki_policy_backdate(int64_t expiry, int64_t *backdate)
{
	if (*backdate <= 0)
		*backdate = DEFAULT_BACKDATE;
	if (expiry <= 0 || *backdate <= expiry / BACKDATE_SHARE)
		return 0;
	*backdate = expiry / BACKDATE_SHARE;
	return 1;
}

/*
 * Reports text (printf-style) for source: through the warning sink, or as
 * an error with code when strict.  Returns 0 after a warning.
 */
static int policy_report(const struct pki_parse_opts *, int, int,
    struct pki_error *, const char *, ...)
    __attribute__((format(printf, 5, 6)));

static int
policy_report(const struct pki_parse_opts *po, int strict, int code,
    struct pki_error *err, const char *fmt, ...)
{
	char	text[sizeof(((struct pki_error *)0)->text)];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	pki_text_oneline(text, sizeof(text));
	if (strict)
		return pki_err(err, code, "%s", text);
	if (po != NULL && po->warn != NULL)
		po->warn(po->warn_arg, text);
	return PKI_OK;
}

int
pki_policy_expiry(const struct pki_parse_opts *po, const char *what,
    int64_t expiry, int64_t backdate, struct pki_error *err)
{
	char	e[32], b[32], c[32], how[64];
	int64_t	bd = backdate;

	if (!pki_policy_backdate(expiry, &bd))
		return PKI_OK;
	if (backdate <= 0)
		backdate = DEFAULT_BACKDATE;
	pki_duration_format(expiry, e, sizeof(e));
	pki_duration_format(backdate, b, sizeof(b));
	pki_duration_format(bd, c, sizeof(c));
	if (backdate >= expiry)
		snprintf(how, sizeof(how), "be expired when issued");
	else
		snprintf(how, sizeof(how), "start %d%% used",
		    (int)(backdate * 100 / expiry));
	pki_err_source(err, what);
	/* A flag is etcd-pki's own: no cfssl certificate to compare with. */
	return policy_report(po, po != NULL && po->strict, PKI_ERR_POLICY,
	    err, "%s: %s is less than %d times the backdate (%s): the "
	    "backdate is cut to %s (%s would %s)", what, e, BACKDATE_SHARE, b,
	    c, *what == '-' ? "with the full backdate the certificate" :
	    "cfssl's certificate", how);
}

const char *
pki_policy_pubkey(const EVP_PKEY *pk, char *buf, size_t len)
{
	char		 group[80];
	const char	*tn;
	int		 bits;

	if (EVP_PKEY_is_a(pk, "ED25519"))
		return NULL;
	if (EVP_PKEY_is_a(pk, "RSA")) {
		bits = EVP_PKEY_get_bits(pk);
		if (bits >= PKI_RSA_MIN && bits <= PKI_RSA_MAX)
			return NULL;
		/* Go refuses larger ones in TLS since CVE-2023-29409. */
		snprintf(buf, len, "RSA key of %d bits, %s than %d: %s", bits,
		    bits < PKI_RSA_MIN ? "fewer" : "more",
		    bits < PKI_RSA_MIN ? PKI_RSA_MIN : PKI_RSA_MAX,
		    bits < PKI_RSA_MIN ? "it can be factored" :
		    "Go's TLS (etcd) refuses it");
		return buf;
	}
	if (EVP_PKEY_is_a(pk, "EC")) {
		if (pki_pkey_explicit(pk)) {
			snprintf(buf, len, "EC key with explicit curve "
			    "parameters (RFC 5480 allows a named curve only; "
			    "Go cannot parse it)");
			return buf;
		}
		if (pki_pkey_curve(pk, group, sizeof(group)) != 0)
			return NULL;
		snprintf(buf, len, "EC key on curve %s (Go's TLS takes P-256, "
		    "P-384 and P-521 only)", group[0] != '\0' ? group :
		    "(unknown)");
		return buf;
	}
	tn = EVP_PKEY_get0_type_name(pk);
	snprintf(buf, len, "unsupported key type %s (RSA, EC and Ed25519 "
	    "are)", tn != NULL ? tn : "(unknown)");
	return buf;
}

/*
 * Why ca cannot issue certificates that verify, or NULL: the problem in
 * buf (expired, not yet valid, no CA, a key Go cannot parse).
 */
static const char *
issuer_problem(const struct pki_cert *ca, time_t now, char *buf, size_t len)
{
	X509		*x = ca->x509;
	BASIC_CONSTRAINTS *bc;
	EVP_PKEY	*pk;
	uint32_t	 ku;
	time_t		 t;
	const char	*why;
	char		 ts[32], kb[128];
	int		 crit = -1, ss;

	if (pki_asn1_time(X509_get0_notAfter(x), &t) == 0 && t < now) {
		pki_time_format((int64_t)t, ts, sizeof(ts));
		snprintf(buf, len, "the CA certificate expired on %s", ts);
		return buf;
	}
	if (pki_asn1_time(X509_get0_notBefore(x), &t) == 0 && t > now) {
		pki_time_format((int64_t)t, ts, sizeof(ts));
		snprintf(buf, len, "the CA certificate is not valid before %s",
		    ts);
		return buf;
	}
	bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL);
	if (bc == NULL && crit != -1) {
		snprintf(buf, len, "the CA certificate's basicConstraints "
		    "cannot be decoded");
		ERR_clear_error();
		return buf;
	}
	if (bc != NULL && !bc->ca) {
		BASIC_CONSTRAINTS_free(bc);
		snprintf(buf, len, "not a CA certificate (basicConstraints "
		    "CA:FALSE)");
		return buf;
	}
	/*
	 * No basicConstraints: OpenSSL and Go accept a self-signed version 1
	 * certificate as a root, nothing accepts another as an issuer.
	 */
	ss = (X509_get_extension_flags(x) & EXFLAG_SS) != 0;
	BASIC_CONSTRAINTS_free(bc);
	if (crit == -1 && !(ss && X509_get_version(x) == X509_VERSION_1)) {
		snprintf(buf, len, "not a CA certificate (no basicConstraints "
		    "extension)");
		return buf;
	}
	ku = X509_get_key_usage(x);
	if ((X509_get_extension_flags(x) & EXFLAG_KUSAGE) != 0 &&
	    (ku & KU_KEY_CERT_SIGN) == 0) {
		snprintf(buf, len, "the CA certificate's keyUsage lacks "
		    "keyCertSign");
		return buf;
	}
	/*
	 * Only an EC key: the CA key matches the certificate and was checked
	 * when loaded, but explicit parameters in the certificate match it.
	 */
	if ((pk = X509_get0_pubkey(x)) != NULL && EVP_PKEY_is_a(pk, "EC") &&
	    (why = pki_policy_pubkey(pk, kb, sizeof(kb))) != NULL) {
		snprintf(buf, len, "the CA certificate's key: %s", why);
		return buf;
	}
	ERR_clear_error();
	return NULL;
}

int
pki_policy_issue(const struct pki_parse_opts *po,
    const struct pki_profile *p, const struct pki_cert *ca, time_t now,
    time_t not_before, time_t not_after, struct pki_error *err)
{
	const char	*src = "issuer", *why = NULL;
	char		 buf[160], where[WHERE_MAX], label[WHERE_MAX + 8];
	char		 a[32], b[32];
	time_t		 cana;
	int		 strict = po != NULL && po->strict, r;

	if (now == 0)
		now = time(NULL);
	if (ca != NULL && ca->source != NULL)
		src = ca->source;
	if (ca != NULL && (why = issuer_problem(ca, now, buf, sizeof(buf))) !=
	    NULL) {
		pki_err_source(err, src);
		/* An explicit allowance is not undone by -strict. */
		if (po == NULL || !po->allow_invalid_issuer)
			return pki_err(err, PKI_ERR_POLICY, "%s: %s: what it "
			    "signs does not verify%s", src, why,
			    po != NULL && po->no_allowance_flag ? "" :
			    " (-allow-invalid-issuer signs anyway)");
		if ((r = policy_report(po, 0, PKI_ERR_POLICY, err, "%s: %s: "
		    "signing anyway (-allow-invalid-issuer)", src, why)) != 0)
			return r;
	}
	if (p != NULL) {
		if (p->where != NULL)
			snprintf(where, sizeof(where), "%s", p->where);
		else
			snprintf(where, sizeof(where), "profile \"%s\"",
			    p->name != NULL ? p->name : "default");
		if (p->expiry_where != NULL)
			snprintf(label, sizeof(label), "%s", p->expiry_where);
		else
			snprintf(label, sizeof(label), "%s.expiry", where);
		if (!p->has_not_before && !p->has_not_after &&
		    (r = pki_policy_expiry(po, label, p->expiry, p->backdate,
		    err)) != 0)
			return r;
		pki_err_source(err, where);
		if (not_after < now) {
			pki_time_format((int64_t)not_after, a, sizeof(a));
			if ((r = policy_report(po, strict, PKI_ERR_POLICY, err,
			    "%s: the certificate is expired when issued "
			    "(notAfter %s)", where, a)) != 0)
				return r;
		}
		if (not_before > now) {
			pki_time_format((int64_t)not_before, a, sizeof(a));
			if ((r = policy_report(po, strict, PKI_ERR_POLICY, err,
			    "%s: the certificate is not valid yet when issued "
			    "(notBefore %s)", where, a)) != 0)
				return r;
		}
	}
	/* An allowed invalid issuer is known to be outlived. */
	if (ca != NULL && why == NULL &&
	    pki_asn1_time(X509_get0_notAfter(ca->x509), &cana) == 0 &&
	    not_after > cana) {
		pki_time_format((int64_t)not_after, a, sizeof(a));
		pki_time_format((int64_t)cana, b, sizeof(b));
		pki_err_source(err, src);
		return policy_report(po, strict, PKI_ERR_POLICY, err, "%s: the "
		    "new certificate (valid until %s) outlives its CA (valid "
		    "until %s): it stops verifying when the CA expires", src,
		    a, b);
	}
	return PKI_OK;
}

/* Returns 1 if s (n bytes) is made only of characters of set. */
static int
only(const char *s, size_t n, const char *set)
{
	return n > 0 && strspn(s, set) >= n;
}

/* Returns 1 if the n bytes of s are an IP address to cfssl. */
static int
is_ip(const char *s, size_t n)
{
	unsigned char	*v = NULL;
	size_t		 vlen;
	char		*t;
	int		 k;

	if ((t = strndup(s, n)) == NULL)
		return 0;
	k = pki_host_classify(t, &v, &vlen, NULL);
	free(v);
	free(t);
	return k == PKI_HOST_IP;
}

int
pki_policy_host_looks_ip(const char *host)
{
	const char	*s = host, *e, *c;
	size_t		 n = strlen(host);

	if (is_ip(host, n))
		return 0;
	/* 999.1.1.1, 1.2.3, 010.0.0.1: digits and dots. */
	if (only(host, n, "0123456789.") && strchr(host, '.') != NULL)
		return 1;
	/* 1:2:3:4:5:6:7:8:9, fe80::1%eth0 cut short: hex and colons. */
	if (only(host, n, "0123456789abcdefABCDEF:.") &&
	    (c = strchr(host, ':')) != NULL && strchr(c + 1, ':') != NULL)
		return 1;
	/* An IP in spaces or brackets, or with a port or a prefix length. */
	while (n > 0 && (*s == ' ' || *s == '\t' || *s == '[')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == ']'))
		n--;
	if (n > 0 && is_ip(s, n))
		return 1;
	if ((e = memchr(s, '/', n)) != NULL && is_ip(s, (size_t)(e - s)))
		return 1;
	if ((e = memchr(s, '%', n)) != NULL && is_ip(s, (size_t)(e - s)))
		return 1;
	if ((e = memchr(s, ':', n)) != NULL && memchr(e + 1, ':',
	    n - (size_t)(e - s) - 1) == NULL && is_ip(s, (size_t)(e - s)))
		return 1;
	if ((e = strstr(s, "]:")) != NULL && (size_t)(e - s) < n &&
	    is_ip(s, (size_t)(e - s)))
		return 1;
	return 0;
}
