/*
 * clverify.c: "cluster verify", and the per-leaf checks "cluster issue"
 * uses to decide what to keep: every file against the description and
 * the CA (chain, subject, every required SAN, key type, usages, key and
 * request matching the certificate, validity, file modes).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "internal.h"
#include "x509priv.h"
#include "cluster.h"
#include "clpriv.h"
#include "engine.h"
#include "facts.h"

void
pki_cl_problem(struct pki_cl_check *ck, const char *fmt, ...)
{
	char	text[1024];
	int	n;
	va_list	ap;

	n = snprintf(text, sizeof(text), "%s", ck->prefix != NULL ?
	    ck->prefix : "");
	if (n < 0 || (size_t)n >= sizeof(text))
		n = 0;
	va_start(ap, fmt);
	(void)vsnprintf(text + n, sizeof(text) - (size_t)n, fmt, ap);
	va_end(ap);
	pki_text_oneline(text, sizeof(text));
	ck->nproblems++;
	if (ck->problem != NULL)
		ck->problem(ck->arg, text);
	else if (ck->nproblems == 1 && ck->reason != NULL)
		snprintf(ck->reason, ck->reasonlen, "%s", text +
		    (size_t)n);
}

char *
pki_cl_join_hosts(const struct pki_csr *csr)
{
	size_t	 i, len = 1;
	char	*s;

	for (i = 0; i < csr->hosts.n; i++)
		len += strlen(csr->hosts.v[i]) + 2;
	if ((s = malloc(len)) == NULL)
		return NULL;
	*s = '\0';
	for (i = 0; i < csr->hosts.n; i++) {
		if (i > 0)
			strcat(s, ", ");
		strcat(s, csr->hosts.v[i]);
	}
	return s;
}

int
pki_cl_write_if_changed(int dfd, const char *dir, const char *name,
    const void *data, size_t len, mode_t mode, struct pki_error *err)
{
	struct pki_file	 f;
	char		*buf = NULL, *path = NULL;
	size_t		 blen = 0;
	int		 r;

	if (pki_cl_slurpat(dfd, name, &buf, &blen) == 0 && blen == len &&
	    memcmp(buf, data, len) == 0) {
		free(buf);
		return PKI_OK;
	}
	free(buf);
	if (asprintf(&path, "%s/%s", dir, name) == -1)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	f.path = path;
	f.data = data;
	f.len = len;
	f.mode = mode;
	r = pki_file_write_set(&f, 1, err);
	free(path);
	return r;
}

/* ---- SANs ----------------------------------------------------------- */

/* Is a SAN with text t in gens? */
static int
san_has(const GENERAL_NAMES *gens, const char *t)
{
	char	buf[512];
	int	i;

	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		pki_san_text(sk_GENERAL_NAME_value(gens, i), buf, sizeof(buf));
		if (strcmp(buf, t) == 0)
			return 1;
	}
	return 0;
}

/* Compares the certificate's SANs with the description's, as sets. */
static void
check_sans(struct pki_cl_check *ck, const X509 *x, const struct pki_csr *csr)
{
	GENERAL_NAMES	*want = NULL, *have = NULL;
	char		 buf[512], missing[512] = "", extra[512] = "";
	int		 i, crit = -1;

	if (pki_san_from_hosts((const char *const *)csr->hosts.v,
	    csr->hosts.n, 0, &want, NULL) != PKI_OK) {
		pki_cl_problem(ck, "the description's hosts cannot be encoded");
		return;
	}
	have = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL);
	if (have == NULL && crit != -1) {
		pki_cl_problem(ck, "unreadable subjectAltName extension");
		goto out;
	}
	for (i = 0; i < sk_GENERAL_NAME_num(want); i++) {
		pki_san_text(sk_GENERAL_NAME_value(want, i), buf, sizeof(buf));
		if (!san_has(have, buf) && strlen(missing) + strlen(buf) + 3 <
		    sizeof(missing))
			snprintf(missing + strlen(missing), sizeof(missing) -
			    strlen(missing), "%s%s", *missing ? ", " : "", buf);
	}
	for (i = 0; i < sk_GENERAL_NAME_num(have); i++) {
		pki_san_text(sk_GENERAL_NAME_value(have, i), buf, sizeof(buf));
		if (!san_has(want, buf) && strlen(extra) + strlen(buf) + 3 <
		    sizeof(extra))
			snprintf(extra + strlen(extra), sizeof(extra) -
			    strlen(extra), "%s%s", *extra ? ", " : "", buf);
	}
	if (*missing != '\0')
		pki_cl_problem(ck, "SANs missing from the certificate: %s",
		    missing);
	if (*extra != '\0')
		pki_cl_problem(ck, "SANs not in the description: %s", extra);
 out:
	GENERAL_NAMES_free(want);
	GENERAL_NAMES_free(have);
}

