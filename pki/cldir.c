/*
 * cldir.c: the model of a cluster directory (see pki.h): where the CA,
 * a rotation's CAs and each leaf's files live, the one enumeration of a
 * cluster's leaves (with their URLs, parsed once by the description),
 * the one CA loader and trust bundles.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

char *
pki_path_join(const char *a, const char *b)
{
	char	*s;

	if (asprintf(&s, "%s/%s", a, b) == -1)
		return NULL;
	return s;
}

int
pki_cldir_ca_path(const struct pki_cluster *cl, const char *dir, int which,
    int key, char **path, struct pki_error *err)
{
	static const char *const names[3][2] = {
		{ PKI_CLDIR_CA, PKI_CLDIR_CA_KEY },
		{ PKI_CLDIR_CA_NEXT, "ca-next-key.pem" },
		{ PKI_CLDIR_CA_PREV, "ca-prev-key.pem" },
	};
	const char	*f = NULL;

	*path = NULL;
	if (which < PKI_CA_CUR || which > PKI_CA_PREV)
		return pki_err(err, PKI_ERR_ARG, "CA %d: no such CA", which);
	if (which == PKI_CA_CUR && cl != NULL)
		f = key ? pki_cluster_ca_key_file(cl) :
		    pki_cluster_ca_cert_file(cl);
	*path = f != NULL ? strdup(f) : pki_path_join(dir,
	    names[which][key != 0]);
	if (*path == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	return PKI_OK;
}

int
pki_cldir_retired_path(const char *dir, const char *serial_hex, int key,
    char **path, struct pki_error *err)
{
	if (asprintf(path, "%s/" PKI_CLDIR_RETIRED "%s%s.pem", dir,
	    serial_hex, key ? "-key" : "") == -1) {
		*path = NULL;
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	}
	return PKI_OK;
}

void
pki_cldir_leaves_free(struct pki_cldir_leaf *v, size_t n)
{
	size_t	i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i].dir);
	free(v);
}

int
pki_cldir_leaves(const struct pki_cluster *cl, const char *dir,
    const char *member, struct pki_cldir_leaf **out, size_t *n,
    struct pki_error *err)
{
	struct pki_cluster_leaf_info	 li;
	struct pki_cldir_leaf		*v = NULL, *l;
	size_t				 i, nl = pki_cluster_nleaves(cl), k = 0;

	*out = NULL;
	*n = 0;
	if ((v = calloc(nl + 1, sizeof(*v))) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	for (i = 0; i < nl; i++) {
		pki_cluster_leaf(cl, i, &li);
		if (member != NULL && strcmp(member, li.name) != 0)
			continue;
		l = &v[k];
		if ((l->dir = pki_path_join(dir, li.dir)) == NULL) {
			pki_cldir_leaves_free(v, k);
			return pki_err(err, PKI_ERR_ALLOC, "out of memory");
		}
		k++;
		l->index = i;
		l->name = li.name;
		l->label = li.dir;
		l->member = li.member;
		l->csr = li.csr;
		l->profile = li.profile;
		l->key_format = li.key_format;
		l->owner = li.owner;
		l->client_url = li.nclient_urls > 0 ? li.client_urls[0] : NULL;
		l->peer_url = li.npeer_urls > 0 ? li.peer_urls[0] : NULL;
		l->client_url_parts = li.nclient_urls > 0 ?
		    &li.client_url_parts[0] : NULL;
		l->peer_url_parts = li.npeer_urls > 0 ?
		    &li.peer_url_parts[0] : NULL;
	}
	*out = v;
	*n = k;
	return PKI_OK;
}

int
pki_bundle_split(const char *buf, size_t len, const char *source,
    char ***certs, size_t *n, struct pki_error *err)
{
	static const char	 begin[] = "-----BEGIN CERTIFICATE-----";
	struct pki_cert		*c = NULL;
	const char		*p, *end = buf + len;
	char			**v = NULL, **nv, *pem = NULL;
	size_t			 nn = 0, pemlen = 0;
	int			 r = PKI_ERR_INTERNAL;

	*certs = NULL;
	*n = 0;
	for (p = buf; p < end && (p = strstr(p, begin)) != NULL; p++) {
		if ((r = pki_cert_load(p, (size_t)(end - p), source, &c,
		    err)) != PKI_OK || (r = pki_cert_encode(c, &pem, &pemlen,
		    err)) != PKI_OK)
			goto fail;
		pki_cert_free(c);
		c = NULL;
		if ((nv = reallocarray(v, nn + 1, sizeof(*v))) == NULL) {
			r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
			goto fail;
		}
		v = nv;
		v[nn++] = pem;
		pem = NULL;
	}
	*certs = v;
	*n = nn;
	return PKI_OK;
 fail:
	pki_cert_free(c);
	free(pem);
	pki_strv_free(v, nn);
	return r;
}

/* ---- the CA loader -------------------------------------------------- */

