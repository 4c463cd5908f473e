/*
 * csr.c: cfssl's CSR JSON (csr.CertificateRequest) and the SUBJECT file of
 * "cfssl sign" (signer.Subject) into struct pki_csr.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <jansson.h>

#include "internal.h"
#include "json.h"
#include "caps.h"

static const char *const csr_fields[] = {
	"CN", "names", "hosts", "key", "ca", "serialnumber",
	"delegation_enabled", "extensions", "crl_url", NULL
};
enum {
	F_CN, F_NAMES, F_HOSTS, F_KEY, F_CA, F_SERIAL, F_DELEG, F_EXTS, F_CRL,
	F__N
};

/* Keys people put in a CSR that belong elsewhere (cfssl #793, #1020). */
static const struct pki_json_hint csr_hints[] = {
	{ "expiry", " (a CSR has no expiry: use \"ca\": {\"expiry\": ...} "
	    "with -initca, or the profile's expiry in the signing config)" },
	{ "usages", " (usages belong in the signing config's profiles)" },
	{ "profile", " (profiles belong in the signing config)" },
	{ "pathlen", ", did you mean \"ca.pathlen\"?" },
	{ "pathlenzero", ", did you mean \"ca.pathlenzero\"?" },
	{ "backdate", ", did you mean \"ca.backdate\"?" },
	{ "algo", ", did you mean \"key.algo\"?" },
	{ "size", ", did you mean \"key.size\"?" },
	{ "is_ca", " (use a \"ca\" section with -initca, or "
	    "ca_constraint.is_ca in the signing config)" },
	{ NULL, NULL }
};

/* signer.Subject: the SUBJECT file of "sign". */
static const char *const subject_fields[] = {
	"CN", "names", "SerialNumber", NULL
};
enum { S_CN, S_NAMES, S_SERIAL, S__N };

static const char *const name_fields[] = {
	"C", "ST", "L", "O", "OU", "E", "SerialNumber", "OID", NULL
};
enum { N_C, N_ST, N_L, N_O, N_OU, N_E, N_SERIAL, N_OID, N__N };

static const char *const key_fields[] = { "algo", "size", NULL };
enum { K_ALGO, K_SIZE, K__N };

static const char *const ca_fields[] = {
	"pathlen", "pathlenzero", "expiry", "backdate", NULL
};
enum { C_PATHLEN, C_PATHLENZERO, C_EXPIRY, C_BACKDATE, C__N };

/* Go's pkix.Extension has no JSON tags: field names as written. */
static const char *const ext_fields[] = { "Id", "Critical", "Value", NULL };
enum { E_ID, E_CRITICAL, E_VALUE, E__N };

#define RSA_MIN	PKI_RSA_MIN
#define RSA_MAX	PKI_RSA_MAX

/*
 * Upper bounds, in characters, of the subject attributes (RFC 5280
 * Appendix A.1 ub-*; emailAddress from PKCS #9).  Go and cfssl do not
 * enforce them, and OpenSSL, GnuTLS and Go verify certificates that
 * exceed them: the strictness policy warns (-strict refuses).
 */
#define UB_CN		64
#define UB_C		2
#define UB_ST		128
#define UB_L		128
#define UB_O		64
#define UB_OU		64
#define UB_SERIAL	64
#define UB_EMAIL	255
#define UB_OID_VALUE	1024

/*
 * Limits on hosts: entries, DNS names (RFC 1035 2.3.4), e-mail, URI.  A
 * longer one is kept, as cfssl keeps it, with a warning.
 */
#define MAX_HOSTS	1024
#define MAX_DNS		253
#define MAX_LABEL	63
#define MAX_MAILBOX	254
#define MAX_URI		2048

static void
nameent_clear(struct pki_nameent *n)
{
	size_t	i;

	free(n->c);
	free(n->st);
	free(n->l);
	free(n->o);
	free(n->ou);
	free(n->e);
	free(n->serialnumber);
	for (i = 0; i < n->noids; i++) {
		free(n->oids[i].oid);
		free(n->oids[i].value);
	}
	free(n->oids);
	memset(n, 0, sizeof(*n));
}

