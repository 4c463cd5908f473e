/*
 * fixture.c: see fixture.h.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pki.h"
#include "../tap.h"
#include "fixture.h"

static char	root[PATH_MAX / 2];
static char	*dirs[256];	/* what fx_dir made, freed at exit */
static size_t	 ndirs;

static void
fail(const char *what, const struct pki_error *err)
{
	diag("fixture: %s: %s", what, err != NULL ? err->text :
	    strerror(errno));
	exit(1);
}

static void
cleanup(void)
{
	char	cmd[PATH_MAX + 16];

	if (root[0] != '\0' && getenv("KEEP_FIXTURES") == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd) != 0)
			diag("could not remove %s", root);
	}
	while (ndirs > 0)
		free(dirs[--ndirs]);
}

const char *
fx_path(const char *dir, const char *rel)
{
	static char	buf[8][PATH_MAX];
	static int	k;
	char		*p = buf[k++ % 8];

	if ((size_t)snprintf(p, PATH_MAX, "%s/%s", dir, rel) >= PATH_MAX) {
		diag("fixture: %s/%s: too long", dir, rel);
		exit(1);
	}
	return p;
}

const char *
fx_dir(const char *name)
{
	const char	*tmp = getenv("TMPDIR"), *p;

	if (root[0] == '\0') {
		snprintf(root, sizeof(root), "%s/t-engine.XXXXXX",
		    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
		if (mkdtemp(root) == NULL)
			fail("mkdtemp", NULL);
		atexit(cleanup);
	}
	if (ndirs == sizeof(dirs) / sizeof(dirs[0])) {
		errno = EMFILE;	/* more than dirs holds */
		fail(name, NULL);
	}
	p = fx_path(root, name);
	if (mkdir(p, 0755) == -1 || (dirs[ndirs] = strdup(p)) == NULL)
		fail(name, NULL);
	return dirs[ndirs++];	/* kept until exit */
}

void
fx_put(const char *path, const char *text, mode_t mode)
{
	size_t	len = strlen(text);
	int	fd;

	(void)unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)) == -1 ||
	    fchmod(fd, mode) == -1 || write(fd, text, len) != (ssize_t)len ||
	    close(fd) == -1)
		fail(path, NULL);
}

char *
fx_read(const char *path)
{
	size_t	len;

	return tap_slurp(path, &len);
}

int
fx_exists(const char *path)
{
	struct stat	st;

	return lstat(path, &st) == 0;
}

struct pki_csr *
fx_csr(const char *json)
{
	struct pki_error	 err;
	struct pki_csr		*csr = NULL;

	memset(&err, 0, sizeof(err));
	if (pki_csr_parse(json, strlen(json), "t", 0, NULL, &csr, &err) != 0)
		fail("csr", &err);
	return csr;
}

struct pki_cluster *
fx_cluster(const char *json)
{
	struct pki_error	 err;
	struct pki_cluster	*cl = NULL;

	memset(&err, 0, sizeof(err));
	if (pki_cluster_parse(json, strlen(json), "desc.json", NULL, &cl,
	    &err) != 0)
		fail("cluster", &err);
	return cl;
}

void
fx_ca_new(struct fx_ca *ca, const char *cn, time_t now)
{
	struct pki_error	 err;
	struct pki_sign_request	 sr;
	struct pki_csr		*csr;
	struct pki_req		*req = NULL;
	struct pki_profile	*p = NULL;
	char			 json[256];
	size_t			 len;

	memset(&err, 0, sizeof(err));
	memset(&sr, 0, sizeof(sr));
	memset(ca, 0, sizeof(*ca));
	snprintf(json, sizeof(json), "{\"CN\":\"%s\",\"key\":{\"algo\":"
	    "\"ecdsa\",\"size\":256},\"ca\":{\"expiry\":\"87600h\"}}", cn);
	csr = fx_csr(json);
	if (pki_key_generate(csr, &ca->key, &err) != 0 ||
	    pki_req_new(csr, ca->key, &req, &err) != 0 ||
	    pki_profile_new_ca(csr, -1, &p, &err) != 0)
		fail("ca", &err);
	sr.req = req;
	sr.profile = p;
	sr.now_sec = now;
	if (pki_cert_sign(&sr, NULL, ca->key, &ca->cert, &err) != 0 ||
	    pki_cert_encode(ca->cert, &ca->pem, &len, &err) != 0 ||
	    pki_key_encode(ca->key, PKI_KEY_FMT_CFSSL, &ca->keypem, &len,
	    &err) != 0)
		fail("ca", &err);
	pki_req_free(req);
	pki_profile_free(p);
	pki_csr_free(csr);
}