void
pki_ca_free(struct pki_ca *ca)
{
	if (ca == NULL)
		return;
	free(ca->path);
	free(ca->keypath);
	pki_cert_free(ca->cert);
	pki_key_free(ca->key);
	free(ca->pem);
	if (ca->keypem != NULL)
		pki_secret_free(ca->keypem, ca->keylen + 1);
	free(ca->canon);
	pki_cert_facts_clear(&ca->f);
	free(ca);
}

/* A NUL-terminated malloc'ed copy of len bytes. */
static char *
copy_buf(const char *buf, size_t len)
{
	char	*s;

	if ((s = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(s, buf, len);
	s[len] = '\0';
	return s;
}

int
pki_ca_parse(const char *cert, size_t certlen, const char *certsrc,
    const char *key, size_t keylen, const char *keysrc, int flags,
    const char *password, struct pki_ca **out, struct pki_error *err)
{
	struct pki_ca	*ca;
	int		 r = PKI_ERR_INTERNAL;

	*out = NULL;
	if ((ca = calloc(1, sizeof(*ca))) == NULL ||
	    (ca->path = strdup(certsrc)) == NULL ||
	    (ca->keypath = strdup(keysrc)) == NULL ||
	    (ca->pem = copy_buf(cert, certlen)) == NULL ||
	    (key != NULL && (ca->keypem = copy_buf(key, keylen)) == NULL)) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	ca->len = certlen;
	ca->keylen = keylen;
	if ((r = pki_cert_load(cert, certlen, certsrc, &ca->cert, err)) !=
	    PKI_OK || (r = pki_cert_encode(ca->cert, &ca->canon,
	    &ca->canonlen, err)) != PKI_OK ||
	    (r = pki_cert_facts(ca->cert, &ca->f, err)) != PKI_OK)
		goto out;
	if (key == NULL && !(flags & PKI_CA_KEY_OPTIONAL)) {
		r = pki_err(err, PKI_ERR_ARG, "%s: no key", keysrc);
		goto out;
	}
	if (key != NULL && (r = pki_key_load(key, keylen, keysrc, password,
	    &ca->key, err)) != PKI_OK)
		goto out;
	if ((flags & PKI_CA_MUST_BE_CA) && !pki_cert_is_ca(ca->cert)) {
		r = pki_err(err, PKI_ERR_INPUT, "%s: not a CA certificate "
		    "(basicConstraints cA is not TRUE)", certsrc);
		goto out;
	}
	if (ca->key != NULL && !pki_cert_matches_key(ca->cert, ca->key)) {
		r = pki_err(err, PKI_ERR_MISMATCH, "%s: CA key does not match "
		    "the CA certificate %s", keysrc, certsrc);
		goto out;
	}
	*out = ca;
	ca = NULL;
	r = PKI_OK;
 out:
	pki_ca_free(ca);
	return r;
}

/* 1 when path does not exist (stat: ENOENT). */
static int
absent(const char *path)
{
	struct stat	st;

	return stat(path, &st) == -1 && errno == ENOENT;
}

void
pki_key_mode_warn(const struct pki_notify *nt, const char *path)
{
	struct stat	st;

	if (strcmp(path, "-") == 0 || strncmp(path, "env:", 4) == 0)
		return;
	if (strncmp(path, "file:", 5) == 0)
		path += 5;
	if (stat(path, &st) == -1 || !S_ISREG(st.st_mode))
		return;
	if ((st.st_mode & (S_IRGRP | S_IROTH)) != 0)
		pki_note(nt, PKI_NOTE_ERROR, NULL, "warning: %s: mode %04o: "
		    "readable by group or others", path,
		    (unsigned int)(st.st_mode & 07777));
}

int
pki_ca_load(const char *certpath, const char *keypath, int flags,
    const char *password, const struct pki_notify *nt, struct pki_ca **out,
    struct pki_error *err)
{
	char	*cert = NULL, *key = NULL;
	size_t	 certlen = 0, keylen = 0;
	int	 r = PKI_ERR_INTERNAL;

	*out = NULL;
	if ((flags & PKI_CA_ABSENT_OK) && absent(certpath))
		return PKI_OK;
	if ((r = pki_input_read(certpath, 0, PKI_MAX_INPUT, &cert, &certlen,
	    err)) != PKI_OK)
		return r;
	if (absent(keypath)) {
		if (flags & PKI_CA_KEY_OPTIONAL)
			goto parse;
		if (flags & PKI_CA_ABSENT_OK) {
			r = pki_err(err, PKI_ERR_IO, "%s: missing (%s exists "
			    "without its key)", keypath, certpath);
			goto out;
		}
	}
	pki_key_mode_warn(nt, keypath);
	if ((r = pki_input_read(keypath, 0, PKI_MAX_INPUT, &key, &keylen,
	    err)) != PKI_OK)
		goto out;
 parse:
	r = pki_ca_parse(cert, certlen, certpath, key, keylen, keypath, flags,
	    password, out, err);
 out:
	free(cert);
	if (key != NULL)
		pki_secret_free(key, keylen + 1);
	return r;
}