void
pki_csr_free(struct pki_csr *csr)
{
	size_t	i;

	if (csr == NULL)
		return;
	free(csr->source);
	free(csr->cn);
	for (i = 0; i < csr->nnames; i++)
		nameent_clear(&csr->names[i]);
	free(csr->names);
	pki_strv_clear(&csr->hosts);
	free(csr->key_algo);
	free(csr->serialnumber);
	for (i = 0; i < csr->nexts; i++) {
		free(csr->exts[i].oid);
		free(csr->exts[i].value);
	}
	free(csr->exts);
	free(csr->crl_url);
	free(csr);
}

/* Parses the "OID" map of one names[] entry (path "names[i].OID"). */
static int
parse_oids(struct pki_json_ctx *ctx, const char *path, const json_t *obj,
    struct pki_nameent *n)
{
	const char	*key;
	json_t		*v;
	size_t		 cnt;
	char		 kpath[PKI_JSON_PATH_MAX];
	int		 r;

	if ((r = pki_json_expect(ctx, path, obj, JSON_OBJECT)) != 0)
		return r;
	if ((cnt = json_object_size(obj)) == 0)
		return PKI_OK;
	if ((n->oids = calloc(cnt, sizeof(*n->oids))) == NULL)
		return pki_json_err(ctx, PKI_ERR_ALLOC, path, "out of memory");
	json_object_foreach((json_t *)(uintptr_t)obj, key, v) {
		pki_json_path_key(kpath, sizeof(kpath), path, key);
		if ((r = pki_json_check_oid(ctx, path, key)) != 0)
			return r;
		if ((r = pki_json_expect(ctx, kpath, v, JSON_STRING)) != 0)
			return r;
		if ((n->oids[n->noids].oid = strdup(key)) == NULL ||
		    (n->oids[n->noids].value =
		    strdup(json_string_value(v))) == NULL) {
			/* Count it so that the caller frees the half. */
			n->noids++;
			return pki_json_err(ctx, PKI_ERR_ALLOC, kpath,
			    "out of memory");
		}
		n->noids++;
	}
	return PKI_OK;
}

static int
parse_names(struct pki_json_ctx *ctx, const json_t *arr, struct pki_csr *csr)
{
	json_t		*e, *vals[N__N];
	size_t		 i, cnt;
	char		 epath[PKI_JSON_PATH_MAX], fpath[PKI_JSON_PATH_MAX];
	char		**dst[N_OID];
	struct pki_nameent *n;
	int		 r, f;

	if ((r = pki_json_expect(ctx, "names", arr, JSON_ARRAY)) != 0)
		return r;
	if ((cnt = json_array_size(arr)) == 0)
		return PKI_OK;
	if ((csr->names = calloc(cnt, sizeof(*csr->names))) == NULL)
		return pki_json_err(ctx, PKI_ERR_ALLOC, "names",
		    "out of memory");
	json_array_foreach(arr, i, e) {
		pki_json_path_index(epath, sizeof(epath), "names", i);
		n = &csr->names[csr->nnames++];
		if ((r = pki_json_fields(ctx, epath, e, name_fields,
		    vals)) != 0)
			return r;
		dst[N_C] = &n->c;
		dst[N_ST] = &n->st;
		dst[N_L] = &n->l;
		dst[N_O] = &n->o;
		dst[N_OU] = &n->ou;
		dst[N_E] = &n->e;
		dst[N_SERIAL] = &n->serialnumber;
		for (f = 0; f < N_OID; f++) {
			pki_json_path_key(fpath, sizeof(fpath), epath,
			    name_fields[f]);
			if ((r = pki_json_string(ctx, fpath, vals[f],
			    dst[f])) != 0)
				return r;
		}
		if (vals[N_OID] != NULL) {
			pki_json_path_key(fpath, sizeof(fpath), epath, "OID");
			if ((r = parse_oids(ctx, fpath, vals[N_OID], n)) != 0)
				return r;
		}
	}
	return PKI_OK;
}

