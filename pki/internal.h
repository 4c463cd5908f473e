/*
 * internal.h: definitions shared by the pki/ sources only.  Nothing here is
 * part of the public interface; cmd/ and the tests outside tests/unit must
 * not include it.
 */
#ifndef PKI_INTERNAL_H
#define PKI_INTERNAL_H

#include <sys/types.h>

#include <dirent.h>
#include <regex.h>
#include <stdarg.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pki.h"

#define PKI_NS_PER_SEC		INT64_C(1000000000)
#define PKI_NS_PER_MIN		(60 * PKI_NS_PER_SEC)
#define PKI_NS_PER_HOUR		(60 * PKI_NS_PER_MIN)

/* ---- error.c -------------------------------------------------------- */

/*
 * Fills err (if not NULL) with code and the formatted text, and drains the
 * OpenSSL error queue.  Returns code, so "return pki_err(err, X, ...)".
 */
/*
 * Makes the text s (a buffer of size bytes) one line: each control
 * character (below 0x20, and 0x7f) becomes \n, \r, \t or \xNN, cut to
 * fit.  Bytes from 0x80 on stay (UTF-8 names).  Every error, note and
 * warning text goes through it: a file name with a newline in it cannot
 * split a message into lines a log reader takes for two.
 */
void	pki_text_oneline(char *s, size_t size);