void
fx_ca_free(struct fx_ca *ca)
{
	pki_cert_free(ca->cert);
	pki_key_free(ca->key);
	free(ca->pem);
	if (ca->keypem != NULL)
		pki_secret_free(ca->keypem, strlen(ca->keypem));
	memset(ca, 0, sizeof(*ca));
}

struct pki_config *
fx_config(const char *expiry, const char *usages,
    const struct pki_profile **prof)
{
	struct pki_error	 err;
	struct pki_config	*cfg = NULL;
	char			 json[512];

	memset(&err, 0, sizeof(err));
	snprintf(json, sizeof(json), "{\"signing\":{\"default\":{\"expiry\":"
	    "\"%s\",\"usages\":%s}}}", expiry, usages);
	if (pki_config_parse(json, strlen(json), "config", NULL, &cfg,
	    &err) != 0 || pki_config_profile(cfg, NULL, prof, &err) != 0)
		fail("config", &err);
	return cfg;
}

void
fx_leaf_new(struct fx_leaf *l, const struct fx_ca *ca, const char *csrjson,
    const struct pki_profile *prof, time_t now, const struct pki_key *key)
{
	struct pki_error	 err;
	struct pki_sign_request	 sr;
	struct pki_csr		*csr = fx_csr(csrjson);
	struct pki_key		*nk = NULL;
	struct pki_req		*req = NULL;
	struct pki_cert		*c = NULL;
	size_t			 len;

	memset(&err, 0, sizeof(err));
	memset(&sr, 0, sizeof(sr));
	memset(l, 0, sizeof(*l));
	if (key == NULL) {
		if (pki_key_generate(csr, &nk, &err) != 0 ||
		    pki_key_encode(nk, PKI_KEY_FMT_CFSSL, &l->key, &len,
		    &err) != 0)
			fail("leaf key", &err);
		key = nk;
	}
	if (pki_req_new(csr, key, &req, &err) != 0)
		fail("leaf request", &err);
	sr.req = req;
	sr.profile = prof;
	sr.now_sec = now;
	if (pki_cert_sign(&sr, ca->cert, ca->key, &c, &err) != 0 ||
	    pki_cert_encode(c, &l->cert, &len, &err) != 0 ||
	    pki_req_encode(req, &l->csr, &len, &err) != 0)
		fail("leaf", &err);
	pki_cert_free(c);
	pki_req_free(req);
	pki_key_free(nk);
	pki_csr_free(csr);
}

void
fx_leaf_free(struct fx_leaf *l)
{
	free(l->cert);
	free(l->csr);
	if (l->key != NULL)
		pki_secret_free(l->key, strlen(l->key));
	memset(l, 0, sizeof(*l));
}

void
fx_set_write(const char *dir, const char *name, const struct fx_leaf *l,
    const char *bundle)
{
	char	file[NAME_MAX + 1];

	snprintf(file, sizeof(file), "%s.pem", name);
	fx_put(fx_path(dir, file), l->cert, 0644);
	if (l->key != NULL) {
		snprintf(file, sizeof(file), "%s-key.pem", name);
		fx_put(fx_path(dir, file), l->key, 0600);
	}
	if (l->csr != NULL) {
		snprintf(file, sizeof(file), "%s.csr", name);
		fx_put(fx_path(dir, file), l->csr, 0644);
	}
	if (bundle != NULL)
		fx_put(fx_path(dir, "ca.pem"), bundle, 0644);
}

const char *
fx_serial(const char *certpem)
{
	static char		 buf[64];
	struct pki_error	 err;
	struct pki_cert		*c = NULL;
	char			*dec = NULL;

	memset(&err, 0, sizeof(err));
	buf[0] = '\0';
	if (pki_cert_load(certpem, strlen(certpem), "serial", &c, &err) != 0 ||
	    pki_cert_serial(c, &dec, &err) != 0)
		fail("serial", &err);
	snprintf(buf, sizeof(buf), "%s", dec);
	free(dec);
	pki_cert_free(c);
	return buf;
}

char	fx_notes[65536];

void
fx_note(void *arg, const struct pki_note *n)
{
	size_t	len = strlen(fx_notes);

	(void)arg;
	snprintf(fx_notes + len, sizeof(fx_notes) - len, "%s%s%s\n",
	    n->label != NULL ? n->label : "", n->label != NULL ? ": " : "",
	    n->text);
}

int
fx_has(const char *s)
{
	char	*line, *copy, *save = NULL;

	if (strstr(fx_notes, s) != NULL)
		return 1;
	diag("not in the notes: %s", s);
	if ((copy = strdup(fx_notes)) != NULL)
		for (line = strtok_r(copy, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save))
			diag("note: %s", line);
	free(copy);
	return 0;
}

void
fx_notes_clear(void)
{
	fx_notes[0] = '\0';
}
