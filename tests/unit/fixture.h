/*
 * fixture.h: directories, CAs, leaves and certificate sets for the unit
 * tests of the rollover engine (t-cldir, t-renew, t-rolling, t-carotate).
 * Problems are reported as TAP diagnostics and end the test (exit 1).
 */
#ifndef TESTS_FIXTURE_H
#define TESTS_FIXTURE_H

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

struct pki_cert;
struct pki_key;
struct pki_note;
struct pki_csr;
struct pki_profile;
struct pki_config;

/* CSR JSON of a member etcd1, the same with one more name, and usages. */
#define FX_CSR1		"{\"CN\":\"etcd1\",\"hosts\":[\"etcd1\"," \
	"\"10.0.0.1\"],\"key\":{\"algo\":\"ecdsa\",\"size\":256}}"
#define FX_CSR1X	"{\"CN\":\"etcd1\",\"hosts\":[\"etcd1\"," \
	"\"10.0.0.1\",\"etcd1.example\"],\"key\":{\"algo\":\"ecdsa\"," \
	"\"size\":256}}"
#define FX_USAGES	"[\"signing\",\"key encipherment\"," \
	"\"server auth\",\"client auth\"]"

/* A CA made in memory: its certificate, key and their PEM texts. */
struct fx_ca {
	struct pki_cert	*cert;
	struct pki_key	*key;
	char		*pem;
	char		*keypem;
};

/* A leaf signed by an fx_ca: PEM texts of the certificate, key, request. */
struct fx_leaf {
	char	*cert;
	char	*key;
	char	*csr;
};

/* A new empty directory under the test's temporary root (removed at
 * exit); returns its path (kept until exit). */
const char	*fx_dir(const char *name);
/* dir/rel (static storage, one of eight). */
const char	*fx_path(const char *dir, const char *rel);
/* Writes path with exactly mode (replacing it). */
void		 fx_put(const char *path, const char *text, mode_t mode);
/* The contents of path, malloc'ed, or NULL when it cannot be read. */
char		*fx_read(const char *path);
/* 1 when path exists (lstat). */
int		 fx_exists(const char *path);

/* A self-signed ECDSA CA "CN" valid from now (0: the current time). */
void		 fx_ca_new(struct fx_ca *ca, const char *cn, time_t now);
void		 fx_ca_free(struct fx_ca *ca);
/* Parses CSR JSON text. */
struct pki_csr	*fx_csr(const char *json);
/* Parses a cluster description named "desc.json". */
struct pki_cluster;
struct pki_cluster *fx_cluster(const char *json);
/*
 * A signing configuration whose default profile has expiry and usages
 * (a JSON array text such as "[\"server auth\"]"); *prof is borrowed
 * from the result.
 */
struct pki_config *fx_config(const char *expiry, const char *usages,
		    const struct pki_profile **prof);
/*
 * Signs a leaf for csrjson under prof at now, with key (NULL: a new one,
 * returned in l->key).
 */
void		 fx_leaf_new(struct fx_leaf *l, const struct fx_ca *ca,
		    const char *csrjson, const struct pki_profile *prof,
		    time_t now, const struct pki_key *key);
void		 fx_leaf_free(struct fx_leaf *l);
/* Writes the fixed set dir/NAME.pem, NAME-key.pem, NAME.csr (when l->csr)
 * and, when bundle is not NULL, dir/ca.pem. */
void		 fx_set_write(const char *dir, const char *name,
		    const struct fx_leaf *l, const char *bundle);
/* The serial (decimal) of a certificate PEM, in static storage. */
const char	*fx_serial(const char *certpem);

/*
 * Notes (struct pki_note) collected as "label: text" lines: fx_note is
 * the pki_notify function, fx_has(s) looks for s (and shows the notes as
 * diagnostics when it is not there), fx_notes_clear forgets them.
 */
extern char	 fx_notes[65536];
void		 fx_note(void *arg, const struct pki_note *n);
int		 fx_has(const char *s);
void		 fx_notes_clear(void);

#endif