/* The profile's extended key usages against the certificate's, as sets. */
static void
check_usages(struct pki_cl_check *ck, X509 *x, const struct pki_profile *p)
{
	EXTENDED_KEY_USAGE	*eku = NULL;
	uint32_t		 ku;
	size_t			 i;
	int			 j, found, crit = -1, n;

	ku = X509_get_key_usage(x);
	if (ku == UINT32_MAX)
		ku = 0;
	if (ku != (uint32_t)p->ku)
		pki_cl_problem(ck, "key usage 0x%x differs from profile "
		    "\"%s\" (0x%x)", (unsigned int)ku, p->name != NULL ?
		    p->name : "default", p->ku);
	eku = X509_get_ext_d2i(x, NID_ext_key_usage, &crit, NULL);
	if (eku == NULL && crit != -1) {
		pki_cl_problem(ck, "unreadable extendedKeyUsage extension");
		return;
	}
	n = eku != NULL ? sk_ASN1_OBJECT_num(eku) : 0;
	for (i = 0; i < p->neku; i++) {
		found = 0;
		for (j = 0; j < n; j++)
			if (OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, j)) ==
			    p->eku[i])
				found = 1;
		if (!found)
			pki_cl_problem(ck, "extended key usage %s missing",
			    OBJ_nid2ln(p->eku[i]));
	}
	for (j = 0; j < n; j++) {
		int	nid = OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, j));

		found = 0;
		for (i = 0; i < p->neku; i++)
			if (p->eku[i] == nid)
				found = 1;
		if (!found)
			pki_cl_problem(ck, "extended key usage %s not in "
			    "profile \"%s\"", nid != NID_undef ?
			    OBJ_nid2ln(nid) : "(unknown)", p->name != NULL ?
			    p->name : "default");
	}
	EXTENDED_KEY_USAGE_free(eku);
}

/*
 * Mode checks: keys 0600 or stricter (or within the description's
 * key_mode: 0640 lets the service's group read), nothing writable by
 * others.
 */