static int
parse_key(struct pki_json_ctx *ctx, const json_t *obj, struct pki_csr *csr)
{
	json_t		*vals[K__N];
	long long	 size = 256;
	int		 r, has_size;

	if ((r = pki_json_fields(ctx, "key", obj, key_fields, vals)) != 0)
		return r;
	if ((r = pki_json_string(ctx, "key.algo", vals[K_ALGO],
	    &csr->key_algo)) != 0)
		return r;
	if ((r = pki_json_int(ctx, "key.size", vals[K_SIZE], 0, INT_MAX,
	    &size)) != 0)
		return r;
	has_size = vals[K_SIZE] != NULL;
	if (strcmp(csr->key_algo, "rsa") == 0) {
		if (!has_size)
			return pki_json_err(ctx, PKI_ERR_KEY, "key.size",
			    "rsa needs a size (%d..%d)", RSA_MIN, RSA_MAX);
		if (size < RSA_MIN)
			return pki_json_err(ctx, PKI_ERR_KEY, "key.size",
			    "%lld is too small for rsa (%d..%d)", size,
			    RSA_MIN, RSA_MAX);
		if (size > RSA_MAX)
			return pki_json_err(ctx, PKI_ERR_KEY, "key.size",
			    "%lld is too large for rsa (%d..%d)", size,
			    RSA_MIN, RSA_MAX);
	} else if (strcmp(csr->key_algo, "ecdsa") == 0) {
		if (size != 256 && size != 384 && size != 521)
			return pki_json_err(ctx, PKI_ERR_KEY, "key.size",
			    "%lld is not a valid ecdsa size (256, 384 or 521)",
			    size);
	} else if (strcmp(csr->key_algo, "ed25519") == 0) {
		/* cfssl ignores the size of an Ed25519 key. */
		size = 256;
	} else
		return pki_json_err(ctx, PKI_ERR_KEY, "key.algo",
		    "unknown algorithm \"%s\" (rsa, ecdsa, ed25519)",
		    csr->key_algo);
	csr->key_size = (int)size;
	return PKI_OK;
}

static int
parse_ca(struct pki_json_ctx *ctx, const json_t *obj, struct pki_csr *csr)
{
	json_t		*vals[C__N];
	long long	 pathlen = 0;
	int		 r;

	if ((r = pki_json_fields(ctx, "ca", obj, ca_fields, vals)) != 0)
		return r;
	csr->has_ca = 1;
	if ((r = pki_json_int(ctx, "ca.pathlen", vals[C_PATHLEN], 0, INT_MAX,
	    &pathlen)) != 0)
		return r;
	csr->ca_pathlen = (int)pathlen;
	if ((r = pki_json_bool(ctx, "ca.pathlenzero", vals[C_PATHLENZERO],
	    &csr->ca_pathlenzero)) != 0)
		return r;
	if ((r = pki_json_duration(ctx, "ca.expiry", vals[C_EXPIRY],
	    &csr->ca_expiry, &csr->has_ca_expiry)) != 0)
		return r;
	if (csr->has_ca_expiry && csr->ca_expiry <= 0)
		return pki_json_err(ctx, PKI_ERR_INPUT, "ca.expiry",
		    "must be positive (got \"%s\")",
		    json_string_value(vals[C_EXPIRY]));
	if ((r = pki_json_duration(ctx, "ca.backdate", vals[C_BACKDATE],
	    &csr->ca_backdate, &csr->has_ca_backdate)) != 0)
		return r;
	if (csr->has_ca_backdate && csr->ca_backdate < 0)
		return pki_json_err(ctx, PKI_ERR_INPUT, "ca.backdate",
		    "must not be negative (got \"%s\")",
		    json_string_value(vals[C_BACKDATE]));
	return PKI_OK;
}

/* Parses one element of "extensions" (Go's pkix.Extension as JSON). */
static int
parse_ext(struct pki_json_ctx *ctx, const char *path, const json_t *obj,
    struct pki_ext *ext)
{
	json_t		*vals[E__N], *arc;
	char		 fpath[PKI_JSON_PATH_MAX], apath[PKI_JSON_PATH_MAX];
	char		 oid[512];
	size_t		 i, n = 0;
	long long	 v;
	int		 r;

