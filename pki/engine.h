/*
 * engine.h: what the rollover engine's sources share (note.c, cldir.c,
 * targets.c, reissue.c, renew.c, rollback.c, rolling.c, rotstate.c,
 * carotate.c, carenew.c, and status.c).  Private to pki/ (and
 * tests/unit).
 */
#ifndef PKI_ENGINE_H
#define PKI_ENGINE_H

#include "internal.h"

/* ---- notes (note.c) ------------------------------------------------- */

/* Sends one note of kind about label (may be NULL) to nt (may be NULL). */
void	pki_note(const struct pki_notify *nt, int kind, const char *label,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The same for a rolling restart's step: event, the member's name. */
void	pki_note_step(const struct pki_notify *nt, const char *event,
	    const char *name, const char *label, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/*
 * An error note from err: its text, or when it is empty the description
 * of code.
 */
void	pki_note_err(const struct pki_notify *nt, const char *label,
	    const struct pki_error *err, int code);

/* ---- paths (cldir.c) ------------------------------------------------ */

/* File names in DIR and in each leaf directory. */
#define PKI_CLDIR_CA		"ca.pem"
#define PKI_CLDIR_CA_KEY	"ca-key.pem"
#define PKI_CLDIR_CA_NEXT	"ca-next.pem"
#define PKI_CLDIR_CA_PREV	"ca-prev.pem"
#define PKI_CLDIR_RETIRED	"ca-retired-"
#define PKI_CLDIR_BUNDLE	"ca.pem"

/* "a/b" (malloc'ed), or NULL when out of memory. */
char	*pki_path_join(const char *a, const char *b);

/*
 * Splits a PEM bundle into the canonical PEM of each certificate in it
 * (*certs: n malloc'ed strings, free with pki_strv_free).
 */
int	pki_bundle_split(const char *buf, size_t len, const char *source,
	    char ***certs, size_t *n, struct pki_error *err) PKI_MUST_CHECK;

/* ---- CA pairs (cldir.c) ----------------------------------------------- */

/* A CA certificate and its key as read from their files. */
struct pki_ca {
	char			*path;		/* the certificate's file */
	char			*keypath;
	struct pki_cert		*cert;
	struct pki_key		*key;		/* NULL: no key file */
	char			*pem;		/* the file's bytes */
	size_t			 len;
	char			*keypem;	/* secret: the key's bytes */
	size_t			 keylen;
	char			*canon;		/* canonical PEM (compared) */
	size_t			 canonlen;
	struct pki_cert_facts	 f;
};

#define PKI_CA_ABSENT_OK	0x1	/* no certificate file: *out NULL */
#define PKI_CA_KEY_OPTIONAL	0x2	/* no key file: key NULL */
#define PKI_CA_MUST_BE_CA	0x4	/* refuse a certificate that is not
					   a CA */

/*
 * The one CA loader: reads certpath and keypath (pki_input_read: regular
 * files, size-capped), parses them with pki_ca_parse() and warns through
 * nt about a key file group or others can read.  *out is freed with
 * pki_ca_free().
 */
int	pki_ca_load(const char *certpath, const char *keypath, int flags,
	    const char *password, const struct pki_notify *nt,
	    struct pki_ca **out, struct pki_error *err) PKI_MUST_CHECK;
/*
 * The same from buffers (key may be NULL with PKI_CA_KEY_OPTIONAL):
 * certificate and key parsed, checked against each other ("KEY: CA key
 * does not match the CA certificate CERT"), the canonical PEM and the
 * facts computed.  The buffers are copied.  password (may be NULL)
 * decrypts an encrypted key.
 */
int	pki_ca_parse(const char *cert, size_t certlen, const char *certsrc,
	    const char *key, size_t keylen, const char *keysrc, int flags,
	    const char *password, struct pki_ca **out,
	    struct pki_error *err) PKI_MUST_CHECK;
void	pki_ca_free(struct pki_ca *ca);

/* ---- targets (targets.c) ------------------------------------------------ */

/* One certificate set to act on. */
struct pki_target {
	char			*dir;		/* D */
	char			*name;		/* NAME: D/NAME.pem */
	char			*label;		/* as shown: the leaf's
						   directory under DIR, or
						   the path given */
	struct pki_csr		*csr_own;
	const struct pki_csr	*csr;		/* NULL: no CSR JSON found */
	char			*csr_path;
	const struct pki_profile *profile;
	struct pki_set		*set;
	int			 member;	/* cluster mode: a member's */
	int			 key_format;	/* a new key's PKI_KEY_FMT_*, or
						   -1: the current key's */
	const struct pki_owner	*owner;		/* cluster mode: the key's as
						   described, or NULL */
};

struct pki_targets {
	struct pki_target	*t;
	size_t			 n;
	const struct pki_cluster *cl;		/* cluster mode */
	char			*topdir;	/* cluster mode: DIR */
	int			 shared_top;	/* one member: DIR shared */
	const struct pki_cert	*ca;		/* the signer */
	const struct pki_key	*cakey;
	struct pki_ca		*own_ca;	/* cluster mode: loaded here */
	char			*capem;		/* the signing CA's PEM */
	size_t			 capemlen;
	int			*locks;
	size_t			 nlocks;
	char			*password;	/* the CA key's, or NULL */
	size_t			 passwordlen;
	/* Remote signing (pki_targets_set_remote): ca and cakey NULL. */
	const struct pki_remote	*remote;	/* &rcopy, or NULL */
	struct pki_remote	 rcopy;
	char			*rkeycred;	/* the auth key's credential */
	char			*rprofile;	/* NULL: each set's profile */
	char			*rlabel;
	struct pki_cert		*pin;		/* the CA answers must come
						   from, or NULL */
};

/*
 * Reads file which of t's set: 0, 1 when it is missing, -1 after an error
 * note.
 */
int	pki_target_read(const struct pki_target *t, int which, char **buf,
	    size_t *len, const struct pki_notify *nt);
/* The signer becomes ca (taken over); ts->capem is cleared. */
void	pki_targets_own_ca(struct pki_targets *ts, struct pki_ca *ca);

/* ---- reissue (reissue.c, reremote.c) ----------------------------------- */

/* A leaf signed anew: renew, ca rotate -phase reissue. */
struct pki_reissued {
	struct pki_cert		*cert;
	struct pki_cert_facts	 f;
	char			*certpem;
	size_t			 certlen;
	char			*csrpem;
	size_t			 csrlen;
	char			*meta;		/* its generation's
						   meta.json */
	char			*infoca;	/* remote, with no CA file
						   to pin to: the /info
						   certificate the answer
						   was checked against */
	size_t			 infocalen;
};

/*
 * Signs t's leaf anew with ts's CA at now (t's CSR JSON and profile, key:
 * the current key or a new one with rekey) under the strictness policy po
 * (may be NULL; its warnings are prefixed with t's label) and verifies
 * it before it is written (see pki_renew_run; cur: the current
 * certificate's facts).  Returns PKI_RUN_OK with *out (cleared with
 * pki_reissued_clear), PKI_RUN_REFUSED when the policy or the
 * verification refused it, or PKI_RUN_FAILED, having noted why.
 */
int	pki_reissue(const struct pki_targets *ts, const struct pki_target *t,
	    const struct pki_cert_facts *cur, const struct pki_key *key,
	    time_t now, int rekey, int force, const struct pki_parse_opts *po,
	    const struct pki_notify *nt, struct pki_reissued *out);
void	pki_reissued_clear(struct pki_reissued *rs);
/*
 * Remote signing (ts->remote): the request for key and t's CSR JSON,
 * sent to the CA server with the CSR JSON's hosts and the profile and
 * label; the answer pinned to the CA t trusts (pki_reissue_pin).  Fills
 * out's cert, certpem and csrpem.  PKI_OK, or an error in err (the
 * server's refusal, a wrong answer: PKI_ERR_POLICY).
 */
int	pki_reissue_remote(const struct pki_targets *ts,
	    const struct pki_target *t, const struct pki_key *key,
	    const struct pki_notify *nt, struct pki_reissued *out,
	    struct pki_error *err) PKI_MUST_CHECK;
/*
 * The CA a remote answer for t must come from: ts->pin (-ca, the
 * cluster's CA), else t's ca.pem when it holds exactly one certificate;
 * *pin NULL (owned: *own) when there is none, the server's /info then
 * decides.  0, or -1 after a note.
 */
int	pki_reissue_pin(const struct pki_targets *ts,
	    const struct pki_target *t, const struct pki_cert **pin,
	    struct pki_cert **own, const struct pki_notify *nt);
/* The profile name sent for t: "" for the default. */
const char *pki_reissue_profile(const struct pki_targets *ts,
	    const struct pki_target *t);
/*
 * The checks before activation (the verify-new policy): rs->cert matches
 * key, its chain verifies against the trust bundle t's member loads (its
 * directory's ca.pem, else the signing CA), its SANs and subject are the
 * CSR JSON's, it keeps every extended key usage of cur, it is valid at
 * now and, unless force, ends no earlier than cur.  Returns 0, or -1
 * after noting which check failed.
 */
int	pki_reissue_verify(const struct pki_targets *ts,
	    const struct pki_target *t, const struct pki_cert_facts *cur,
	    time_t now, int force, const struct pki_reissued *rs,
	    const struct pki_key *key, const struct pki_notify *nt);
/*
 * The staged generation gen of t holds cert (certlen bytes) and a key that
 * matches it and key.  Returns 0, or -1 after noting why.
 */
int	pki_reissue_check_staged(const struct pki_target *t, const char *gen,
	    const char *cert, size_t certlen, const struct pki_key *key,
	    const struct pki_notify *nt);
/*
 * Stages u as a new generation of t, checks it (the certificate written,
 * a matching key) and discards it when the check fails: PKI_RUN_OK with
 * *gen, PKI_RUN_REFUSED or PKI_RUN_FAILED.
 */
int	pki_reissue_stage(const struct pki_target *t,
	    const struct pki_set_update *u, const struct pki_key *key,
	    char **gen, const struct pki_notify *nt);
/* Discards t's staged generation gen unless it became current. */
void	pki_reissue_discard(const struct pki_target *t, const char *gen,
	    const struct pki_notify *nt);

/* ---- the inventory (clcrl.c) ------------------------------------------ */

/*
 * Records a certificate the engine issued in cluster mode in DIR's
 * inventory as issued now by origin: the one call renew, ca rotate and
 * ca renew make (cluster issue records through pki_inventory_add too).
 * kind is PKI_INV_*, leaf the directory under DIR ("" or NULL for a CA).
 * Returns 0, or -1 after a note: the caller then puts nothing in place,
 * so that no certificate is in use that the inventory does not hold.
 */
int	pki_engine_record(const char *dir, int kind, const char *name,
	    const char *leaf, const char *pem, size_t len, const char *origin,
	    int no_sync, const struct pki_notify *nt);

#endif /* PKI_ENGINE_H */