static void
check_mode(struct pki_cl_check *ck, int dfd, const char *name, int secret)
{
	mode_t		allow = ck->cl->leaves[ck->leaf].owner.key_mode & 077;
	struct stat	st;

	char		via[NAME_MAX + 16];

	if (!ck->modes || fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return;
	if (S_ISLNK(st.st_mode) && pki_cl_gen_link(dfd, name, via,
	    sizeof(via)) && fstatat(dfd, via, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return;
	if (S_ISLNK(st.st_mode)) {
		pki_cl_problem(ck, "%s: is a symbolic link", name);
		return;
	}
	if (secret && (st.st_mode & 077 & ~allow) != 0 && allow != 0)
		pki_cl_problem(ck, "%s: mode %04o: a private key must not be "
		    "accessible to others or writable by group (key_mode "
		    "%04o)", name, (unsigned int)(st.st_mode & 07777),
		    (unsigned int)ck->cl->leaves[ck->leaf].owner.key_mode);
	else if (secret && (st.st_mode & 077) != 0 && allow == 0)
		pki_cl_problem(ck, "%s: mode %04o: a private key must not be "
		    "accessible to group or others (0600)", name,
		    (unsigned int)(st.st_mode & 07777));
	else if (!secret && (st.st_mode & 022) != 0)
		pki_cl_problem(ck, "%s: mode %04o: writable by group or "
		    "others", name, (unsigned int)(st.st_mode & 07777));
}

/* Loads file name of ldfd as a certificate, key or request. */
static int
load_at(struct pki_cl_check *ck, int ldfd, const char *name, int kind,
    void **out)
{
	struct pki_error	 e;
	char			*buf = NULL;
	size_t			 len = 0;
	int			 r;

	*out = NULL;
	if (pki_cl_slurpat(ldfd, name, &buf, &len) == -1) {
		if (errno == ENOENT)
			pki_cl_problem(ck, "%s: missing", name);
		else
			pki_cl_problem(ck, "%s: cannot read: %s", name,
			    pki_cl_strerror(errno));
		return -1;
	}
	memset(&e, 0, sizeof(e));
	if (kind == 0)
		r = pki_cert_load(buf, len, name, (struct pki_cert **)out, &e);
	else if (kind == 1)
		r = pki_key_load(buf, len, name, NULL, (struct pki_key **)out,
		    &e);
	else
		r = pki_req_load(buf, len, name, (struct pki_req **)out, &e);
	pki_secret_free(buf, len + 1);
	if (r != PKI_OK) {
		pki_cl_problem(ck, "%s", e.text);
		return -1;
	}
	return 0;
}

/* A certificate the inventory records as revoked is a defect. */
static void
check_revoked(struct pki_cl_check *ck, const struct pki_cert *cert,
    const char *name)
{
	const struct pki_crl_entry	*e;
	char				*serial = NULL, t[32];

	if (ck->nrevoked == 0 || pki_cert_serial(cert, &serial, NULL) != PKI_OK)
		return;
	if ((e = pki_cl_revoked_find(ck->revoked, ck->nrevoked,
	    serial)) != NULL) {
		pki_time_format(e->revoked_at, t, sizeof(t));
		pki_cl_problem(ck, "%s: revoked (%s, %s)", name,
		    e->reason > 0 ? pki_crl_reason_name(e->reason) :
		    "unspecified", t);
	}
	free(serial);
}

/*
 * A certificate of name valid from nb to na, not expired, against the
 * horizon: due by its rule (the renewal point, a share of its lifetime
 * left or a time left) is a problem.
 */
static void
check_horizon(struct pki_cl_check *ck, const char *path, const char *name,
    time_t nb, time_t na)
{
	struct pki_due	due;
	char		left[64], at[32];

	if (pki_due_eval(ck->horizon, nb, na, name, ck->now, &due,
	    NULL) != PKI_OK || !due.due)
		return;
	pki_duration_format((int64_t)(na - ck->now) * PKI_NS_PER_SEC, left,
	    sizeof(left));
	pki_time_format(due.at, at, sizeof(at));
	if (ck->at_renewal)
		pki_cl_problem(ck, "%s: due for renewal since %s (expires in "
		    "%s)", path, at, left);
	else
		pki_cl_problem(ck, "%s: expires in %s, within the horizon",
		    path, left);
}

int
pki_cl_check_leaf(struct pki_cl_check *ck, int ldfd)
{
	const struct pki_cluster_leaf	*lf = &ck->cl->leaves[ck->leaf];
	const struct pki_profile	*p = lf->profile;
	struct pki_subject		 subj;
	struct pki_cert			*cert = NULL;
	struct pki_key			*key = NULL;
	struct pki_req			*req = NULL;
	X509_NAME			*want = NULL;
	const ASN1_TIME			*nb, *na;
	const unsigned char		*d1, *d2;
	char				 name[3][NAME_MAX + 1];
	char				 have[64], wantk[64], buf[64];
	size_t				 l1, l2, before = ck->nproblems;
	int64_t				 len, wantlen;
	time_t				 tnb = 0, tna = 0;
	struct tm			 tm;
	int				 ok;

	memset(&subj, 0, sizeof(subj));
	snprintf(name[0], sizeof(name[0]), "%s.pem", lf->name);
	snprintf(name[1], sizeof(name[1]), "%s-key.pem", lf->name);
	snprintf(name[2], sizeof(name[2]), "%s.csr", lf->name);
	ok = load_at(ck, ldfd, name[0], 0, (void **)&cert) == 0;
	ok = load_at(ck, ldfd, name[1], 1, (void **)&key) == 0 && ok;
	ok = load_at(ck, ldfd, name[2], 2, (void **)&req) == 0 && ok;
	check_mode(ck, ldfd, name[0], 0);
	check_mode(ck, ldfd, name[1], 1);
	check_mode(ck, ldfd, name[2], 0);
	if (cert == NULL)
		goto out;
	if (key != NULL && !pki_cert_matches_key(cert, key))
		pki_cl_problem(ck, "%s does not match %s", name[1], name[0]);
	else if (key != NULL)
		ck->pair_ok = 1;
	if (key != NULL && req != NULL &&
	    EVP_PKEY_eq(X509_REQ_get0_pubkey(req->req), key->pkey) != 1)
		pki_cl_problem(ck, "%s does not match %s", name[2], name[1]);
	if (key != NULL) {
		pki_key_desc(key, have, sizeof(have));
		pki_csr_key_desc(lf->csr, wantk, sizeof(wantk));
		if (strcmp(have, wantk) != 0)
			pki_cl_problem(ck, "%s: key is %s, the description "
			    "says %s", name[1], have, wantk);
		/* Ed25519 keys are PKCS#8 in both formats. */
		if (pki_key_format(key) != lf->key_format &&
		    strcmp(have, "ed25519") != 0)
			pki_cl_problem(ck, "%s: key is in %s format, the "
			    "description says %s", name[1],
			    pki_key_format(key) == PKI_KEY_FMT_PKCS8 ?
			    "pkcs8" : "cfssl", lf->key_format ==
			    PKI_KEY_FMT_PKCS8 ? "pkcs8" : "cfssl");
	}
	if (X509_check_issued(ck->ca->x509, cert->x509) != X509_V_OK ||
	    X509_verify(cert->x509, X509_get0_pubkey(ck->ca->x509)) != 1)
		pki_cl_problem(ck, "%s: not issued by the cluster CA",
		    name[0]);
	if (pki_subject_from_csr(lf->csr, &subj, NULL) != PKI_OK ||
	    pki_subject_to_name(&subj, &want, NULL) != PKI_OK ||
	    X509_NAME_get0_der(want, &d1, &l1) != 1 ||
	    X509_NAME_get0_der(X509_get_subject_name(cert->x509), &d2,
	    &l2) != 1 || l1 != l2 || memcmp(d1, d2, l1) != 0)
		pki_cl_problem(ck, "%s: subject differs from the description",
		    name[0]);
	check_sans(ck, cert->x509, lf->csr);
	check_usages(ck, cert->x509, p);
	check_revoked(ck, cert, name[0]);

	nb = X509_get0_notBefore(cert->x509);
	na = X509_get0_notAfter(cert->x509);
	memset(&tm, 0, sizeof(tm));
	if (ASN1_TIME_to_tm(nb, &tm) == 1)
		tnb = timegm(&tm);
	memset(&tm, 0, sizeof(tm));
	if (ASN1_TIME_to_tm(na, &tm) == 1)
		tna = timegm(&tm);
	ck->not_after = tna;
	if (tna <= ck->now)
		pki_cl_problem(ck, "%s: expired", name[0]);
	else if (ck->horizon != NULL)
		check_horizon(ck, name[0], lf->name, tnb, tna);
	if (ck->check_length) {
		len = (int64_t)(tna - tnb);
		wantlen = (ck->expiry > 0 ? ck->expiry : p->expiry) /
		    PKI_NS_PER_SEC;
		if (!p->has_not_after && !p->has_not_before && len != wantlen) {
			pki_duration_format(wantlen * PKI_NS_PER_SEC, buf,
			    sizeof(buf));
			pki_cl_problem(ck, "%s: validity length differs from "
			    "profile \"%s\" (%s)", name[0], p->name != NULL ?
			    p->name : "default", buf);
		}
	}
 out:
	ERR_clear_error();
	X509_NAME_free(want);
	pki_subject_clear(&subj);
	pki_cert_free(cert);
	pki_key_free(key);
	pki_req_free(req);
	return ck->nproblems == before ? 0 : -1;
}

/* ---- cluster verify ------------------------------------------------- */

/* Is ca's subject the one the description's "ca" section gives? */
static int
ca_matches_desc(const struct pki_cluster *cl, const struct pki_cert *ca)
{
	struct pki_subject	 subj;
	X509_NAME		*want = NULL;
	const unsigned char	*d1, *d2;
	size_t			 l1, l2;
	int			 same;

	memset(&subj, 0, sizeof(subj));
	same = pki_subject_from_csr(cl->ca_csr, &subj, NULL) == PKI_OK &&
	    pki_subject_to_name(&subj, &want, NULL) == PKI_OK &&
	    X509_NAME_get0_der(want, &d1, &l1) == 1 &&
	    X509_NAME_get0_der(X509_get_subject_name(ca->x509), &d2,
	    &l2) == 1 && l1 == l2 && memcmp(d1, d2, l1) == 0;
	X509_NAME_free(want);
	pki_subject_clear(&subj);
	return same;
}

struct vctx {
	void	(*problem)(void *arg, const char *text);
	void	*arg;
	size_t	 n;
};

static void
vproblem(struct vctx *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
vproblem(struct vctx *v, const char *fmt, ...)
{
	char	text[1024];
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	pki_text_oneline(text, sizeof(text));
	v->n++;
	if (v->problem != NULL)
		v->problem(v->arg, text);
}

/* Compares file name in ldfd with the expected text. */
static void
check_text(struct vctx *v, int ldfd, const char *dir, const char *name,
    const char *want, size_t wlen)
{
	char	*buf = NULL;
	size_t	 len = 0;

	if (pki_cl_slurpat(ldfd, name, &buf, &len) == -1)
		vproblem(v, "%s/%s: %s", dir, name, errno == ENOENT ?
		    "missing" : pki_cl_strerror(errno));
	else if (len != wlen || memcmp(buf, want, len) != 0)
		vproblem(v, "%s/%s: differs from the description (run cluster "
		    "issue to rewrite it)", dir, name);
	free(buf);
}

/*
 * Does the bundle buf hold cert (canonical PEM), and otherwise only the
 * certificates of DIR/ca-next.pem and DIR/ca-prev.pem (a CA rotation in
 * progress, etcd-pki ca rotate)?
 */
static int
rotation_bundle(int dfd, const char *buf, size_t len, const char *capem)
{
	static const char *const names[] = { PKI_CLDIR_CA_NEXT,
	    PKI_CLDIR_CA_PREV };
	static const char	 begin[] = "-----BEGIN CERTIFICATE-----";
	struct pki_cert		*c = NULL;
	char			*other[2] = { NULL, NULL }, *f = NULL, *pem = NULL;
	const char		*p, *end = buf + len;
	size_t			 flen = 0, pemlen = 0, i;
	int			 has_ca = 0, ok = 1;

	for (i = 0; i < 2; i++) {
		if (pki_cl_slurpat(dfd, names[i], &f, &flen) == -1)
			continue;
		if (pki_cert_load(f, flen, names[i], &c, NULL) == PKI_OK &&
		    pki_cert_encode(c, &pem, &pemlen, NULL) == PKI_OK) {
			other[i] = pem;
			pem = NULL;
		}
		pki_cert_free(c);
		c = NULL;
		free(f);
		f = NULL;
	}
	if (strlen(buf) != len)
		ok = 0;
	for (p = buf; ok && (p = strstr(p, begin)) != NULL; p++) {
		if (pki_cert_load(p, (size_t)(end - p), "ca.pem", &c, NULL) !=
		    PKI_OK || pki_cert_encode(c, &pem, &pemlen, NULL) !=
		    PKI_OK) {
			ok = 0;
			break;
		}
		if (strcmp(pem, capem) == 0)
			has_ca = 1;
		else if ((other[0] == NULL || strcmp(pem, other[0]) != 0) &&
		    (other[1] == NULL || strcmp(pem, other[1]) != 0))
			ok = 0;
		pki_cert_free(c);
		c = NULL;
		free(pem);
		pem = NULL;
	}
	pki_cert_free(c);
	free(pem);
	free(other[0]);
	free(other[1]);
	ERR_clear_error();
	return ok && has_ca;
}

/* pki_cl_leftovers() callback: reports what a killed run left. */
static void
report_leftover(void *arg, int pfd, const char *in, const char *name)
{
	(void)pfd;
	vproblem(arg, "%s%s/: left by an interrupted cluster issue (it may "
	    "hold a private key): the next cluster issue removes it", in,
	    name);
}

/*
 * A member or client directory (absdir/ldir) whose generation renew,
 * rollback and ca rotate refuse (pki_set_gen_untrusted): reported, the
 * verification goes on.
 */
static void
check_gen(struct vctx *v, const char *absdir, const char *ldir)
{
	char		 path[PATH_MAX], gen[PATH_MAX];
	const char	*why;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", absdir, ldir) <
	    sizeof(path) && (why = pki_set_gen_untrusted(path, gen,
	    sizeof(gen))) != NULL)
		vproblem(v, "%s/current -> %s: %s: renew, rollback and ca "
		    "rotate refuse this set", ldir, gen, why);
}

/* A leaf's ca.pem: DIR/ca.pem, or a bundle of a CA rotation. */
static void
check_bundle(struct vctx *v, int dfd, int ldfd, const char *dir,
    const char *want, size_t wlen)
{
	char	*buf = NULL;
	size_t	 len = 0;

	if (pki_cl_slurpat(ldfd, PKI_CLDIR_BUNDLE, &buf, &len) == -1)
		vproblem(v, "%s/ca.pem: %s", dir, errno == ENOENT ?
		    "missing" : pki_cl_strerror(errno));
	else if ((len != wlen || memcmp(buf, want, len) != 0) &&
	    !rotation_bundle(dfd, buf, len, want))
		vproblem(v, "%s/ca.pem: differs from the description (run "
		    "cluster issue to rewrite it)", dir);
	free(buf);
}

/*
 * The fragments of leaf i (in ldfd): its CSR JSON, trust bundle,
 * etcd.conf.yml and etcd.env (members), etcdctl.env.
 */
static int
check_fragments(struct vctx *v, const struct pki_cluster *cl, size_t i,
    int dfd, int ldfd, const char *absdir, const char *capem,
    size_t capemlen, struct pki_error *err)
{
	const struct pki_cluster_leaf	*lf = &cl->leaves[i];
	char				 name[NAME_MAX + 1];
	char				*pkidir = NULL, *text = NULL;
	int				 r;

	snprintf(name, sizeof(name), "%s-csr.json", lf->name);
	check_text(v, ldfd, lf->dir, name, lf->csr_json, strlen(lf->csr_json));
	check_bundle(v, dfd, ldfd, lf->dir, capem, capemlen);
	if (cl->pki_dir != NULL)
		r = asprintf(&pkidir, "%s", cl->pki_dir);
	else
		r = asprintf(&pkidir, "%s/%s", absdir, lf->dir);
	if (r == -1)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	if (lf->member >= 0) {
		if ((r = pki_cluster_etcd_conf(cl, (size_t)lf->member, pkidir,
		    &text, err)) != PKI_OK)
			goto out;
		check_text(v, ldfd, lf->dir, "etcd.conf.yml", text,
		    strlen(text));
		free(text);
		if ((r = pki_cluster_etcd_env(cl, (size_t)lf->member, pkidir, 1,
		    &text, err)) != PKI_OK)
			goto out;
		check_text(v, ldfd, lf->dir, "etcd.env", text, strlen(text));
		free(text);
	}
	if ((r = pki_cluster_etcdctl_env(cl, i, pkidir, &text, err)) !=
	    PKI_OK)
		goto out;
	check_text(v, ldfd, lf->dir, "etcdctl.env", text, strlen(text));
	free(text);
	if (lf->member < 0) {
		if ((r = pki_cluster_kube_flags(cl, i, pkidir, &text, err)) !=
		    PKI_OK)
			goto out;
		check_text(v, ldfd, lf->dir, "kube-apiserver.flags", text,
		    strlen(text));
		free(text);
	}
	r = PKI_OK;
 out:
	free(pkidir);
	return r;
}

int
pki_cluster_verify(const struct pki_cluster *cl, const char *dir,
    const struct pki_due_rule *horizon, time_t now,
    void (*problem)(void *, const char *), void *arg, size_t *nproblems,
    struct pki_error *err)
{
	struct vctx			 v;
	struct pki_cl_check		 ck;
	struct pki_due_rule		 renewal, carule;
	struct pki_cert			*ca = NULL;
	struct pki_key			*cakey = NULL;
	const struct pki_cluster_leaf	*lf;
	struct stat			 st;
	struct tm			 tm;
	struct pki_crl_entry		*rv = NULL;
	char				*buf = NULL, *absdir = NULL;
	char				*capem = NULL, dur[64];
	char				 prefix[PATH_MAX];
	const char			*capath;
	size_t				 len = 0, capemlen = 0, i, nrv = 0;
	struct pki_due			 due;
	time_t				 tna, tnb;
	int				 dfd = -1, ldfd = -1, r = PKI_ERR_INTERNAL, rd;

	*nproblems = 0;
	memset(&v, 0, sizeof(v));
	v.problem = problem;
	v.arg = arg;
	if (now == 0)
		now = time(NULL);
	if (horizon == NULL) {
		memset(&renewal, 0, sizeof(renewal));
		renewal.kind = PKI_DUE_RENEW;
		pki_renew_policy_default(&renewal.policy);
		horizon = &renewal;
	}
	/* The CA is not staggered: it is renewed by hand (ca renew). */
	carule = *horizon;
	carule.policy.stagger = 0;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return pki_err_sys(err, errno, "%s: cannot open", dir);
	if ((absdir = realpath(dir, NULL)) == NULL) {
		r = pki_err_sys(err, errno, "%s: cannot resolve", dir);
		goto out;
	}

	/* The CA. */
	capath = cl->ca_cert_file != NULL ? cl->ca_cert_file : PKI_CLDIR_CA;
	if ((rd = pki_cl_slurpat(cl->ca_cert_file != NULL ? AT_FDCWD : dfd,
	    capath, &buf, &len)) == -1 ||
	    pki_cert_load(buf, len, capath, &ca, NULL) != PKI_OK) {
		vproblem(&v, "%s: %s", cl->ca_cert_file != NULL ? capath :
		    PKI_CLDIR_CA, rd == 0 ? "not a readable certificate" :
		    errno == ENOENT ? "missing" : pki_cl_strerror(errno));
		free(buf);
		r = PKI_OK;
		goto done;
	}
	free(buf);
	buf = NULL;
	if (!pki_cert_is_ca(ca))
		vproblem(&v, "%s: not a CA certificate", capath);
	/* A CA made from the description must still match its "ca". */
	if (cl->ca_cert_file == NULL && cl->ca_csr != NULL &&
	    !ca_matches_desc(cl, ca))
		vproblem(&v, "%s: subject differs from the description's ca "
		    "(an existing CA is never re-created: move ca.pem and "
		    "ca-key.pem away to make a new one)", capath);
	if (pki_cert_encode(ca, &capem, &capemlen, err) != PKI_OK)
		goto out;
	memset(&tm, 0, sizeof(tm));
	tna = ASN1_TIME_to_tm(X509_get0_notAfter(ca->x509), &tm) == 1 ?
	    timegm(&tm) : 0;
	memset(&tm, 0, sizeof(tm));
	tnb = ASN1_TIME_to_tm(X509_get0_notBefore(ca->x509), &tm) == 1 ?
	    timegm(&tm) : 0;
	if (tna <= now)
		vproblem(&v, "%s: the CA certificate has expired", capath);
	else if (pki_due_eval(&carule, tnb, tna, "ca", now, &due, NULL) ==
	    PKI_OK && due.due) {
		pki_duration_format((int64_t)(tna - now) * PKI_NS_PER_SEC, dur,
		    sizeof(dur));
		vproblem(&v, "%s: the CA certificate expires in %s, within the "
		    "horizon%s", capath, dur, horizon == &renewal ?
		    " (past its renewal point: etcd-pki ca renew)" : "");
	}
	if (cl->ca_cert_file == NULL) {
		if (pki_cl_slurpat(dfd, PKI_CLDIR_CA_KEY, &buf, &len) == -1)
			vproblem(&v, "ca-key.pem: %s", errno == ENOENT ?
			    "missing" : pki_cl_strerror(errno));
		else if ((r = pki_key_load(buf, len, PKI_CLDIR_CA_KEY, NULL,
		    &cakey, NULL)) == PKI_ERR_ENCRYPTED)
			;	/* encrypted: it cannot be compared here */
		else if (r != PKI_OK)
			vproblem(&v, "ca-key.pem: not a readable private key");
		else if (!pki_cert_matches_key(ca, cakey))
			vproblem(&v, "ca-key.pem does not match ca.pem");
		pki_secret_free(buf, buf != NULL ? len + 1 : 0);
		buf = NULL;
		if (fstatat(dfd, PKI_CLDIR_CA_KEY, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & 077) != 0)
			vproblem(&v, "ca-key.pem: mode %04o: the CA key must "
			    "not be accessible to group or others (0600)",
			    (unsigned int)(st.st_mode & 07777));
	}

	/* Every leaf, none of them revoked. */
	if ((r = pki_cl_revoked(dir, now, &rv, &nrv, err)) != PKI_OK)
		goto out;
	for (i = 0; i < cl->nleaves; i++) {
		lf = &cl->leaves[i];
		if ((ldfd = openat(dfd, lf->dir, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC | O_NOFOLLOW)) == -1) {
			vproblem(&v, "%s/: %s", lf->dir, errno == ENOENT ?
			    "missing" : strerror(errno));
			continue;
		}
		memset(&ck, 0, sizeof(ck));
		snprintf(prefix, sizeof(prefix), "%s/", lf->dir);
		ck.cl = cl;
		ck.leaf = i;
		ck.ca = ca;
		ck.now = now;
		ck.horizon = horizon;
		ck.at_renewal = horizon == &renewal;
		ck.modes = 1;
		ck.prefix = prefix;
		ck.problem = v.problem;
		ck.arg = v.arg;
		ck.revoked = rv;
		ck.nrevoked = nrv;
		(void)pki_cl_check_leaf(&ck, ldfd);
		v.n += ck.nproblems;
		check_gen(&v, absdir, lf->dir);

		if (cl->fragments && (r = check_fragments(&v, cl, i, dfd,
		    ldfd, absdir, capem, capemlen, err)) != PKI_OK)
			goto out;
		(void)close(ldfd);
		ldfd = -1;
	}
	(void)pki_cl_leftovers(dfd, report_leftover, &v);
	/* The CRL and its copies. */
	v.n += pki_cl_crl_verify(cl, dir, ca, now, rv, nrv, v.problem, v.arg);
 done:
	*nproblems = v.n;
	r = PKI_OK;
 out:
	ERR_clear_error();
	if (ldfd != -1)
		(void)close(ldfd);
	if (dfd != -1)
		(void)close(dfd);
	free(rv);
	free(capem);
	free(absdir);
	pki_cert_free(ca);
	pki_key_free(cakey);
	return r;
}