	if ((r = pki_json_fields(ctx, path, obj, ext_fields, vals)) != 0)
		return r;
	pki_json_path_key(fpath, sizeof(fpath), path, "Id");
	if (vals[E_ID] == NULL)
		return pki_json_err(ctx, PKI_ERR_INPUT, fpath, "missing");
	if ((r = pki_json_expect(ctx, fpath, vals[E_ID], JSON_ARRAY)) != 0)
		return r;
	oid[0] = '\0';
	json_array_foreach(vals[E_ID], i, arc) {
		pki_json_path_index(apath, sizeof(apath), fpath, i);
		if ((r = pki_json_int(ctx, apath, arc, 0, LLONG_MAX, &v)) != 0)
			return r;
		n += snprintf(oid + n, sizeof(oid) - n, "%s%lld",
		    i == 0 ? "" : ".", v);
		if (n >= sizeof(oid))
			return pki_json_err(ctx, PKI_ERR_INPUT, fpath,
			    "object identifier too long");
	}
	if ((r = pki_json_check_oid(ctx, fpath, oid)) != 0)
		return r;
	if ((ext->oid = strdup(oid)) == NULL)
		return pki_json_err(ctx, PKI_ERR_ALLOC, fpath, "out of memory");
	pki_json_path_key(fpath, sizeof(fpath), path, "Critical");
	if ((r = pki_json_bool(ctx, fpath, vals[E_CRITICAL],
	    &ext->critical)) != 0)
		return r;
	pki_json_path_key(fpath, sizeof(fpath), path, "Value");
	if (vals[E_VALUE] != NULL &&
	    (r = pki_json_expect(ctx, fpath, vals[E_VALUE], JSON_STRING)) != 0)
		return r;
	r = pki_b64_decode(vals[E_VALUE] == NULL ? "" :
	    json_string_value(vals[E_VALUE]), &ext->value, &ext->len);
	if (r == PKI_ERR_ALLOC)
		return pki_json_err(ctx, r, fpath, "out of memory");
	if (r != 0)
		return pki_json_err(ctx, r, fpath, "invalid base64 (expected "
		    "standard base64 with padding, e.g. \"BQA=\")");
	return PKI_OK;
}

static int
parse_exts(struct pki_json_ctx *ctx, const json_t *arr, struct pki_csr *csr)
{
	json_t	*e;
	size_t	 i, cnt;
	char	 epath[PKI_JSON_PATH_MAX];
	int	 r;

	if ((r = pki_json_expect(ctx, "extensions", arr, JSON_ARRAY)) != 0)
		return r;
	if ((cnt = json_array_size(arr)) == 0)
		return PKI_OK;
	if ((csr->exts = calloc(cnt, sizeof(*csr->exts))) == NULL)
		return pki_json_err(ctx, PKI_ERR_ALLOC, "extensions",
		    "out of memory");
	json_array_foreach(arr, i, e) {
		pki_json_path_index(epath, sizeof(epath), "extensions", i);
		if ((r = parse_ext(ctx, epath, e, &csr->exts[csr->nexts++]))
		    != 0)
			return r;
	}
	return PKI_OK;
}