int	pki_err(struct pki_error *err, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Same, with errno: appends ": strerror(errnum)" and sets sys_errno. */
int	pki_err_sys(struct pki_error *err, int errnum, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/*
 * Same, for a libcrypto failure: appends ": <reason>" from the first entry
 * of the OpenSSL error queue (ERR_get_error_all), then drains it.
 */
int	pki_err_ssl(struct pki_error *err, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/*
 * "PATH: not a regular file (a FIFO)" and the like for what mode says;
 * returns PKI_ERR_INPUT.
 */
int	pki_err_not_regular(struct pki_error *err, const char *path,
	    mode_t mode);
/*
 * Opens the directory name in dfd for readdir, never following a
 * symbolic link; NULL with errno set.
 */
DIR	*pki_dir_open_at(int dfd, const char *name);
/* Sets err->source (truncated) without touching the rest. */
void	pki_err_source(struct pki_error *err, const char *source);
/* Prefixes err->text with "prefix: " (used to add a file name). */
void	pki_err_prefix(struct pki_error *err, const char *prefix);

/* ---- small helpers (util.c) ----------------------------------------- */

struct pki_strv {
	char	**v;
	size_t	  n;
};

int	pki_strv_push(struct pki_strv *sv, const char *s) PKI_MUST_CHECK;

/*
 * A growing NUL-terminated text buffer.  Starts zeroed; an allocation
 * failure sets oom and makes later appends no-ops, so callers check oom
 * once at the end.  b is malloc'ed (NULL while empty).
 */
struct pki_buf {
	char	*b;
	size_t	 len, cap;
	int	 oom;
};

void	pki_buf_addn(struct pki_buf *sb, const char *s, size_t n);
void	pki_buf_add(struct pki_buf *sb, const char *s);
/* Appends printf-style text. */
void	pki_buf_printf(struct pki_buf *sb, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	pki_strv_clear(struct pki_strv *sv);
char	*pki_strdup(const char *s);	/* NULL-safe strdup */
/* Levenshtein distance, for "did you mean" suggestions. */
size_t	pki_edit_distance(const char *a, const char *b);
/*
 * Decodes standard padded base64 (Go's base64.StdEncoding, as encoding/json
 * uses for []byte) into a new buffer (*out is malloc'ed, one spare byte so
 * that it is never NULL on success).  Returns PKI_ERR_INPUT if s is not
 * canonical-length padded base64, PKI_ERR_ALLOC out of memory.
 */
int	pki_b64_decode(const char *s, unsigned char **out, size_t *outlen)
	    PKI_MUST_CHECK;
/* An ASN1_TIME as seconds since the epoch in *t; -1 if unreadable. */
int	pki_asn1_time(const ASN1_TIME *a, time_t *t) PKI_MUST_CHECK;

/* ---- Go's JSON text (gojson.c) --------------------------------------- */

/*
 * Appends s (n bytes, any bytes) as a JSON string with its quotes, as Go's
 * encoding/json writes it (see gojson.c and pki_json_quote in pki.h).
 */
void	pki_buf_go_string(struct pki_buf *b, const char *s, size_t n);

/*
 * Serialises json (borrowed) as Go's json.MarshalIndent(v, "", "  ")
 * does: two-space indentation, keys in insertion order, strings through
 * pki_buf_go_string(), numbers as jansson writes them.  No trailing
 * newline.  Returns a malloc'ed string, or NULL out of memory.
 */
struct json_t;
char	*pki_json_dump_go(const struct json_t *json);
/*
 * The same, or with JSON_COMPACT in flags as Go's json.Marshal(v) writes
 * it (no whitespace); no other jansson flag applies.
 */
char	*pki_json_dump_go_flags(const struct json_t *json, size_t flags);

/* ---- files (file.c) -------------------------------------------------- */

/* The process umask, read without changing it where /proc allows. */
mode_t	pki_file_umask(void);
/* n random characters [A-Za-z0-9] and a NUL into buf (n <= 64). */
int	pki_file_random(char *buf, size_t n, struct pki_error *err)
	    PKI_MUST_CHECK;
/* Writes all of len bytes to fd.  Returns 0, or -1 with errno set. */
int	pki_file_writeall(int fd, const void *data, size_t len);
/*
 * 1 if name is what pki_file_write_set() names the temporary file or the
 * backup link of a target base in its directory (".BASE.XXXXXX" or
 * ".BASE.old.XXXXXX", BASE cut as it cuts it), else 0.  Such a file left
 * in place is what a killed run did not finish.
 */
int	pki_file_is_tmp_of(const char *name, const char *base);
/*
 * Creates an empty private (0600) file in dfd under a fresh temporary
 * name of base, as pki_file_write_set() names them, into name (size
 * bytes): for a file built in place and then given to a set as
 * PKI_FILE_PREPARED.  Returns PKI_OK or an error.
 */
int	pki_file_tmp_create(int dfd, const char *base, char *name,
	    size_t size, struct pki_error *err) PKI_MUST_CHECK;
/*
 * Creates name in dfd (O_EXCL|O_NOFOLLOW) with exactly mode whatever the
 * umask, owned like *owner when given and permitted (group and other bits
 * are granted only after that), writes len bytes, fsyncs when sync is set,
 * and closes it.  On failure nothing is left at name.  Returns 0, or -1
 * with errno set (EEXIST when name exists).
 */
struct stat;
int	pki_file_write_new(int dfd, const char *name, const void *data,
	    size_t len, mode_t mode, const struct stat *owner, int sync);

/* ---- CSR JSON (csr.c) ----------------------------------------------- */

struct pki_oidval {
	char	*oid;		/* dotted decimal */
	char	*value;
};

/* One element of "names". */
struct pki_nameent {
	char			*c, *st, *l, *o, *ou, *e;
	char			*serialnumber;	/* parsed, ignored (as cfssl) */
	struct pki_oidval	*oids;		/* "OID" map, in file order */
	size_t			 noids;
};

/* One element of "extensions" (cfssl: Go's pkix.Extension JSON). */
struct pki_ext {
	char		*oid;		/* dotted decimal */
	int		 critical;
	unsigned char	*value;		/* DER of extnValue's contents */
	size_t		 len;
};

struct pki_csr {
	char			*source;
	int			 subject_only;
	char			*cn;		/* NULL when absent */
	struct pki_nameent	*names;
	size_t			 nnames;
	struct pki_strv		 hosts;
	char			*key_algo;	/* "rsa", "ecdsa", "ed25519" */
	int			 key_size;	/* defaults applied */
	int			 has_ca;
	int			 ca_pathlen;
	int			 ca_pathlenzero;
	int			 has_ca_expiry;
	int64_t			 ca_expiry;	/* ns */
	int			 has_ca_backdate;
	int64_t			 ca_backdate;	/* ns */
	char			*serialnumber;	/* subject serialNumber */
	int			 delegation_enabled;
	struct pki_ext		*exts;
	size_t			 nexts;
	char			*crl_url;
};

/* ---- subject model: Go's pkix.Name (name.c) ------------------------- */

struct pki_subject {
	struct pki_strv		 c, st, l, street, postal, o, ou;
	char			*cn;		/* NULL when absent */
	char			*serial;	/* NULL when absent */
	struct pki_oidval	*extra;		/* ExtraNames, in order */
	size_t			 nextra;
};

/* csr.Name(): CN, names[] in order (C ST L O OU, then OID map, then E). */
int	pki_subject_from_csr(const struct pki_csr *csr, struct pki_subject *s,
	    struct pki_error *err) PKI_MUST_CHECK;
/*
 * pkix.Name.FillFromRDNSequence of a parsed name, keeping non-standard
 * attributes (not 2.5.4.{3,5,6,7,8,9,10,11,17}) as extras, as master does.
 */
int	pki_subject_from_name(const X509_NAME *name, struct pki_subject *s,
	    struct pki_error *err) PKI_MUST_CHECK;
/*
 * The sign SUBJECT override: non-empty CN, C, ST, L, O, OU, SerialNumber
 * of ov replace those of s; the extras of s are dropped.
 */
int	pki_subject_override(struct pki_subject *s,
	    const struct pki_subject *ov, struct pki_error *err) PKI_MUST_CHECK;
/*
 * pkix.Name.ToRDNSequence + marshalling: C, ST, L, street, postalCode, O,
 * OU, CN, serialNumber, extras; one multi-valued RDN per type;
 * PrintableString when possible, else UTF8String.
 */
int	pki_subject_to_name(const struct pki_subject *s, X509_NAME **out,
	    struct pki_error *err) PKI_MUST_CHECK;
/* Returns 1 if the subject would encode as an empty sequence. */
int	pki_subject_is_empty(const struct pki_subject *s);
void	pki_subject_clear(struct pki_subject *s);

/* ---- SANs (hosts.c) ------------------------------------------------- */

/*
 * Classifies hosts and builds GENERAL_NAMES in Go's order (DNS, e-mail,
 * IP, URI).  With ip_only, non-IP entries are dropped (CA certificates).
 * *out is NULL when no name remains.
 */
int	pki_san_from_hosts(const char *const *hosts, size_t n, int ip_only,
	    GENERAL_NAMES **out, struct pki_error *err) PKI_MUST_CHECK;

/* ---- keys (key.c) --------------------------------------------------- */

struct pki_key {
	EVP_PKEY	*pkey;
	int		 fmt;		/* PKI_KEY_FMT_* it was loaded in */
	int		 encrypted;	/* it was loaded encrypted */
};

/*
 * The signature digest cfssl picks for a signing key (sha1/256/384/512 for
 * RSA by size, by curve for ECDSA).  *md is NULL for Ed25519.  Returns 0
 * or PKI_ERR_KEY for an unsupported key.
 */
int	pki_key_sig_md(const EVP_PKEY *pkey, const EVP_MD **md,
	    struct pki_error *err) PKI_MUST_CHECK;
/* Subject key identifier: SHA-1 of the subjectPublicKey BIT STRING. */
int	pki_key_ski(const EVP_PKEY *pkey, unsigned char ski[20],
	    struct pki_error *err) PKI_MUST_CHECK;
/*
 * The size (256, 384, 521) of the curve of an EC key on P-256, P-384 or
 * P-521, else 0.  name (len bytes) gets the key's group name, "" if it has
 * none.
 */
int	pki_pkey_curve(const EVP_PKEY *pkey, char *name, size_t len);
/*
 * Returns 1 if pkey is an EC key whose curve is given by explicit
 * parameters (RFC 5480 allows only a named curve), else 0.
 */
int	pki_pkey_explicit(const EVP_PKEY *pkey);

/* The RSA key sizes etcd-pki makes and signs (gencert's key.size). */
#define PKI_RSA_MIN	2048
#define PKI_RSA_MAX	8192

/* ---- RSA key generation (rsagen.c) ------------------------------------ */

/*
 * 1 if pki_rsa_generate makes RSA keys of bits bits here: an even size
 * of at least 2048 bits, FIPS properties off, and OpenSSL's default
 * provider holding the RSA key management a generation would use (so a
 * FIPS or hardware provider configured through OPENSSL_CONF makes its
 * own keys).  0 otherwise: use EVP_PKEY_generate.
 */
int	pki_rsa_generator_applies(int bits);
/*
 * Generates an RSA key pair of bits bits (e = 65537) from two probable
 * primes of OpenSSL's BN_generate_prime_ex2, searched in parallel, and
 * checked as SP 800-56B rev. 2 6.4.1.2.1 asks (see rsagen.c).  *out is
 * the caller's.  PKI_ERR_CRYPTO or PKI_ERR_ALLOC.
 */
int	pki_rsa_generate(int bits, EVP_PKEY **out, struct pki_error *err)
	    PKI_MUST_CHECK;
/*
 * The RSA key pair (e = 65537) of the primes p and q, each of bits / 2
 * bits, if they pass SP 800-56B rev. 2 6.4.1.2.1's checks (size, |p - q|,
 * gcd(e, p - 1), gcd(e, q - 1), the size of d) and a pairwise test.
 * PKI_ERR_KEY names the check that failed; PKI_ERR_ARG for a size other
 * than an even one of at least 2048 bits.  *out is the caller's.
 */
int	pki_rsa_from_primes(const BIGNUM *p, const BIGNUM *q, int bits,
	    EVP_PKEY **out, struct pki_error *err) PKI_MUST_CHECK;

/* ---- requests (req.c) ----------------------------------------------- */

struct pki_req {
	X509_REQ	*req;
	char		*source;	/* the file it was loaded from, or NULL */
};

/* ---- certificates (cert.c, sign.c, certinfo.c) ---------------------- */

struct pki_cert {
	X509	*x509;
	char	*source;	/* the file it was loaded from, or NULL */
};

/* ---- the strictness policy (policy.c) -------------------------------- */

/*
 * Sets *backdate (ns; <= 0: cfssl's default of 5 minutes) to what signing
 * uses with expiry (ns): at most a tenth of it.  Returns 1 when it was cut
 * (signing then does not round now to the minute, which could put
 * notBefore in the future), else 0.
 */
int	pki_policy_backdate(int64_t expiry, int64_t *backdate);
/*
 * Reports an expiry (ns) that the backdate (ns; <= 0: the default) would
 * mostly use and that signing cuts (pki_policy_backdate()): a warning
 * through po, an error with po->strict.  what names the expiry: a file
 * and JSON path ("cfg.json: signing.default.expiry") or a flag
 * ("-expiry").
 */
int	pki_policy_expiry(const struct pki_parse_opts *po, const char *what,
	    int64_t expiry, int64_t backdate, struct pki_error *err)
	    PKI_MUST_CHECK;
/*
 * Returns 1 if host, which is no IP address to cfssl, looks like one
 * (999.1.1.1, 1.2.3, an IP in brackets or spaces, with a port or a prefix
 * length), else 0.
 */
int	pki_policy_host_looks_ip(const char *host);
/*
 * Why etcd-pki issues no certificate for the public key pk (etcd-pki(1)
 * COMPATIBILITY): RSA outside PKI_RSA_MIN..PKI_RSA_MAX bits, EC with
 * explicit parameters or on a curve other than P-256, P-384 and P-521,
 * another type than RSA, EC and Ed25519.  Returns NULL if there is no
 * problem, else buf (len bytes) holding it.
 */
const char *pki_policy_pubkey(const EVP_PKEY *pk, char *buf, size_t len);
/*
 * Checks sans, the subjectAltName of the request from source, against the
 * caps of a CSR JSON's hosts (their number, the length of a DNS name and
 * label, of an e-mail address and of a URI): each is a warning through
 * opts (may be NULL), an error (PKI_ERR_INPUT) with opts->strict.  sans
 * (may be NULL) is borrowed.
 */
int	pki_sans_check_caps(const GENERAL_NAMES *sans, const char *source,
	    const struct pki_parse_opts *opts, struct pki_error *err)
	    PKI_MUST_CHECK;

/* ---- signing profiles (config.c) ------------------------------------ */

#define PKI_POLICY_QUAL_CPS	1
#define PKI_POLICY_QUAL_NOTICE	2

struct pki_policy_qual {
	int	 type;
	char	*value;
};

struct pki_policy {
	char			*oid;
	struct pki_policy_qual	*quals;
	size_t			 nquals;
};

struct pki_csr_whitelist {
	int	present;
	int	subject, pubkey_alg, pubkey, sigalg;
	int	dns, ip, email, uri;
};

struct pki_profile {
	char			*name;
	char			*where;		/* "file: signing.profiles.NAME" */
	char			*expiry_where;	/* names expiry when it does not
						   come from where ("-expiry") */
	struct pki_strv		 usages;	/* as written (known names) */
	unsigned int		 ku;		/* KU_* bits */
	int			*eku;		/* NIDs, in order, dups kept */
	size_t			 neku;
	int64_t			 expiry;	/* ns */
	int64_t			 backdate;	/* ns; 0 = cfssl's 5m */
	int			 has_not_before;
	time_t			 not_before;
	int			 has_not_after;
	time_t			 not_after;
	int			 is_ca;
	int			 max_path_len;
	int			 max_path_len_zero;
	char			*ocsp_url;	/* default's applied */
	char			*crl_url;	/* default's applied */
	struct pki_strv		 issuer_urls;	/* default's applied */
	int			 ocsp_no_check;
	char			*name_whitelist;	/* source text */
	regex_t			 whitelist_re;
	int			 has_whitelist;
	int			 copy_extensions;
	struct pki_strv		 allowed_extensions;
	struct pki_policy	*policies;
	size_t			 npolicies;
	struct pki_csr_whitelist csr_whitelist;
	int			 client_serials;
	char			*remote;	/* "remote" or auth_remote.remote */
	char			*auth_remote_key;
	char			*auth_key;
};

struct pki_config {
	char			 *source;
	struct pki_profile	 *def;
	struct pki_profile	**profiles;	/* file order */
	size_t			  nprofiles;
	struct pki_strv		  auth_key_names;
	struct pki_strv		  auth_key_values;	/* as written */
	struct pki_strv		  remote_names;
	struct pki_strv		  remote_urls;
};

#endif /* PKI_INTERNAL_H */