/* The full CSR JSON. */
/* Number of UTF-8 characters in s (bytes that do not continue one). */
static size_t
utf8_chars(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/*
 * Checks one subject attribute value against its upper bound (a country
 * has exactly UB_C characters); what names it in the message (a JSON path
 * or a flag).  A warning, or an error with -strict.
 */
static int
check_attr(struct pki_json_ctx *ctx, const char *what, const char *v,
    size_t ub)
{
	size_t	n;

	if (v == NULL)
		return PKI_OK;
	n = utf8_chars(v);
	if (ub == UB_C && n != UB_C && n > 0 && n <= 64)
		return pki_json_policy(ctx, PKI_ERR_INPUT, what, "\"%s\" is "
		    "not a 2-letter country code (RFC 5280); kept, as cfssl "
		    "keeps it", v);
	if (n <= ub)
		return PKI_OK;
	return pki_json_policy(ctx, PKI_ERR_INPUT, what, "%zu characters, "
	    "more than the %zu RFC 5280 allows; kept, as cfssl keeps it", n,
	    ub);
}

/* Checks the subject of csr against the RFC 5280 upper bounds. */
static int
check_subject_caps(struct pki_json_ctx *ctx, const struct pki_csr *csr,
    const char *serialkey)
{
	const struct pki_nameent	*n;
	char				 ep[PKI_JSON_PATH_MAX];
	char				 fp[PKI_JSON_PATH_MAX];
	char				 op[PKI_JSON_PATH_MAX];
	size_t				 i, j;
	int				 r;

	if ((ctx->opts == NULL || !ctx->opts->cn_replaced) &&
	    (r = check_attr(ctx, "CN", csr->cn, UB_CN)) != 0)
		return r;
	if ((r = check_attr(ctx, serialkey, csr->serialnumber,
	    UB_SERIAL)) != 0)
		return r;
	for (i = 0; i < csr->nnames; i++) {
		n = &csr->names[i];
		pki_json_path_index(ep, sizeof(ep), "names", i);
#define ATTR(f, key, ub)						\
		pki_json_path_key(fp, sizeof(fp), ep, key);		\
		if ((r = check_attr(ctx, fp, n->f, ub)) != 0)		\
			return r;
		ATTR(c, "C", UB_C)
		ATTR(st, "ST", UB_ST)
		ATTR(l, "L", UB_L)
		ATTR(o, "O", UB_O)
		ATTR(ou, "OU", UB_OU)
		ATTR(e, "E", UB_EMAIL)
#undef ATTR
		for (j = 0; j < n->noids; j++) {
			pki_json_path_key(op, sizeof(op), ep, "OID");
			pki_json_path_key(fp, sizeof(fp), op, n->oids[j].oid);
			if ((r = check_attr(ctx, fp, n->oids[j].value,
			    UB_OID_VALUE)) != 0)
				return r;
		}
	}
	return PKI_OK;
}

/*
 * Checks the length of host h (len bytes), a URI, an e-mail address or a
 * DNS name (kind: PKI_HOST_*) named hp in messages, against the caps.
 */
static int
check_host_len(struct pki_json_ctx *ctx, const char *hp, int kind,
    const char *h, size_t len)
{
	const char	*p, *dot;

	if (kind == PKI_HOST_URI)
		return len <= MAX_URI ? PKI_OK : pki_json_policy(ctx,
		    PKI_ERR_INPUT, hp, "URI of %zu bytes, longer than %d; "
		    "kept, as cfssl keeps it", len, MAX_URI);
	if (kind == PKI_HOST_EMAIL)
		return len <= MAX_MAILBOX ? PKI_OK : pki_json_policy(ctx,
		    PKI_ERR_INPUT, hp, "e-mail address of %zu bytes, longer "
		    "than %d; kept, as cfssl keeps it", len, MAX_MAILBOX);
	if (kind != PKI_HOST_DNS)
		return PKI_OK;
	if (len > 0 && h[len - 1] == '.')
		len--;
	if (len > MAX_DNS)
		return pki_json_policy(ctx, PKI_ERR_INPUT, hp, "DNS name of %zu "
		    "bytes, longer than %d: no name in DNS can match it; kept, "
		    "as cfssl keeps it", len, MAX_DNS);
	for (p = h; p < h + len; p = dot + 1) {
		if ((dot = memchr(p, '.', (size_t)(h + len - p))) == NULL)
			dot = h + len;
		if (dot - p > MAX_LABEL)
			return pki_json_policy(ctx, PKI_ERR_INPUT, hp, "DNS label "
			    "of %zu bytes, longer than %d: no name in DNS can "
			    "match it; kept, as cfssl keeps it",
			    (size_t)(dot - p), MAX_LABEL);
	}
	return PKI_OK;
}

/*
 * Checks the hosts against the caps (their number, the length of a DNS
 * name and of its labels, of an e-mail address and of a URI) and reports
 * the hosts that will not be what they seem: an IP address that is not
 * one (999.1.1.1 becomes a DNS name, as in cfssl) and an empty host.
 * Each is a warning, an error with -strict.  path names the list in
 * messages ("hosts"); "" names each host by its value (-hostname).
 */
static int
check_hosts_caps(struct pki_json_ctx *ctx, const char *path,
    char *const *hv, size_t hn)
{
	char		 hp[PKI_JSON_PATH_MAX];
	unsigned char	*v = NULL;
	const char	*h, *kind;
	size_t		 i, len, vlen;
	int		 k, r;

	if (hn > MAX_HOSTS && (r = pki_json_policy(ctx, PKI_ERR_INPUT, path,
	    "%zu entries, more than %d; kept, as cfssl keeps them", hn,
	    MAX_HOSTS)) != 0)
		return r;
	for (i = 0; i < hn; i++) {
		h = hv[i];
		len = strlen(h);
		if (*path == '\0')
			snprintf(hp, sizeof(hp), "\"%.60s%s\"", h,
			    len > 60 ? "..." : "");
		else
			pki_json_path_index(hp, sizeof(hp), path, i);
		if (len == 0) {
			if ((r = pki_json_policy(ctx, PKI_ERR_INPUT, hp, "an "
			    "empty host becomes an empty DNS name, as in cfssl; "
			    "GnuTLS cannot parse such a certificate")) != 0)
				return r;
			continue;
		}
		if (pki_policy_host_looks_ip(h)) {
			if ((k = pki_host_classify(h, &v, &vlen, ctx->err)) < 0)
				return k;
			free(v);
			v = NULL;
			kind = k == PKI_HOST_URI ? "a URI" : k == PKI_HOST_EMAIL ?
			    "an e-mail address" : "a DNS name";
			if ((r = pki_json_policy(ctx, PKI_ERR_INPUT, hp, "%s%s%s"
			    "looks like an IP address but is not one; it becomes "
			    "%s, as in cfssl", *path != '\0' ? "\"" : "",
			    *path != '\0' ? h : "", *path != '\0' ? "\" " : "",
			    kind)) != 0)
				return r;
			continue;
		}
		if (strstr(h, "://") != NULL)
			k = PKI_HOST_URI;
		else if (strchr(h, '@') != NULL)
			k = PKI_HOST_EMAIL;
		else if (strchr(h, ':') != NULL)
			continue;	/* IPv6 addresses hold colons */
		else
			k = PKI_HOST_DNS;
		if ((r = check_host_len(ctx, hp, k, h, len)) != 0)
			return r;
	}
	return PKI_OK;
}

int
pki_hosts_check_caps(char *const *hosts, size_t n, const char *what,
    const struct pki_parse_opts *opts, struct pki_error *err)
{
	struct pki_json_ctx	ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.source = what;
	ctx.opts = opts;
	ctx.err = err;
	pki_err_source(err, what);
	return check_hosts_caps(&ctx, "", hosts, n);
}

int
pki_sans_check_caps(const GENERAL_NAMES *sans, const char *source,
    const struct pki_parse_opts *opts, struct pki_error *err)
{
	struct pki_json_ctx	 ctx;
	const GENERAL_NAME	*g;
	const ASN1_IA5STRING	*s;
	const char		*h;
	char			 hp[PKI_JSON_PATH_MAX], shown[61];
	size_t			 len, j;
	int			 i, n, k, r;

	memset(&ctx, 0, sizeof(ctx));
	ctx.source = source;
	ctx.opts = opts;
	ctx.err = err;
	n = sk_GENERAL_NAME_num(sans);	/* -1 for NULL */
	if (n > MAX_HOSTS && (r = pki_json_policy(&ctx, PKI_ERR_INPUT,
	    "subjectAltName", "%d entries, more than %d; kept, as cfssl "
	    "keeps them", n, MAX_HOSTS)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		g = sk_GENERAL_NAME_value(sans, i);
		switch (g->type) {
		case GEN_DNS:
			k = PKI_HOST_DNS;
			s = g->d.dNSName;
			break;
		case GEN_EMAIL:
			k = PKI_HOST_EMAIL;
			s = g->d.rfc822Name;
			break;
		case GEN_URI:
			k = PKI_HOST_URI;
			s = g->d.uniformResourceIdentifier;
			break;
		default:
			continue;
		}
		h = (const char *)ASN1_STRING_get0_data(s);
		len = (size_t)ASN1_STRING_length(s);
		/* By value: the certificate lists them in Go's order. */
		for (j = 0; j < len && j < sizeof(shown) - 1; j++)
			shown[j] = h[j] >= 0x20 && h[j] < 0x7f ? h[j] : '?';
		shown[j] = '\0';
		snprintf(hp, sizeof(hp), "subjectAltName \"%s%s\"", shown,
		    len > j ? "..." : "");
		if ((r = check_host_len(&ctx, hp, k, h, len)) != 0)
			return r;
	}
	return PKI_OK;
}

static int
parse_csr(struct pki_json_ctx *ctx, const json_t *root, struct pki_csr *csr)
{
	json_t	*vals[F__N];
	int	 r;

	if ((r = pki_json_fields_hint(ctx, "", root, csr_fields, csr_hints,
	    vals)) != 0)
		return r;
	if ((r = pki_json_string(ctx, "CN", vals[F_CN], &csr->cn)) != 0)
		return r;
	if (vals[F_NAMES] != NULL &&
	    (r = parse_names(ctx, vals[F_NAMES], csr)) != 0)
		return r;
	if ((r = pki_json_strv(ctx, "hosts", vals[F_HOSTS],
	    &csr->hosts)) != 0)
		return r;
	if ((ctx->opts == NULL || !ctx->opts->hosts_replaced) &&
	    (r = check_hosts_caps(ctx, "hosts", csr->hosts.v,
	    csr->hosts.n)) != 0)
		return r;
	if (vals[F_KEY] != NULL && (r = parse_key(ctx, vals[F_KEY], csr)) != 0)
		return r;
	if (vals[F_CA] != NULL && (r = parse_ca(ctx, vals[F_CA], csr)) != 0)
		return r;
	if ((r = pki_json_string(ctx, "serialnumber", vals[F_SERIAL],
	    &csr->serialnumber)) != 0 ||
	    (r = check_subject_caps(ctx, csr, "serialnumber")) != 0)
		return r;
	if ((r = pki_json_bool(ctx, "delegation_enabled", vals[F_DELEG],
	    &csr->delegation_enabled)) != 0)
		return r;
	if (vals[F_EXTS] != NULL &&
	    (r = parse_exts(ctx, vals[F_EXTS], csr)) != 0)
		return r;
	return pki_json_string(ctx, "crl_url", vals[F_CRL], &csr->crl_url);
}

/* The SUBJECT file of "sign". */
static int
parse_subject(struct pki_json_ctx *ctx, const json_t *root,
    struct pki_csr *csr)
{
	json_t	*vals[S__N];
	int	 r;

	if ((r = pki_json_fields(ctx, "", root, subject_fields, vals)) != 0)
		return r;
	if ((r = pki_json_string(ctx, "CN", vals[S_CN], &csr->cn)) != 0)
		return r;
	if (vals[S_NAMES] != NULL &&
	    (r = parse_names(ctx, vals[S_NAMES], csr)) != 0)
		return r;
	if ((r = pki_json_string(ctx, "SerialNumber", vals[S_SERIAL],
	    &csr->serialnumber)) != 0)
		return r;
	return check_subject_caps(ctx, csr, "SerialNumber");
}

/* The CSR (or subject) in the parsed JSON root (borrowed) into *out. */
static int
csr_from_root(const json_t *root, const char *source, int subject_only,
    const struct pki_parse_opts *opts, struct pki_csr **out,
    struct pki_error *err)
{
	struct pki_json_ctx	 ctx;
	struct pki_csr		*csr = NULL;
	int			 r = PKI_ERR_INTERNAL;

	*out = NULL;
	ctx.source = source;
	ctx.opts = opts;
	ctx.err = err;
	if ((csr = calloc(1, sizeof(*csr))) == NULL ||
	    (csr->source = strdup(source)) == NULL ||
	    (csr->key_algo = strdup("ecdsa")) == NULL) {
		r = pki_json_err(&ctx, PKI_ERR_ALLOC, "", "out of memory");
		goto out;
	}
	csr->subject_only = subject_only;
	csr->key_size = 256;
	if (subject_only)
		r = parse_subject(&ctx, root, csr);
	else
		r = parse_csr(&ctx, root, csr);
	if (r != 0)
		goto out;
	*out = csr;
	csr = NULL;
	r = PKI_OK;
 out:
	pki_csr_free(csr);
	return r;
}

int
pki_csr_parse(const char *buf, size_t len, const char *source,
    int subject_only, const struct pki_parse_opts *opts,
    struct pki_csr **out, struct pki_error *err)
{
	struct pki_json_ctx	 ctx;
	json_t			*root = NULL;
	int			 r;

	*out = NULL;
	if (source == NULL)
		source = "<input>";
	ctx.source = source;
	ctx.opts = opts;
	ctx.err = err;
	/* Repeated keys: the last wins, with a word (pki_json_load_go). */
	if ((r = pki_json_load_go(&ctx, buf, len, &root)) != 0)
		return r;
	r = csr_from_root(root, source, subject_only, opts, out, err);
	json_decref(root);
	return r;
}

int
pki_csr_from_json(const json_t *root, const char *source,
    const struct pki_parse_opts *opts, struct pki_csr **out,
    struct pki_error *err)
{
	pki_err_source(err, source);
	return csr_from_root(root, source, 0, opts, out, err);
}

int
pki_csr_set_cn(struct pki_csr *csr, const char *cn,
    const struct pki_parse_opts *opts, struct pki_error *err)
{
	struct pki_json_ctx	 ctx;
	char			*s;
	int			 r;

	memset(&ctx, 0, sizeof(ctx));
	ctx.source = "-cn";
	ctx.opts = opts;
	ctx.err = err;
	if ((r = check_attr(&ctx, "", cn, UB_CN)) != 0)
		return r;
	if ((s = strdup(cn)) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	free(csr->cn);
	csr->cn = s;
	return PKI_OK;
}

int
pki_hosts_split(const char *list, char ***v, size_t *n, struct pki_error *err)
{
	struct pki_strv	 sv = { NULL, 0 };
	const char	*p, *e;
	char		*item = NULL;
	size_t		 len;

	*v = NULL;
	*n = 0;
	/* As cfssl's SplitHosts: "" is no hosts at all. */
	for (p = list; *list != '\0'; p = e + 1) {
		/* The loop ends at the last item, after its push. */
		e = strchr(p, ',');
		len = e == NULL ? strlen(p) : (size_t)(e - p);
		if ((item = strndup(p, len)) == NULL ||
		    pki_strv_push(&sv, item) != 0) {
			free(item);
			pki_strv_clear(&sv);
			return pki_err(err, PKI_ERR_ALLOC, "out of memory");
		}
		free(item);
		if (e == NULL)
			break;
	}
	*v = sv.v;
	*n = sv.n;
	return PKI_OK;
}

int
pki_csr_set_hosts(struct pki_csr *csr, const char *list,
    const struct pki_parse_opts *opts, struct pki_error *err)
{
	struct pki_json_ctx	 ctx;
	struct pki_strv	 sv = { NULL, 0 };
	int		 r = PKI_ERR_INTERNAL;

	if ((r = pki_hosts_split(list, &sv.v, &sv.n, err)) != PKI_OK)
		return r;
	memset(&ctx, 0, sizeof(ctx));
	ctx.source = "-hostname";
	ctx.opts = opts;
	ctx.err = err;
	if ((r = check_hosts_caps(&ctx, "", sv.v, sv.n)) != 0)
		goto out;
	pki_strv_clear(&csr->hosts);
	csr->hosts = sv;
	sv.v = NULL;
	sv.n = 0;
	r = PKI_OK;
 out:
	pki_strv_clear(&sv);
	return r;
}

int
pki_csr_has_ca(const struct pki_csr *csr)
{
	return csr->has_ca;
}

size_t
pki_csr_nhosts(const struct pki_csr *csr)
{
	return csr->hosts.n;
}

const char *
pki_csr_host(const struct pki_csr *csr, size_t i)
{
	return i < csr->hosts.n ? csr->hosts.v[i] : NULL;
}

int
pki_csr_hosts_copy(const struct pki_csr *csr, char ***hosts, size_t *n,
    struct pki_error *err)
{
	size_t	i;

	*hosts = NULL;
	*n = 0;
	if (csr->hosts.n == 0)
		return PKI_OK;
	if ((*hosts = calloc(csr->hosts.n + 1, sizeof(**hosts))) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	for (i = 0; i < csr->hosts.n; i++) {
		if (((*hosts)[i] = strdup(csr->hosts.v[i])) == NULL) {
			pki_strv_free(*hosts, *n);
			*hosts = NULL;
			*n = 0;
			return pki_err(err, PKI_ERR_ALLOC, "out of memory");
		}
		(*n)++;
	}
	return PKI_OK;
}

void
pki_csr_key_desc(const struct pki_csr *csr, char *buf, size_t len)
{
	if (strcmp(csr->key_algo, "ed25519") == 0)
		snprintf(buf, len, "ed25519");
	else
		snprintf(buf, len, "%s-%d", csr->key_algo, csr->key_size);
}

/* Returns 1 if s is NULL or only white space (Go's strings.TrimSpace). */
static int
blank(const char *s)
{
	if (s == NULL)
		return 1;
	for (; *s != '\0'; s++)
		if (strchr(" \t\n\v\f\r", *s) == NULL)
			return 0;
	return 1;
}

int
pki_csr_check_subject(const struct pki_csr *csr, struct pki_error *err)
{
	const struct pki_nameent	*n;
	size_t				 i;

	if (csr->cn != NULL && *csr->cn != '\0')
		return PKI_OK;
	for (i = 0; i < csr->nnames; i++) {
		n = &csr->names[i];
		if (blank(n->c) && blank(n->st) && blank(n->l) &&
		    blank(n->o) && blank(n->ou))
			break;
	}
	if (csr->nnames > 0 && i == csr->nnames)
		return PKI_OK;
	pki_err_source(err, csr->source);
	return pki_err(err, PKI_ERR_INPUT, "%s: missing subject information: "
	    "set CN or give every names[] entry one of C, ST, L, O, OU",
	    csr->source);
}
